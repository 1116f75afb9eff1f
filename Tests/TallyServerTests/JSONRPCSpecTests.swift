import Testing
import TallyJSON

/// The examples of section 7 of the JSON-RPC 2.0 specification (<https://www.jsonrpc.org/specification#examples>),
/// over a real TCP connection and over HTTP, with Tally's own methods standing in for `subtract`,
/// `sum`, `update` and `get_data`.
@Suite struct JSONRPCSpecTests {
    /// One example: the text sent, and the answer expected (nil: nothing at all).
    struct Example: CustomTestStringConvertible, Sendable {
        let name: String
        let request: String
        let expected: String?
        var testDescription: String { name }
    }

    static let examples: [Example] = [
        Example(name: "positional params are refused with -32602 (Tally takes named params)",
                request: #"{"jsonrpc":"2.0","method":"health.check","params":[42,23],"id":1}"#,
                expected: #"{"id":1,"error":{"code":-32602}}"#),
        Example(name: "named params",
                request: #"{"jsonrpc":"2.0","method":"health.check","params":{"service":""},"id":3}"#,
                expected: #"{"id":3,"result":{"status":"SERVING"}}"#),
        Example(name: "named params, other order of members",
                request: #"{"jsonrpc":"2.0","method":"health.check","id":4,"params":{"service":"tally"}}"#,
                expected: #"{"id":4,"result":{"status":"SERVING"}}"#),
        Example(name: "a notification of a known method is not answered",
                request: #"{"jsonrpc":"2.0","method":"health.check","params":{"service":""}}"#, expected: nil),
        Example(name: "a notification of an unknown method is not answered",
                request: #"{"jsonrpc":"2.0","method":"foobar"}"#, expected: nil),
        Example(name: "a notification with bad params is not answered",
                request: #"{"jsonrpc":"2.0","method":"health.check","params":{"nope":1}}"#, expected: nil),
        Example(name: "non-existent method",
                request: #"{"jsonrpc":"2.0","method":"foobar","id":"1"}"#,
                expected: #"{"id":"1","error":{"code":-32601}}"#),
        Example(name: "invalid JSON",
                request: #"{"jsonrpc":"2.0","method":"foobar,"params":"bar","baz]"#,
                expected: #"{"id":null,"error":{"code":-32700}}"#),
        Example(name: "invalid Request object (method not a string, no id)",
                request: #"{"jsonrpc":"2.0","method":1,"params":"bar"}"#,
                expected: #"{"id":null,"error":{"code":-32600}}"#),
        Example(name: "invalid Request object echoes a readable id",
                request: #"{"jsonrpc":"2.0","method":1,"id":7}"#,
                expected: #"{"id":7,"error":{"code":-32600}}"#),
        Example(name: "wrong jsonrpc version echoes the id",
                request: #"{"jsonrpc":"1.0","method":"health.check","id":"v1"}"#,
                expected: #"{"id":"v1","error":{"code":-32600}}"#),
        Example(name: "batch, invalid JSON",
                request: #"[{"jsonrpc":"2.0","method":"health.check","params":{},"id":"1"},{"jsonrpc":"2.0","method""#,
                expected: #"{"id":null,"error":{"code":-32700}}"#),
        Example(name: "an empty array",
                request: "[]",
                expected: #"{"id":null,"error":{"code":-32600}}"#),
        Example(name: "an invalid batch, not empty",
                request: "[1]",
                expected: #"[{"id":null,"error":{"code":-32600}}]"#),
        Example(name: "an invalid batch",
                request: "[1,2,3]",
                expected: #"[{"id":null,"error":{"code":-32600}},{"id":null,"error":{"code":-32600}},{"id":null,"error":{"code":-32600}}]"#),
        Example(name: "a mixed batch",
                request: """
                    [{"jsonrpc":"2.0","method":"health.check","params":{"service":""},"id":"1"},\
                    {"jsonrpc":"2.0","method":"health.check","params":{"service":"tally"}},\
                    {"jsonrpc":"2.0","method":"health.check","params":{"service":"tally"},"id":"2"},\
                    {"foo":"boo"},\
                    {"jsonrpc":"2.0","method":"foo.get","params":{"name":"myself"},"id":"5"},\
                    {"jsonrpc":"2.0","method":"rpc.discover","id":"9"}]
                    """,
                expected: """
                    [{"id":"1","result":{"status":"SERVING"}},{"id":"2","result":{"status":"SERVING"}},\
                    {"id":null,"error":{"code":-32600}},{"id":"5","error":{"code":-32601}},\
                    {"id":"9","result":{"openrpc":"1.3.2"}}]
                    """),
        Example(name: "a batch of notifications only gets nothing",
                request: #"[{"jsonrpc":"2.0","method":"health.check","params":{}},{"jsonrpc":"2.0","method":"foobar"}]"#,
                expected: nil),
        Example(name: "ids of every valid type are echoed as sent",
                request: #"[{"jsonrpc":"2.0","method":"health.check","id":null},{"jsonrpc":"2.0","method":"health.check","id":-7},{"jsonrpc":"2.0","method":"health.check","id":1.5},{"jsonrpc":"2.0","method":"health.check","id":"é-ü"}]"#,
                expected: #"[{"id":null,"result":{}},{"id":-7,"result":{}},{"id":1.5,"result":{}},{"id":"é-ü","result":{}}]"#),
        Example(name: "an id of a wrong type is an invalid request",
                request: #"{"jsonrpc":"2.0","method":"health.check","id":{"a":1}}"#,
                expected: #"{"id":null,"error":{"code":-32600}}"#),
    ]

    @Test("section 7 over TCP", arguments: examples)
    func overTCP(_ example: Example) async throws {
        try await withServer { server in
            let connection = try await server.rawTCP()
            try await connection.sendLine(example.request)
            // A sentinel after the example proves whether the example itself was answered.
            try await connection.sendLine(#"{"jsonrpc":"2.0","method":"health.check","id":"sentinel"}"#)
            let first = try await connection.readJSON()
            if let expected = example.expected {
                try expectAnswer(first, matches: expected)
                let sentinel = try await connection.readJSON()
                #expect(sentinel["id"] == "sentinel")
            } else {
                #expect(first["id"] == "sentinel", "a notification must not be answered")
            }
            await connection.close()
        }
    }

    @Test("section 7 over HTTP", arguments: examples)
    func overHTTP(_ example: Example) async throws {
        try await withServer { server in
            let reply = try await HTTPExchange.rpc(port: server.addresses.http.port, example.request)
            if let expected = example.expected {
                #expect(reply.status == 200)
                #expect(reply.header("content-type") == "application/json")
                try expectAnswer(try #require(reply.json), matches: expected)
            } else {
                #expect(reply.status == 204)
                #expect(reply.body.isEmpty)
            }
        }
    }

    /// Every response carries `"jsonrpc":"2.0"` and exactly one of result and error; the
    /// expected text lists the members to compare (objects compare as subsets).
    func expectAnswer(_ actual: JSONValue, matches expectedText: String) throws {
        let expected = try JSONCodec.parse(expectedText)
        switch (actual, expected) {
        case (.array(let responses), .array(let wanted)):
            #expect(responses.count == wanted.count, "batch answer \(actual.jsonText)")
            for (response, want) in zip(responses, wanted) { expectResponse(response, want) }
        default:
            expectResponse(actual, expected)
        }
    }

    func expectResponse(_ response: JSONValue, _ expected: JSONValue) {
        #expect(response["jsonrpc"] == "2.0", "\(response.jsonText)")
        #expect((response["result"] == nil) != (response["error"] == nil), "result xor error: \(response.jsonText)")
        #expect(isSubset(expected, of: response), "expected \(expected.jsonText) within \(response.jsonText)")
        if let error = response["error"] {
            #expect(error["message"]?.stringValue?.isEmpty == false)
            #expect(error["data"]?["status"]?.stringValue != nil)
            #expect(error["data"]?["retryable"]?.boolValue != nil)
        }
    }
}

/// Whether every member of `expected` is in `actual` (recursively for objects; arrays and
/// scalars compare exactly).
func isSubset(_ expected: JSONValue, of actual: JSONValue) -> Bool {
    switch (expected, actual) {
    case (.object(let wanted), .object(let have)):
        return wanted.allSatisfy { key, value in have[key].map { isSubset(value, of: $0) } ?? false }
    case (.array(let wanted), .array(let have)):
        return wanted.count == have.count && zip(wanted, have).allSatisfy { isSubset($0, of: $1) }
    default:
        return expected == actual
    }
}
