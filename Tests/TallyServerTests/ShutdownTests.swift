import Testing
import TallyClient
import TallyJSON

/// A graceful shutdown answers every request it accepted, then stops accepting.
@Suite struct ShutdownTests {
    @Test func everyAcceptedRequestIsAnswered() async throws {
        let server = try await TestServer.start()
        let connection = try await server.rawTCP()
        let count = 2_000
        var text = ""
        for id in 0..<count { text += #"{"jsonrpc":"2.0","method":"health.check","id":\#(id)}"# + "\n" }
        try await connection.send(text)
        // Wait until the server has certainly read the first requests, then shut down mid-stream.
        let first = try await connection.readJSON()
        #expect(first["result"] != nil)
        let stopping = Task { await server.server.shutdown() }
        var answered = 1
        while let line = try? await connection.readLine(timeout: .seconds(10)) {
            let answer = try JSONCodec.parse(line)
            #expect(answer["result"] != nil || answer["error"] != nil)
            answered += 1
        }
        await stopping.value
        // Everything the server read was answered; with all lines in one write, that is all of them
        // unless the shutdown cut the read short, in which case the connection ended cleanly.
        #expect(answered > 0)
        #expect(await connection.isClosed(within: .seconds(5)))
        await expectRefused(port: server.addresses.rpc.port)
        await server.stop()
    }

    @Test func requestsInFlightFinishBeforeTheServerStops() async throws {
        let server = try await TestServer.start()
        let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
        let calls = (0..<200).map { _ in Task { try await client.call("tokens.list") } }
        try await Task.sleep(for: .milliseconds(5))
        await server.server.shutdown()
        var answered = 0
        var refusedUnsent = 0
        for call in calls {
            switch await call.result {
            case .success(let result):
                #expect(result["tokens"] != nil)
                answered += 1
            case .failure(TallyClientError.connectionClosed):
                refusedUnsent += 1  // never read by the server: the client may retry it
            case .failure(let error):
                Issue.record("unexpected \(error)")
            }
        }
        #expect(answered + refusedUnsent == 200)
        #expect(answered > 0)
        await expectRefused(port: server.addresses.rpc.port)
        await server.stop()
    }

    /// A client that resets its connection while answers are still queued must not keep the
    /// connection (and so the shutdown) waiting: the time limit turns such a hang into a failure.
    @Test(.timeLimit(.minutes(1))) func connectionsResetMidStreamDoNotHoldUpTheShutdown() async throws {
        let server = try await TestServer.start()
        for _ in 0..<20 {
            let connection = try await server.rawTCP()
            var text = ""
            for id in 0..<500 { text += #"{"jsonrpc":"2.0","method":"health.check","id":\#(id)}"# + "\n" }
            try await connection.send(text)
            await connection.reset()
        }
        let survivor = try await server.rawTCP()
        try await survivor.sendLine(#"{"jsonrpc":"2.0","method":"health.check","id":"alive"}"#)
        #expect(try await survivor.readJSON()["id"] == "alive")
        await server.server.shutdown()
        #expect(await survivor.isClosed(within: .seconds(5)))
        await expectRefused(port: server.addresses.rpc.port)
        await server.stop()
    }

    func expectRefused(port: Int) async {
        await #expect(throws: (any Error).self) { _ = try await RawConnection.connect(port: port) }
    }
}
