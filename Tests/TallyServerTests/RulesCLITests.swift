import Foundation
import TallyProcess
import Testing

/// `tally rules check` and `tally rules test`, run as a user's CI would, with their exit codes.
@Suite struct RulesCLITests {
    func run(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
        try await ChildProcess.run(TallyBinary.path, arguments)
    }

    func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func checkPassesTheShippedRulesAndFailsABrokenFileWithItsLine() async throws {
        let good = try await run(["rules", "check", TestServer.shippedRules + "/default"])
        #expect(good.status == 0, "\(good.errors)")
        #expect(good.output.contains("ok"))

        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "return {\n  attribute = function(event)\n    return event.client +\n  end\n}\n".write(toFile: folder + "/attribution.lua", atomically: true, encoding: .utf8)
        let bad = try await run(["rules", "check", folder])
        #expect(bad.status == 1)
        #expect(bad.errors.contains("attribution.lua:"), "\(bad.errors)")
    }

    @Test func testComparesAgainstExpectations() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let events = [
            #"{"id":"1","provider":"openai","model":"gpt-4o-mini","client":"acme"}"#,
            #"{"id":"2","provider":"openai","model":"gpt-4o-mini","metadata":{"client_id":"globex"}}"#,
            #"{"id":"3","provider":"openai","model":"gpt-4o-mini"}"#,
        ].joined(separator: "\n")
        try events.write(toFile: folder + "/events.jsonl", atomically: true, encoding: .utf8)
        try [#"{"id":"1","client":"acme"}"#, #"{"id":"2","client":"globex"}"#, #"{"id":"3","client":null}"#].joined(separator: "\n")
            .write(toFile: folder + "/expect.jsonl", atomically: true, encoding: .utf8)
        let passing = try await run(["rules", "test", TestServer.shippedRules + "/default", "--events", folder + "/events.jsonl", "--expect", folder + "/expect.jsonl"])
        #expect(passing.status == 0, "\(passing.output)\(passing.errors)")

        try [#"{"id":"1","client":"initech"}"#].joined(separator: "\n").write(toFile: folder + "/wrong.jsonl", atomically: true, encoding: .utf8)
        let failing = try await run(["rules", "test", TestServer.shippedRules + "/default", "--events", folder + "/events.jsonl", "--expect", folder + "/wrong.jsonl"])
        #expect(failing.status == 1)
        #expect(failing.errors.contains("mismatch: event 1"))
    }
}
