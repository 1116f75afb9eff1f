import Testing
import TallyClient
import TallyJSON

/// Tokens, roles and tenant isolation over both transports.
@Suite struct AuthTests {
    @Test func methodsNeedATokenOverTCP() async throws {
        try await withServer { server in
            let connection = try await server.rawTCP()
            try await connection.sendLine(#"{"jsonrpc":"2.0","method":"tokens.list","id":1}"#)
            let answer = try await connection.readJSON()
            #expect(answer["error"]?["code"] == -32001)
            #expect(answer["error"]?["data"]?["status"] == "UNAUTHENTICATED")
            #expect(answer["error"]?["data"]?["retryable"] == false)
            #expect(answer["error"]?["message"]?.stringValue?.contains("session.hello") == true)
        }
    }

    @Test func helloBindsTheConnectionAndPipelinedCallsWaitForIt() async throws {
        try await withServer { server in
            let connection = try await server.rawTCP()
            // Hello and a call in one write: the call must run after the hello bound the session.
            try await connection.send(
                #"{"jsonrpc":"2.0","method":"session.hello","params":{"token":"\#(server.adminToken)"},"id":1}"#
                    + "\n" + #"{"jsonrpc":"2.0","method":"tokens.list","id":2}"# + "\n")
            let hello = try await connection.readJSON()
            #expect(hello["result"]?["agency"] == "demo")
            #expect(hello["result"]?["role"] == "admin")
            #expect(hello["result"]?["server_version"]?.stringValue?.isEmpty == false)
            let list = try await connection.readJSON()
            #expect(list["id"] == 2)
            #expect(list["result"]?["tokens"]?.arrayValue?.count == 1)
            // The secret never appears in listings.
            #expect(!list.jsonText.contains(server.adminToken))
        }
    }

    @Test func wrongAndRevokedTokensAreRefused() async throws {
        try await withServer { server in
            let connection = try await server.rawTCP()
            try await connection.sendLine(#"{"jsonrpc":"2.0","method":"session.hello","params":{"token":"tly_not-a-real-token"},"id":1}"#)
            let wrong = try await connection.readJSON()
            #expect(wrong["error"]?["data"]?["status"] == "UNAUTHENTICATED")
            #expect(wrong.jsonText.contains("tly_not-a-real-token") == false, "errors never echo a token")

            let token = try server.token(agency: "demo", role: .admin)
            let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: token)
            _ = try await client.call("tokens.list")
            try server.revoke(token)
            await #expect(throws: TallyClientError.self) {
                _ = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: token)
            }
            // Over HTTP a revoked token stops working on the next request.
            let reply = try await HTTPExchange.rpc(port: server.addresses.http.port, #"{"jsonrpc":"2.0","method":"tokens.list","id":1}"#, token: token)
            #expect(reply.json?["error"]?["data"]?["status"] == "UNAUTHENTICATED")
            #expect(reply.json?["error"]?["message"]?.stringValue?.contains("revoked") == true)
            await client.close()
        }
    }

    @Test func rolesWithoutTheRightArePermissionDenied() async throws {
        try await withServer { server in
            for role in [Role.read, Role.ingest] {
                let token = try server.token(agency: "demo", role: role)
                let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: token)
                do {
                    _ = try await client.call("tokens.list")
                    Issue.record("a \(role) token listed tokens")
                } catch TallyClientError.rpc(let code, let message, let status, _, _) {
                    #expect(code == -32003)
                    #expect(status == "PERMISSION_DENIED")
                    #expect(message.contains("admin"))
                }
                await client.close()
            }
        }
    }

    @Test func httpBearerTokens() async throws {
        try await withServer { server in
            let port = server.addresses.http.port
            let none = try await HTTPExchange.rpc(port: port, #"{"jsonrpc":"2.0","method":"tokens.list","id":1}"#)
            #expect(none.json?["error"]?["code"] == -32001)
            let good = try await HTTPExchange.rpc(port: port, #"{"jsonrpc":"2.0","method":"tokens.list","id":1}"#, token: server.adminToken)
            #expect(good.json?["result"]?["tokens"]?.arrayValue?.count == 1)
            let malformed = try await HTTPExchange.send(port: port, body: #"{"jsonrpc":"2.0","method":"tokens.list","id":1}"#,
                                                        headers: [("Content-Type", "application/json"), ("Authorization", "Basic abc")])
            #expect(malformed.json?["error"]?["message"]?.stringValue?.contains("Bearer") == true)
            // Public methods work with a bad token too.
            let health = try await HTTPExchange.rpc(port: port, #"{"jsonrpc":"2.0","method":"health.check","id":1}"#, token: "tly_wrong")
            #expect(health.json?["result"]?["status"] == "SERVING")
        }
    }

    @Test func noRequestReachesAnotherAgency() async throws {
        try await withServer { server in
            let acme = try server.token(agency: "acme", role: .admin)
            let globex = try server.token(agency: "globex", role: .admin)
            let acmeClient = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: acme)
            let globexClient = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: globex)
            let acmeTokens = try await acmeClient.call("tokens.list")["tokens"]?.arrayValue ?? []
            let globexTokens = try await globexClient.call("tokens.list")["tokens"]?.arrayValue ?? []
            #expect(acmeTokens.allSatisfy { $0["agency"] == "acme" })
            #expect(globexTokens.allSatisfy { $0["agency"] == "globex" })
            // Revoking another agency's token by id is NOT_FOUND, and the token keeps working.
            let globexTokenID = try #require(globexTokens.first?["id"]?.stringValue)
            await #expect(throws: TallyClientError.self) { _ = try await acmeClient.call("tokens.revoke", ["id": .string(globexTokenID)]) }
            _ = try await globexClient.call("tokens.list")
            // Params cannot name another agency: there is no such param.
            await #expect(throws: TallyClientError.self) { _ = try await acmeClient.call("tokens.list", ["agency": "globex"]) }
            await acmeClient.close()
            await globexClient.close()
        }
    }
}

import TallyCore
