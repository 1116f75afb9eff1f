import Foundation
import Testing
import TallyClient
import TallyJSON
import TallyProcess

/// `tally report` writes the server's reports to files and standard output, and the HTML report
/// renders in a real browser (headless Chromium from Debian), whose screenshot is kept as an artifact.
@Suite struct ReportCLITests {
    /// Where artifacts of the test run go (screenshots): `.build/artifacts/`.
    static var artifacts: String {
        URL(fileURLWithPath: TallyBinary.path).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("artifacts").path
    }

    static let chromium = ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test func theCLIWritesEveryFormatAndTheHTMLReportRendersInChromium() async throws {
        let n8n = try await ReportTests.FakeN8n(executions: ReportTests.octoberExecutions)
        defer { Task { try? await n8n.receiver.stop() } }
        try await withServer { server in
            let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
            try await ReportTests.seed(client, n8n: n8n, keyFile: try ReportTests.keyFile())
            await client.close()
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-report-cli-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let connection = ["--server", "127.0.0.1:\(server.addresses.rpc.port)", "--token", server.adminToken]

            let html = folder + "/acme-2026-10.html"
            let written = try await ChildProcess.run(TallyBinary.path, ["report", "client", "acme", "--period", "2026-10", "-o", html] + connection)
            #expect(written.status == 0, "\(written.errors)")
            #expect(written.errors.contains("wrote \(html) (html,"), "the format follows the file's extension")
            let page = try String(contentsOfFile: html, encoding: .utf8)
            #expect(page.contains("<dt>Billed</dt><dd>$14.46</dd>") && page.contains("<svg role=\"img\""))

            let csv = try await ChildProcess.run(TallyBinary.path, ["report", "client", "initech", "--period", "2026-10", "--format", "csv"] + connection)
            #expect(csv.status == 0 && csv.output.contains("Overage billed,$92.46\r\n"))

            let agency = try await ChildProcess.run(TallyBinary.path, ["report", "agency", "--period", "2026-10", "--json"] + connection)
            #expect(agency.status == 0)
            let json = try JSONCodec.parse(agency.output)
            #expect(json["spend"]?["llm_cost"] == "345.20" && json["executions"]?["success_rate"] == "0.8947")

            let markdown = try await ChildProcess.run(TallyBinary.path, ["report", "agency", "--period", "2026-10"] + connection)
            #expect(markdown.output.hasPrefix("# Agency report 2026-10"), "markdown on standard output by default")

            let unknown = try await ChildProcess.run(TallyBinary.path, ["report", "client", "nobody", "--period", "2026-10"] + connection)
            #expect(unknown.status == 2 && unknown.errors.contains("NOT_FOUND"))

            // The page in a real browser: it renders (a screenshot of the full report) without
            // loading anything from elsewhere (no network in the sandbox would make that visible).
            let browser = try #require(Self.chromium, "install chromium-headless-shell (scripts/install-deps does)")
            try FileManager.default.createDirectory(atPath: Self.artifacts, withIntermediateDirectories: true)
            let screenshot = Self.artifacts + "/client-report.png"
            try? FileManager.default.removeItem(atPath: screenshot)
            let shot = try await ChildProcess.run(browser, [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(folder)/chromium",
                "--window-size=1024,2600", "--screenshot=\(screenshot)", "file://\(html)",
            ], timeout: .seconds(90))
            #expect(shot.status == 0, "\(shot.errors)")
            let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG")
            // IHDR: width and height, big-endian, at bytes 16..<24.
            let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == 1024 && height == 2600)
            #expect(png.count > 40_000, "a rendered page, not a blank one (\(png.count) bytes)")
        }
    }
}
