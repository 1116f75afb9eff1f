import Foundation
import Testing

/// `tally rules check` and `tally rules test`, run as a user's CI would, with their exit codes.
@Suite struct RulesCLITests {
    func run(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
        // Output to files, not pipes, and a polled exit: nothing here blocks a shared thread.
        let base = NSTemporaryDirectory() + "tally-cli-out-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.binary)
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        process.standardError = FileHandle(forWritingAtPath: base + ".err")
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning { process.terminate() }
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        return (process.terminationStatus, (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
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
