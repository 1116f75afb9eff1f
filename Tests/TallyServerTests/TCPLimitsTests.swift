import Testing
import TallyJSON

/// Bad and hostile input on the TCP listener: each gets a clear answer, and the connection
/// (or at least the server) stays usable.
@Suite struct TCPLimitsTests {
    static let health = #"{"jsonrpc":"2.0","method":"health.check","id":"after"}"#

    /// Sends `garbage`, then a well-formed request, and returns the first answer; checks the second.
    func answerTo(_ garbage: [UInt8], on server: TestServer) async throws -> JSONValue {
        let connection = try await server.rawTCP()
        try await connection.send(garbage + [UInt8(ascii: "\n")])
        try await connection.sendLine(Self.health)
        let first = try await connection.readJSON()
        let after = try await connection.readJSON()
        #expect(after["id"] == "after", "the connection stays usable after \(first.jsonText)")
        #expect(after["result"]?["status"] == "SERVING")
        await connection.close()
        return first
    }

    func expectParseError(_ bytes: [UInt8], on server: TestServer, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let answer = try await answerTo(bytes, on: server)
        #expect(answer["error"]?["code"] == -32700, "\(answer.jsonText)", sourceLocation: sourceLocation)
    }

    @Test func malformedLineGetsParseErrorAndTheConnectionStaysUsable() async throws {
        try await withServer { server in
            let answer = try await answerTo(Array("{not json".utf8), on: server)
            #expect(answer["error"]?["code"] == -32700)
            #expect(answer["id"] == .null)
            #expect(answer["error"]?["message"]?.stringValue?.contains("line 1") == true)
        }
    }

    @Test func invalidUTF8IsRefused() async throws {
        try await withServer { server in
            let bytes = Array(#"{"jsonrpc":"2.0","method":"health.check","id":"#.utf8) + [0xC3, 0x28] + Array("}".utf8)
            try await expectParseError(bytes, on: server)
            let inString = Array(#"{"jsonrpc":"2.0","method":"health.check","params":{"service":""#.utf8) + [0xFF, 0xFE] + Array(#""},"id":1}"#.utf8)
            try await expectParseError(inString, on: server)
        }
    }

    @Test func nulBytesAreRefused() async throws {
        try await withServer { server in
            let raw = Array(#"{"jsonrpc":"2.0","method":"health"#.utf8) + [0] + Array(#".check","id":1}"#.utf8)
            try await expectParseError(raw, on: server)
            let escaped = Array(#"{"jsonrpc":"2.0","method":"health.check\u0000","id":1}"#.utf8)
            try await expectParseError(escaped, on: server)
        }
    }

    @Test func deepNestingIsRefused() async throws {
        try await withServer { server in
            let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            try await expectParseError(Array(deep.utf8), on: server)
            let params = #"{"jsonrpc":"2.0","method":"health.check","id":1,"params":{"service":"#
                + String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 100) + "}}"
            try await expectParseError(Array(params.utf8), on: server)
        }
    }

    @Test func hugeNumbersAreRefused() async throws {
        try await withServer { server in
            let bigInteger = #"{"jsonrpc":"2.0","method":"health.check","id":123456789012345678901234567890}"#
            try await expectParseError(Array(bigInteger.utf8), on: server)
            let bigReal = #"{"jsonrpc":"2.0","method":"health.check","id":1e999}"#
            try await expectParseError(Array(bigReal.utf8), on: server)
        }
    }

    @Test func oversizedFrameIsRefusedAndTheStreamResynchronises() async throws {
        try await withServer({ $0.maximumMessageBytes = 64 * 1024 }) { server in
            let connection = try await server.rawTCP()
            // 1 MiB without a newline, sent in pieces, then the rest of the line, then a good request.
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
            for _ in 0..<16 { try await connection.send(chunk) }
            try await connection.send("still the same line\n")
            try await connection.sendLine(Self.health)
            let refused = try await connection.readJSON()
            #expect(refused["error"]?["code"] == -32005)
            #expect(refused["error"]?["data"]?["status"] == "RESOURCE_EXHAUSTED")
            #expect(refused["error"]?["data"]?["limit"] == 65536)
            let after = try await connection.readJSON()
            #expect(after["id"] == "after")
            // An oversized line that arrives in one piece with its newline is refused the same way.
            try await connection.send(chunk + chunk + [UInt8(ascii: "\n")])
            try await connection.sendLine(Self.health)
            #expect(try await connection.readJSON()["error"]?["code"] == -32005)
            #expect(try await connection.readJSON()["id"] == "after")
            await connection.close()
        }
    }

    @Test func halfSentFrameIsDroppedAfterTheReadTimeout() async throws {
        try await withServer({ $0.readTimeout = .seconds(1) }) { server in
            let connection = try await server.rawTCP()
            try await connection.send(#"{"jsonrpc":"2.0","method":"health.ch"#)
            let answer = try await connection.readJSON(timeout: .seconds(10))
            #expect(answer["error"]?["code"] == -32600)
            #expect(answer["error"]?["message"]?.stringValue?.contains("read timeout") == true)
            #expect(await connection.isClosed(within: .seconds(5)))
            // The server itself is unaffected.
            let fresh = try await server.rawTCP()
            try await fresh.sendLine(Self.health)
            #expect(try await fresh.readJSON()["id"] == "after")
            await fresh.close()
        }
    }

    @Test func idleConnectionWithoutPartialDataIsKept() async throws {
        try await withServer({ $0.readTimeout = .seconds(1) }) { server in
            let connection = try await server.rawTCP()
            try await Task.sleep(for: .milliseconds(2500))
            try await connection.sendLine(Self.health)
            #expect(try await connection.readJSON()["id"] == "after")
            await connection.close()
        }
    }

    @Test func pipelinedRequestsAreAllAnswered() async throws {
        try await withServer({ $0.maximumInFlightPerConnection = 4 }) { server in
            let connection = try await server.rawTCP()
            let count = 5_000
            var text = ""
            for id in 0..<count { text += #"{"jsonrpc":"2.0","method":"health.check","id":\#(id)}"# + "\n" }
            // Everything in one go, before reading a single answer: the server applies
            // back-pressure (stops reading) instead of queueing unboundedly.
            try await connection.send(text)
            var seen = Set<Int64>()
            for _ in 0..<count {
                let answer = try await connection.readJSON()
                #expect(answer["result"]?["status"] == "SERVING")
                seen.insert(answer["id"]?.int64Value ?? -1)
            }
            #expect(seen == Set((0..<count).map(Int64.init)))
            await connection.close()
        }
    }

    @Test func batchOverTheLimitIsRefusedWhole() async throws {
        try await withServer({ $0.maximumBatchSize = 10 }) { server in
            let calls = (0..<11).map { #"{"jsonrpc":"2.0","method":"health.check","id":\#($0)}"# }.joined(separator: ",")
            let answer = try await answerTo(Array("[\(calls)]".utf8), on: server)
            #expect(answer["error"]?["code"] == -32600)
            #expect(answer["error"]?["message"]?.stringValue?.contains("limit of 10") == true)
        }
    }

    @Test func clientHalfCloseStillGetsAnswers() async throws {
        try await withServer { server in
            let connection = try await server.rawTCP()
            try await connection.sendLine(Self.health)
            try await connection.finishSending()
            let bytes = try await connection.readUntilClosed()
            let answer = try JSONCodec.parse(bytes.dropLast())
            #expect(answer["id"] == "after")
        }
    }

    @Test func unknownParamsAreNamed() async throws {
        try await withServer { server in
            let answer = try await answerTo(Array(#"{"jsonrpc":"2.0","method":"health.check","params":{"servce":""},"id":1}"#.utf8), on: server)
            #expect(answer["error"]?["code"] == -32602)
            #expect(answer["error"]?["data"]?["field"] == "servce")
            let mistyped = try await answerTo(Array(#"{"jsonrpc":"2.0","method":"health.check","params":{"service":5},"id":1}"#.utf8), on: server)
            #expect(mistyped["error"]?["code"] == -32602)
            #expect(mistyped["error"]?["message"]?.stringValue?.contains("expected a string") == true)
            let missing = try await answerTo(Array(#"{"jsonrpc":"2.0","method":"session.hello","params":{},"id":1}"#.utf8), on: server)
            #expect(missing["error"]?["data"]?["field"] == "token")
        }
    }
}
