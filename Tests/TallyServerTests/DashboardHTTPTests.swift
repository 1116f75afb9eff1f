import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing
import TallyJSON
import TallyServer
import TallyReports
import Crypto

/// The HTTP side of the dashboard: its files and headers, and who may call `/rpc` from a browser.
@Suite struct DashboardHTTPTests {
    /// The report's one inline stylesheet is allowed by its hash (a report opened from the page inherits the policy).
    static let reportStyleHash = "sha256-" + Data(SHA256.hash(data: Array(ReportDocument.styleElementText.utf8))).base64EncodedString()
    static let policy = "default-src 'self'; script-src 'self'; style-src 'self' '\(reportStyleHash)'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    @Test func theReportsStylesheetIsExactlyTheOneThePolicyAllows() {
        let report = ReportDocument(title: "t", subtitle: "s", sections: []).html
        let styles = report.components(separatedBy: "<style>").dropFirst()
        #expect(styles.count == 1)
        #expect(styles.first?.components(separatedBy: "</style>").first == ReportDocument.styleElementText)
        #expect(!report.contains("style=\""), "no style attributes: the hash covers the element only")
    }
    static let health = #"{"jsonrpc":"2.0","method":"health.check","id":1}"#

    @Test func rootServesThePageWithAStrictPolicy() async throws {
        try await withServer { server in
            let page = try await HTTPExchange.send(port: server.addresses.http.port, method: "GET", path: "/", headers: [])
            #expect(page.status == 200)
            #expect(page.header("content-type") == "text/html; charset=utf-8")
            #expect(page.header("content-security-policy") == Self.policy)
            #expect(page.header("x-content-type-options") == "nosniff")
            #expect(page.header("referrer-policy") == "no-referrer")
            #expect(page.header("x-frame-options") == "DENY")
            let html = page.text
            #expect(html.hasPrefix("<!doctype html>"))
            #expect(html.contains(#"<script src="/dashboard/dashboard.js" defer></script>"#))
            #expect(html.contains(#"<link rel="stylesheet" href="/dashboard/dashboard.css">"#))
            // The policy forbids inline script and style: the page must not need any.
            let scripts = html.components(separatedBy: "<script").dropFirst()
            #expect(scripts.count == 1 && scripts.allSatisfy { $0.hasPrefix(" src=") })
            #expect(!html.contains("style=") && !html.contains("<style"))
            #expect(html.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil, "no inline event handlers")
            #expect(!html.contains("http://") && !html.contains("https://"), "nothing is fetched from elsewhere")
            #expect(html.contains(#"aria-live="polite""#))
        }
    }

    @Test func assetsHaveTheirTypesAndUnknownOnes404() async throws {
        try await withServer { server in
            let port = server.addresses.http.port
            let script = try await HTTPExchange.send(port: port, method: "GET", path: "/dashboard/dashboard.js", headers: [])
            #expect(script.status == 200)
            #expect(script.header("content-type") == "text/javascript; charset=utf-8")
            #expect(script.header("x-content-type-options") == "nosniff")
            #expect(script.text.contains("sessionStorage"))
            #expect(!script.text.contains("localStorage"), "the token is kept for the session only")
            let style = try await HTTPExchange.send(port: port, method: "GET", path: "/dashboard/dashboard.css", headers: [])
            #expect(style.status == 200)
            #expect(style.header("content-type") == "text/css; charset=utf-8")
            #expect(style.header("content-security-policy") == Self.policy)

            for path in ["/dashboard/nope.js", "/dashboard/../Package.swift", "/dashboard/", "/dashboard/openrpc.json"] {
                let missing = try await HTTPExchange.send(port: port, method: "GET", path: path, headers: [])
                #expect(missing.status == 404, "\(path)")
                #expect(missing.header("x-content-type-options") == "nosniff")
            }
            let posted = try await HTTPExchange.send(port: port, method: "POST", path: "/", body: "x")
            #expect(posted.status == 405)
            #expect(posted.header("allow") == "GET")
        }
    }

    @Test func crossOriginCallsAreRefused() async throws {
        try await withServer { server in
            let port = server.addresses.http.port
            let evil = try await HTTPExchange.send(port: port, body: Self.health,
                                                   headers: [("Content-Type", "application/json"), ("Origin", "https://evil.example")])
            #expect(evil.status == 403)
            #expect(evil.header("access-control-allow-origin") == nil)
            #expect(evil.json?["error"]?.stringValue?.contains("cross-origin request refused") == true)
            #expect(evil.json?["error"]?.stringValue?.contains("--allow-origin") == true)
            for origin in ["null", "http://localhost.evil.example", "http://localhost:1"] {
                let refused = try await HTTPExchange.send(port: port, body: Self.health,
                                                          headers: [("Content-Type", "application/json"), ("Origin", origin)])
                #expect(refused.status == 403, "\(origin)")
            }
            // The dashboard's own origin (the Host the request was sent to) may call.
            let own = try await HTTPExchange.send(port: port, body: Self.health,
                                                  headers: [("Content-Type", "application/json"), ("Origin", "http://localhost")])
            #expect(own.status == 200)
            #expect(own.json?["result"]?["status"] == "SERVING")
            #expect(own.header("access-control-allow-origin") == nil)
            // No Origin (curl, the clients): as before.
            let plain = try await HTTPExchange.rpc(port: port, Self.health)
            #expect(plain.status == 200)
            // A preflight from an origin not configured is refused.
            let preflight = try await HTTPExchange.send(port: port, method: "OPTIONS", headers: [
                ("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")])
            #expect(preflight.status == 403)
            #expect(preflight.header("access-control-allow-origin") == nil)
            let bare = try await HTTPExchange.send(port: port, method: "OPTIONS", headers: [])
            #expect(bare.status == 405)
        }
    }

    @Test func allowedOriginsGetCORS() async throws {
        try await withServer({ $0.allowedOrigins = ["https://ops.example.com", "http://localhost:3000"] }) { server in
            let port = server.addresses.http.port
            let preflight = try await HTTPExchange.send(port: port, method: "OPTIONS", headers: [
                ("Origin", "https://ops.example.com"), ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "authorization, content-type")])
            #expect(preflight.status == 204)
            #expect(preflight.header("access-control-allow-origin") == "https://ops.example.com")
            #expect(preflight.header("access-control-allow-methods") == "POST")
            #expect(preflight.header("access-control-allow-headers") == "authorization, content-type")
            #expect(preflight.header("vary") == "Origin")

            let call = try await HTTPExchange.send(port: port, body: Self.health,
                                                   headers: [("Content-Type", "application/json"), ("Origin", "http://localhost:3000")])
            #expect(call.status == 200)
            #expect(call.header("access-control-allow-origin") == "http://localhost:3000")
            #expect(call.json?["result"]?["status"] == "SERVING")

            let other = try await HTTPExchange.send(port: port, body: Self.health,
                                                    headers: [("Content-Type", "application/json"), ("Origin", "http://localhost:3001")])
            #expect(other.status == 403)
        }
    }

    @Test func originsAreNormalised() {
        #expect(ServerConfiguration.normalizedOrigin("https://Ops.Example.com/") == "https://ops.example.com")
        #expect(ServerConfiguration.normalizedOrigin("http://localhost:80") == "http://localhost")
        #expect(ServerConfiguration.normalizedOrigin("https://x.example:443") == "https://x.example")
        #expect(ServerConfiguration.normalizedOrigin("http://127.0.0.1:7412") == "http://127.0.0.1:7412")
        #expect(ServerConfiguration.normalizedOrigin("http://[::1]:7412") == "http://[::1]:7412")
        for bad in ["ops.example.com", "ftp://x", "https://x.example/path", "https://u@x.example", "http://x:0", "http://x:port", "null", "https://"] {
            #expect(ServerConfiguration.normalizedOrigin(bad) == nil, "\(bad)")
        }
    }

    /// Every log line of a server at trace level, while it sees good and bad tokens on both transports.
    @Test func tokensNeverReachTheLog() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let token = try FirstStart.prepare(dataDirectory: folder)!.secret
        let sink = LogSink()
        var configuration = ServerConfiguration()
        configuration.dataDirectory = folder
        configuration.rulesDirectory = TestServer.shippedRules
        configuration.rpcAddress = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.httpAddress = ListenAddress(host: "127.0.0.1", port: 0)
        var logger = Logger(label: "tally-log-test") { _ in CapturingLogHandler(sink: sink) }
        logger.logLevel = .trace
        let server = try TallyServer(configuration: configuration, logger: logger)
        let addresses = try await server.start()
        let bogus = "tly_" + String(repeating: "Q", count: 43)
        let port = addresses.http.port
        _ = try await HTTPExchange.rpc(port: port, #"{"jsonrpc":"2.0","method":"spend.query","params":{"group_by":["client"]},"id":1}"#, token: token)
        _ = try await HTTPExchange.rpc(port: port, #"{"jsonrpc":"2.0","method":"spend.query","id":2}"#, token: bogus)
        _ = try await HTTPExchange.rpc(port: port, #"{"jsonrpc":"2.0","method":"spend.query","params":{"token":"\#(token)"},"id":3}"#, token: token)
        _ = try await HTTPExchange.send(port: port, body: "{not json \(token)", headers: [("Authorization", "Bearer \(token)")])
        _ = try await HTTPExchange.send(port: port, body: Self.health, headers: [("Authorization", "Bearer \(token)"), ("Origin", "https://evil.example")])
        let tcp = try await RawConnection.connect(port: addresses.rpc.port)
        try await tcp.sendLine(#"{"jsonrpc":"2.0","method":"session.hello","params":{"token":"\#(bogus)"},"id":1}"#)
        _ = try await tcp.readJSON()
        try await tcp.sendLine(#"{"jsonrpc":"2.0","method":"session.hello","params":{"token":"\#(token)"},"id":2}"#)
        _ = try await tcp.readJSON()
        try await tcp.sendLine(#"{"jsonrpc":"2.0","method":"session.hello","params":{"token":"\#(token)","extra":1},"id":3}"#)
        _ = try await tcp.readJSON()
        await tcp.close()
        await server.shutdown()
        let lines = sink.lines
        #expect(!lines.isEmpty, "the server logged at trace level (else this test proves nothing)")
        #expect(!lines.contains { $0.contains(token) || $0.contains(bogus) })
    }
}

/// Log lines, collected across threads.
final class LogSink: Sendable {
    private let box = NIOLockedValueBox<[String]>([])
    func append(_ line: String) { box.withLockedValue { $0.append(line) } }
    var lines: [String] { box.withLockedValue { $0 } }
}

/// A swift-log handler writing each message and its metadata to a ``LogSink``.
struct CapturingLogHandler: LogHandler {
    let sink: LogSink
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        sink.append("\(event.level) \(event.message) \(metadata) \(event.metadata ?? [:]) \(event.error.map { String(reflecting: $0) } ?? "")")
    }
}
