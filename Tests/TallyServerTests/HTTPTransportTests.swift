import Testing
import TallyJSON

/// The HTTP listener: `POST /rpc`, `GET /healthz`, `GET /metrics`, and its refusals.
@Suite struct HTTPTransportTests {
    @Test func healthzAndMetrics() async throws {
        try await withServer { server in
            let port = server.addresses.http.port
            let health = try await HTTPExchange.send(port: port, method: "GET", path: "/healthz", headers: [])
            #expect(health.status == 200)
            #expect(health.json?["status"] == "SERVING")

            _ = try await HTTPExchange.rpc(port: port, #"{"jsonrpc":"2.0","method":"health.check","id":1}"#)
            _ = try await HTTPExchange.rpc(port: port, #"{"jsonrpc":"2.0","method":"nope","id":1}"#)
            let metrics = try await HTTPExchange.send(port: port, method: "GET", path: "/metrics", headers: [])
            #expect(metrics.status == 200)
            #expect(metrics.header("content-type")?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains(#"tally_rpc_requests_total{method="health.check",outcome="OK"} 1"#))
            #expect(metrics.text.contains(#"tally_rpc_requests_total{method="unknown",outcome="UNIMPLEMENTED"} 1"#))
            #expect(metrics.text.contains("tally_rpc_request_duration_seconds_bucket"))
            #expect(metrics.text.contains("tally_open_connections"))
        }
    }

    @Test func refusals() async throws {
        try await withServer({ $0.maximumMessageBytes = 4096 }) { server in
            let port = server.addresses.http.port
            let notFound = try await HTTPExchange.send(port: port, method: "GET", path: "/nope", headers: [])
            #expect(notFound.status == 404)
            let wrongMethod = try await HTTPExchange.send(port: port, method: "GET", path: "/rpc", headers: [])
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.header("allow") == "POST")
            let wrongType = try await HTTPExchange.send(port: port, body: "x", headers: [("Content-Type", "multipart/form-data; boundary=x")])
            #expect(wrongType.status == 415)
            let tooLarge = try await HTTPExchange.send(port: port, body: String(repeating: " ", count: 5000))
            #expect(tooLarge.status == 413)
            // curl -d sends form-urlencoded; the body is still read as JSON.
            let curlStyle = try await HTTPExchange.send(port: port, body: #"{"jsonrpc":"2.0","method":"health.check","id":1}"#,
                                                        headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(curlStyle.json?["result"]?["status"] == "SERVING")
            let empty = try await HTTPExchange.send(port: port, body: "")
            #expect(empty.json?["error"]?["code"] == -32700)
        }
    }

    @Test func keepAliveServesSeveralRequestsInOrder() async throws {
        try await withServer { server in
            let connection = try await RawConnection.connect(port: server.addresses.http.port)
            var text = ""
            for id in 1...3 {
                let body = #"{"jsonrpc":"2.0","method":"health.check","id":\#(id)}"#
                text += "POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            }
            try await connection.send(text)
            for id in 1...3 {
                let reply = try await HTTPExchange.read(connection)
                #expect(reply.json?["id"] == .integer(Int64(id)))
            }
            await connection.close()
        }
    }
}
