import Testing
import TallyJSON

/// Random and mutated frames thrown at the TCP listener for a bounded number of rounds; the
/// server must stay up and keep answering a well-formed request afterwards.
@Suite struct FuzzTests {
    static let seeds: [String] = [
        #"{"jsonrpc":"2.0","method":"health.check","id":1}"#,
        #"{"jsonrpc":"2.0","method":"session.hello","params":{"token":"tly_x"},"id":"a"}"#,
        #"[{"jsonrpc":"2.0","method":"health.check","id":1},{"jsonrpc":"2.0","method":"rpc.discover"}]"#,
        #"{"jsonrpc":"2.0","method":"tokens.list","params":{"a":[1,2,{"b":null}]},"id":null}"#,
    ]

    @Test func randomAndMutatedFramesDoNotHurtTheServer() async throws {
        try await withServer({ $0.maximumMessageBytes = 16 * 1024; $0.readTimeout = .seconds(2) }) { server in
            var generator = SplitMix64(seed: 0x7A11_7A11)
            var sent = 0
            for round in 0..<40 {
                let connection = try await server.rawTCP()
                var payload: [UInt8] = []
                for _ in 0..<50 {
                    payload += Self.frame(round: round, generator: &generator) + [UInt8(ascii: "\n")]
                    sent += 1
                }
                try await connection.send(payload)
                // Read whatever comes back for a moment; the content is not the point, survival is.
                _ = try? await connection.readLine(timeout: .milliseconds(200))
                await connection.close()
            }
            #expect(sent == 2_000)
            let connection = try await server.rawTCP()
            try await connection.sendLine(#"{"jsonrpc":"2.0","method":"health.check","id":"alive"}"#)
            let answer = try await connection.readJSON()
            #expect(answer["id"] == "alive")
            #expect(answer["result"]?["status"] == "SERVING")
            await connection.close()
        }
    }

    static func frame(round: Int, generator: inout SplitMix64) -> [UInt8] {
        var bytes = Array(seeds[Int(generator.next() % UInt64(seeds.count))].utf8)
        switch generator.next() % 6 {
        case 0:  // random bytes, newlines removed so the frame stays one line
            bytes = (0..<Int(generator.next() % 512)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        case 1:  // flip bytes
            for _ in 0..<Int(generator.next() % 8 + 1) where !bytes.isEmpty {
                bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
        case 2:  // truncate
            bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
        case 3:  // duplicate a slice
            let start = Int(generator.next() % UInt64(bytes.count))
            bytes.insert(contentsOf: bytes[start...], at: start)
        case 4:  // deep nesting or long strings
            bytes = Array((String(repeating: "[", count: Int(generator.next() % 3000)) + "\"" + String(repeating: "z", count: Int(generator.next() % 20000))).utf8)
        default:
            break
        }
        return bytes.map { $0 == UInt8(ascii: "\n") ? UInt8(ascii: " ") : $0 }
    }
}

/// A small deterministic generator, so a failing round can be replayed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
