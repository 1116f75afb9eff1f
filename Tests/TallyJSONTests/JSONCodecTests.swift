import Testing
import TallyJSON

@Suite struct JSONCodecTests {
    @Test func roundTripsEveryKind() throws {
        let text = #"{"a":[1,-2,1.5,true,false,null,"x\ny"],"b":{"c":"é✓"},"big":9223372036854775807}"#
        let value = try JSONCodec.parse(text)
        #expect(value["a"]?.arrayValue?.count == 7)
        #expect(value["big"] == .integer(Int64.max))
        #expect(try JSONCodec.parse(value.jsonText) == value)
        // Output is compact, sorted and has no raw newline (safe for newline framing).
        #expect(!value.jsonText.contains("\n"))
        #expect(value.jsonText.hasPrefix(#"{"a":"#))
    }

    @Test func integersAndRealsStayApart() throws {
        #expect(try JSONCodec.parse("12") == .integer(12))
        #expect(try JSONCodec.parse("12.0") == .number(12))
        #expect(try JSONCodec.parse("-0.25") == .number(-0.25))
    }

    @Test(arguments: [
        ("", "empty"),
        ("{", "'}' expected"),
        (#"{"a":1,"a":2}"#, "duplicate"),
        ("123456789012345678901234567890", "too big"),
        ("1e400", "overflow"),
        (#""a\u0000b""#, "NUL"),
        ("[1,]", "unexpected"),
    ])
    func refusesBadTexts(_ text: String, _ reasonFragment: String) {
        #expect(throws: JSONParseError.self) { try JSONCodec.parse(text) }
        do {
            _ = try JSONCodec.parse(text)
        } catch {
            #expect(error.description.lowercased().contains(reasonFragment.lowercased()), "\(error.description)")
        }
    }

    @Test func refusesInvalidUTF8AndRawNUL() {
        #expect(throws: JSONParseError.self) { try JSONCodec.parse([UInt8(ascii: "\""), 0xC3, 0x28, UInt8(ascii: "\"")]) }
        #expect(throws: JSONParseError.self) { try JSONCodec.parse([UInt8(ascii: "\""), 0, UInt8(ascii: "\"")]) }
    }

    @Test func refusesNestingDeeperThanTheLimit() throws {
        let ok = String(repeating: "[", count: JSONCodec.maximumDepth) + String(repeating: "]", count: JSONCodec.maximumDepth)
        #expect(throws: Never.self) { try JSONCodec.parse(ok) }
        let deep = String(repeating: "[", count: JSONCodec.maximumDepth + 1) + String(repeating: "]", count: JSONCodec.maximumDepth + 1)
        #expect(throws: JSONParseError.self) { try JSONCodec.parse(deep) }
        let veryDeep = String(repeating: "{\"a\":", count: 50_000) + "1" + String(repeating: "}", count: 50_000)
        #expect(throws: JSONParseError.self) { try JSONCodec.parse(veryDeep) }
    }

    @Test func reportsWhereTheErrorIs() {
        do {
            _ = try JSONCodec.parse("{\n  \"a\": tru\n}")
            Issue.record("parsed")
        } catch {
            #expect(error.line == 2)
        }
    }

    @Test func serializesNonFiniteAsNull() {
        #expect(JSONValue.number(.nan).jsonText == "null")
    }
}
