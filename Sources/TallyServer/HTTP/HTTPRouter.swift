import NIOHTTP1
import TallyJSON
import TallyRPC

/// Maps an HTTP request to a response: `POST /rpc`, `GET /healthz`, `GET /metrics`.
struct HTTPRouter: Sendable {
    let dispatcher: Dispatcher
    let server: ServerContext

    func respond(to head: HTTPRequestHead, body: [UInt8]) async -> HTTPResponse {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        switch path {
        case "/rpc":
            guard head.method == .POST else { return methodNotAllowed("POST") }
            return await rpc(head: head, body: body)
        case "/healthz":
            guard head.method == .GET || head.method == .HEAD else { return methodNotAllowed("GET, HEAD") }
            let serving = server.isServing
            return .json(serving ? .ok : .serviceUnavailable, Array("{\"status\":\"\(serving ? "SERVING" : "NOT_SERVING")\"}".utf8))
        case "/metrics":
            guard head.method == .GET else { return methodNotAllowed("GET") }
            return HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: server.metrics.render())
        default:
            return .problem(.notFound, "no such path '\(path)'; JSON-RPC is served at POST /rpc")
        }
    }

    private func rpc(head: HTTPRequestHead, body: [UInt8]) async -> HTTPResponse {
        // Any body type that can carry JSON text is read as JSON (curl -d sends form-urlencoded);
        // cross-site form posts cannot carry the Authorization header, so this opens no CSRF hole.
        if let contentType = head.headers.first(name: "content-type")?.lowercased(), contentType.hasPrefix("multipart/") {
            return .problem(.unsupportedMediaType, "send the JSON-RPC message as the body, with 'Content-Type: application/json'")
        }
        let authentication = await server.authenticator.authenticate(authorizationHeader: head.headers.first(name: "authorization"))
        let session = Session(authentication: authentication)
        guard let reply = await dispatcher.handle(text: body, session: session, transport: .http) else {
            // Only notifications: nothing to answer.
            return HTTPResponse(status: .noContent)
        }
        return .json(.ok, reply)
    }

    private func methodNotAllowed(_ allowed: String) -> HTTPResponse {
        .problem(.methodNotAllowed, "method not allowed here; use \(allowed)", headers: ["allow": allowed])
    }
}
