import Foundation
import TallyRules

/// A host and port to listen on, parsed from `HOST:PORT` (`127.0.0.1:7411`, `[::1]:7411`).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; `nil` when the text is not of that form or the port is out of range.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Everything `tally serve` can be told. The defaults are the documented ones.
public struct ServerConfiguration: Sendable {
    /// Where the SQLite files live.
    public var dataDirectory: String = "./data"
    /// Where the agencies' rule folders live.
    public var rulesDirectory: String = "./rules"
    /// JSON-RPC over TCP, newline-delimited.
    public var rpcAddress = ListenAddress(host: "127.0.0.1", port: 7411)
    /// JSON-RPC over HTTP (`POST /rpc`), `GET /healthz`, `GET /metrics`.
    public var httpAddress = ListenAddress(host: "127.0.0.1", port: 7412)
    /// The longest accepted message: one TCP line or one HTTP body.
    public var maximumMessageBytes: Int = 4 * 1024 * 1024
    /// The most calls in one JSON-RPC batch.
    public var maximumBatchSize: Int = 1_000
    /// Requests one TCP connection may have in flight before the server stops reading from it.
    public var maximumInFlightPerConnection: Int = 32
    /// How long a TCP connection may sit in the middle of a line before the partial line is dropped.
    public var readTimeout: Duration = .seconds(30)
    /// How long a graceful shutdown waits for in-flight requests before closing anyway.
    public var shutdownGracePeriod: Duration = .seconds(10)
    /// Limits on each Lua rule call (deadline, memory per agency).
    public var ruleLimits: RuleLimits = .default
    /// On a first start (empty data folder), create agency `demo` and print an admin token.
    public var bootstrapDemoAgency: Bool = true
    /// Origins (`scheme://host[:port]`, normalised by ``normalizedOrigin(_:)``) whose browser pages
    /// may call `POST /rpc` across origins (CORS). Empty: only the listener's own origin, the
    /// dashboard's, may; a request carrying any other `Origin` header is refused.
    public var allowedOrigins: [String] = []

    public init() {}

    /// An origin as browsers send it in the `Origin` header: lowercase `scheme://host[:port]`,
    /// no path, no trailing slash, the port left out when it is the scheme's default.
    /// `nil` when `text` is not an http or https origin (a path, a query, user info, no host).
    public static func normalizedOrigin(_ text: String) -> String? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces).lowercased())
        let scheme: String
        if rest.hasPrefix("http://") { scheme = "http"; rest = rest.dropFirst(7) }
        else if rest.hasPrefix("https://") { scheme = "https"; rest = rest.dropFirst(8) }
        else { return nil }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains(where: { "/?#@ \\".contains($0) }) else { return nil }
        var authority = String(rest)
        let defaultPort = scheme == "http" ? ":80" : ":443"
        if authority.hasSuffix(defaultPort) { authority = String(authority.dropLast(defaultPort.count)) }
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard Int(authority[authority.index(after: colon)...]).map({ (1...65535).contains($0) }) == true else { return nil }
        }
        guard !authority.hasPrefix(":") else { return nil }
        return "\(scheme)://\(authority)"
    }
}
