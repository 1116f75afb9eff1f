import Foundation
import TallyJSON

/// A minimal HTTP/1.1 client over ``RawConnection``, enough to test the HTTP listener byte for byte.
struct HTTPExchange {
    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var json: JSONValue? { try? JSONCodec.parse(body) }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    static func send(
        port: Int, method: String = "POST", path: String = "/rpc", body: String = "",
        headers: [(String, String)] = [("Content-Type", "application/json")]
    ) async throws -> Reply {
        let connection = try await RawConnection.connect(port: port)
        defer { Task { await connection.close() } }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        try await connection.send(request)
        return try await read(connection)
    }

    /// Reads one response (status line, headers, Content-Length body).
    static func read(_ connection: RawConnection) async throws -> Reply {
        let statusLine = try await connection.readLine()
        let status = Int(statusLine.split(separator: " ")[1])!
        var headers: [(String, String)] = []
        while true {
            let line = try await connection.readLine().trimmingCharacters(in: ["\r"])
            if line.isEmpty { break }
            let parts = line.split(separator: ":", maxSplits: 1)
            headers.append((String(parts[0]), parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""))
        }
        let length = Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0") ?? 0
        let body = length > 0 ? try await connection.readBytes(length) : []
        return Reply(status: status, headers: headers, body: body)
    }

    /// One JSON-RPC call over HTTP with an optional bearer token.
    static func rpc(port: Int, _ body: String, token: String? = nil) async throws -> Reply {
        var headers = [("Content-Type", "application/json")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return try await send(port: port, body: body, headers: headers)
    }
}
