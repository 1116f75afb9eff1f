import Crypto
import Foundation
import NIOHTTP1
import TallyReports

/// The live dashboard's static files (`Resources/dashboard/`), read once from the bundle and
/// served by ``HTTPRouter`` at `GET /` and `GET /dashboard/<file>`.
///
/// Every answer carries the same strict headers: a Content-Security-Policy that allows only this
/// origin's own scripts, styles and `/rpc` (no inline script, nothing fetched from elsewhere, no
/// framing), `nosniff` and `no-referrer`.
struct DashboardAssets: Sendable {
    /// One file: its bytes and content type.
    struct Asset: Sendable {
        var body: [UInt8]
        var contentType: String
    }

    /// The policy of every dashboard response. Besides this origin's stylesheet it allows one inline
    /// style by its hash: the client report's (a report opened from the dashboard is a `blob:` page,
    /// which inherits this policy).
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' '\(reportStyleHash)'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// `sha256-<base64>` of the reports' `<style>` element.
    static let reportStyleHash = "sha256-" + Data(SHA256.hash(data: Array(ReportDocument.styleElementText.utf8))).base64EncodedString()

    /// Files by name (`index.html`, `dashboard.js`, ...).
    let files: [String: Asset]

    /// The bundled files; empty when the bundle has none (then `GET /` answers 404).
    static let bundled: DashboardAssets = {
        let fileManager = FileManager.default
        let candidates = [
            Bundle.module.url(forResource: "dashboard", withExtension: nil),
            Bundle.module.resourceURL?.appendingPathComponent("Resources/dashboard"),
            Bundle.module.resourceURL?.appendingPathComponent("dashboard"),
        ].compactMap { $0 }
        guard let folder = candidates.first(where: { fileManager.fileExists(atPath: $0.appendingPathComponent("index.html").path) }),
            let names = try? fileManager.contentsOfDirectory(atPath: folder.path)
        else { return DashboardAssets(files: [:]) }
        var files: [String: Asset] = [:]
        for name in names {
            guard let type = contentType(of: name), let data = fileManager.contents(atPath: folder.appendingPathComponent(name).path) else { continue }
            files[name] = Asset(body: Array(data), contentType: type)
        }
        return DashboardAssets(files: files)
    }()

    /// The content type of a file the dashboard ships; `nil` for any other kind of file.
    static func contentType(of name: String) -> String? {
        switch name.split(separator: ".").last.map(String.init) ?? "" {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        default: nil
        }
    }

    /// The response for `GET` of `path` (`/` or `/dashboard/NAME`); `nil` when `path` is not the dashboard's.
    func response(for path: String) -> HTTPResponse? {
        let name: String
        if path == "/" || path == "/index.html" {
            name = "index.html"
        } else if path.hasPrefix("/dashboard/") {
            name = String(path.dropFirst("/dashboard/".count))
        } else {
            return nil
        }
        guard let asset = files[name] else {
            var missing = HTTPResponse.problem(.notFound, "no such dashboard file '\(name)'")
            Self.secure(&missing.headers)
            return missing
        }
        var response = HTTPResponse(status: .ok, contentType: asset.contentType, body: asset.body)
        // Small files that change only with the binary: revalidate each load, so an upgrade shows at once.
        response.headers.replaceOrAdd(name: "cache-control", value: "no-cache")
        Self.secure(&response.headers)
        return response
    }

    /// Adds the dashboard's security headers.
    static func secure(_ headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: "content-security-policy", value: contentSecurityPolicy)
        headers.replaceOrAdd(name: "x-content-type-options", value: "nosniff")
        headers.replaceOrAdd(name: "referrer-policy", value: "no-referrer")
        headers.replaceOrAdd(name: "x-frame-options", value: "DENY")
    }
}
