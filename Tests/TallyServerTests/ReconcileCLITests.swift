import Foundation
import TallyJSON
import TallyProcess
import Testing

/// `tally reconcile import FILE` and `tally reconcile run` against a real `tally serve` child.
@Suite struct ReconcileCLITests {
    @Test func importsACSVAndPrintsTheReportInEachFormatAndABadFileNamesItsLine() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-reconcile-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = try await TallyBinary.serve(dataDirectory: folder + "/data")
        do {
            let token = try #require(server.firstStartToken)
            let connection = ["--server", "127.0.0.1:\(server.rpcPort)", "--token", token]
            let csv = folder + "/october.csv"
            try "date,provider,project,api_key,amount\n2026-10-01,openai,proj_ops,key_rogue,12.50\n2026-10-02,openai,,,-5\n"
                .write(toFile: csv, atomically: true, encoding: .utf8)
            let imported = try await ChildProcess.run(TallyBinary.path, ["reconcile", "import", csv] + connection, timeout: .seconds(60))
            #expect(imported.status == 0, "\(imported.errors)")
            #expect(imported.output.contains("openai"), "\(imported.output)")
            #expect(imported.output.contains("untracked keys (not registered): key_rogue"), "\(imported.output)")

            let markdown = try await ChildProcess.run(TallyBinary.path, ["reconcile", "run", "--provider", "openai", "--from", "2026-10-01", "--to", "2026-10-02"] + connection, timeout: .seconds(60))
            #expect(markdown.status == 0, "\(markdown.errors)")
            #expect(markdown.output.hasPrefix("# Reconciliation 2026-10-01 to 2026-10-02"), "\(markdown.output)")
            #expect(markdown.output.contains("| credit | openai | 2026-10-02 |  | -5 |"), "\(markdown.output)")
            let json = try await ChildProcess.run(TallyBinary.path, ["reconcile", "run", "--from", "2026-10-01", "--to", "2026-10-02", "--format", "json"] + connection, timeout: .seconds(60))
            let report = try JSONCodec.parse(json.output)
            #expect(report["totals"]?["billed"] == "7.5")
            #expect(report["findings"]?.arrayValue?.count == 2)

            let bad = folder + "/bad.csv"
            try "date,provider,project,api_key,amount\n2026-10-01,openai,p,k,1\n2026-10-02,openai,p,k,1,5\n".write(toFile: bad, atomically: true, encoding: .utf8)
            let refused = try await ChildProcess.run(TallyBinary.path, ["reconcile", "import", bad] + connection, timeout: .seconds(60))
            #expect(refused.status == 2)
            #expect(refused.errors.contains("line 3"), "\(refused.errors)")
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
