import NIOHTTP1
import TallyJSON
import TallyRPC

/// Maps an HTTP request to a response: `POST /rpc` (and its CORS preflight), `GET /healthz`,
/// `GET /metrics`, and the dashboard (`GET /`, `GET /dashboard/<file>`).
struct HTTPRouter: Sendable {
    let dispatcher: Dispatcher
    let server: ServerContext
    var dashboard: DashboardAssets = .bundled

    func respond(to head: HTTPRequestHead, body: [UInt8]) async -> HTTPResponse {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        switch path {
        case "/rpc":
            if head.method == .OPTIONS { return preflight(head) }
            guard head.method == .POST else { return methodNotAllowed("POST") }
            var allowOrigin: String?
            if let origin = head.headers.first(name: "origin") {
                switch verdict(origin: origin, head: head) {
                case .sameOrigin: break
                case .allowed(let origin): allowOrigin = origin
                case .refused: return refuseOrigin(origin)
                }
            }
            var response = await rpc(head: head, body: body)
            if let allowOrigin { Self.addCORS(&response.headers, origin: allowOrigin) }
            return response
        case "/healthz":
            guard head.method == .GET || head.method == .HEAD else { return methodNotAllowed("GET, HEAD") }
            let serving = server.isServing
            return .json(serving ? .ok : .serviceUnavailable, Array("{\"status\":\"\(serving ? "SERVING" : "NOT_SERVING")\"}".utf8))
        case "/metrics":
            guard head.method == .GET else { return methodNotAllowed("GET") }
            return HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: server.metrics.render())
        default:
            if let asset = dashboard.response(for: path) {
                guard head.method == .GET else { return methodNotAllowed("GET") }
                return asset
            }
            return .problem(.notFound, "no such path '\(path)'; JSON-RPC is served at POST /rpc, the dashboard at GET /")
        }
    }

    /// Whether a browser page of `origin` may call `/rpc`.
    enum OriginVerdict: Equatable {
        /// The listener's own origin (the dashboard): no CORS headers needed.
        case sameOrigin
        /// A configured `--allow-origin`: answered with CORS headers for it.
        case allowed(String)
        case refused
    }

    /// Same-origin means the `Origin` header names the host the request was sent to (its `Host`
    /// header), over http or https (a TLS proxy in front); otherwise the origin must be configured.
    func verdict(origin: String, head: HTTPRequestHead) -> OriginVerdict {
        guard let origin = ServerConfiguration.normalizedOrigin(origin) else { return .refused }
        if let host = head.headers.first(name: "host"), !host.isEmpty,
            [ServerConfiguration.normalizedOrigin("http://" + host), ServerConfiguration.normalizedOrigin("https://" + host)].contains(origin) {
            return .sameOrigin
        }
        return server.configuration.allowedOrigins.contains(origin) ? .allowed(origin) : .refused
    }

    /// `OPTIONS /rpc`: a CORS preflight, answered for configured origins only.
    private func preflight(_ head: HTTPRequestHead) -> HTTPResponse {
        guard let origin = head.headers.first(name: "origin") else {
            return .problem(.methodNotAllowed, "OPTIONS /rpc is a CORS preflight and needs an Origin header; use POST", headers: ["allow": "POST, OPTIONS"])
        }
        guard case .allowed(let allowed) = verdict(origin: origin, head: head) else { return refuseOrigin(origin) }
        var response = HTTPResponse(status: .noContent)
        Self.addCORS(&response.headers, origin: allowed)
        response.headers.replaceOrAdd(name: "access-control-allow-methods", value: "POST")
        response.headers.replaceOrAdd(name: "access-control-allow-headers", value: "authorization, content-type")
        response.headers.replaceOrAdd(name: "access-control-max-age", value: "600")
        return response
    }

    private func refuseOrigin(_ origin: String) -> HTTPResponse {
        var response = HTTPResponse.problem(
            .forbidden,
            "cross-origin request refused: origin '\(origin.prefix(200))' is not this server's; start tally serve with --allow-origin ORIGIN to allow it")
        response.headers.replaceOrAdd(name: "vary", value: "Origin")
        return response
    }

    private static func addCORS(_ headers: inout HTTPHeaders, origin: String) {
        headers.replaceOrAdd(name: "access-control-allow-origin", value: origin)
        headers.replaceOrAdd(name: "vary", value: "Origin")
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
