import Foundation
import TallyJSON
import TallyProcess
import Testing

/// `tally ingest FILE.jsonl` against a real `tally serve` child: counts, exit codes, idempotent
/// re-runs and `--resume`.
@Suite struct IngestCLITests {
    /// Reads the `lines_done` of a `--resume` file.
    enum IngestProgressFile {
        static func linesDone(_ path: String) throws -> Int {
            let value = try JSONCodec.parse(String(contentsOfFile: path, encoding: .utf8))
            return Int(value["lines_done"]?.int64Value ?? 0)
        }
    }

    func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-ingest-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    static func eventLine(_ id: String) -> String {
        #"{"id":"\#(id)","ts":"2026-11-03T14:05:00Z","provider":"openai","model":"gpt-4o-mini","usage":{"input_tokens":10,"output_tokens":5},"client":"acme"}"#
    }

    /// Runs `tally ingest` with `--json` and returns the exit status and the parsed summary.
    func ingest(_ arguments: [String], server: ServeProcess, token: String) async throws -> (status: Int32, summary: JSONValue, errors: String) {
        let run = try await ChildProcess.run(
            TallyBinary.path, ["ingest"] + arguments + ["--server", "127.0.0.1:\(server.rpcPort)", "--token", token, "--json"],
            timeout: .seconds(120))
        let summary = (try? JSONCodec.parse(run.output)) ?? .null
        return (run.status, summary, run.errors)
    }

    /// Runs `body` with a fresh server and its admin token, and stops the server whatever happens.
    func withServer(_ body: (ServeProcess, String, String) async throws -> Void) async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = try await TallyBinary.serve(dataDirectory: folder + "/data")
        do {
            let token = try #require(server.firstStartToken)
            try await body(server, token, folder)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func ingestsAFileReportsRejectionsAndARerunIsAllDuplicates() async throws {
        try await withServer { server, token, folder in
            // 1,203 good events, a blank line, a line that is not JSON and an event with a typo'd field.
            var lines = (0..<600).map { Self.eventLine("e\($0)") }
            lines.append("")
            lines.append(#"{"id": "broken","#)
            lines.append(#"{"id":"typo","provider":"openai","model":"gpt-4o","usage":{"input_tokens":1},"clinet":"acme"}"#)
            lines += (600..<1_203).map { Self.eventLine("e\($0)") }
            let path = folder + "/events.jsonl"
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)

            let first = try await ingest([path, "--batch-size", "250", "--concurrency", "3"], server: server, token: token)
            #expect(first.status == 1, "\(first.errors)")
            #expect(first.summary["accepted"] == 1_203)
            #expect(first.summary["duplicates"] == 0)
            #expect(first.summary["rejected"] == 2)
            #expect(first.summary["sent"] == 1_204)
            #expect(first.summary["lines_read"] == 1_206)
            #expect(first.summary["complete"] == true)
            let rejections = first.summary["rejections"]?.arrayValue ?? []
            #expect(rejections.count == 2)
            #expect(rejections.first?["line"] == 602)
            #expect(rejections.first?["id"] == .null)
            #expect(rejections.last?["line"] == 603)
            #expect(rejections.last?["id"] == "typo")
            #expect(rejections.last?["field"] == "clinet")

            // Re-sending is safe: every stored event comes back as a duplicate.
            let again = try await ingest([path], server: server, token: token)
            #expect(again.status == 1, "\(again.errors)")
            #expect(again.summary["accepted"] == 0)
            #expect(again.summary["duplicates"] == 1_203)
            #expect(again.summary["rejected"] == 2)

            // All good: exit 0, and the text summary names the counts.
            let clean = folder + "/clean.jsonl"
            try (0..<10).map { Self.eventLine("e\($0)") }.joined(separator: "\n").write(toFile: clean, atomically: true, encoding: .utf8)
            let text = try await ChildProcess.run(TallyBinary.path, ["ingest", clean, "--server", "127.0.0.1:\(server.rpcPort)", "--token", token])
            #expect(text.status == 0, "\(text.errors)")
            #expect(text.output.contains("duplicate  10"), "\(text.output)")
            #expect(text.errors.isEmpty, "no progress line when standard error is not a terminal: \(text.errors)")
        }
    }

    @Test func resumeSkipsTheAcknowledgedLinesAndRecordsProgress() async throws {
        try await withServer { server, token, folder in
            let path = folder + "/events.jsonl"
            try (0..<1_000).map { Self.eventLine("r\($0)") }.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let statePath = path + ".tally-progress"
            try #"{"lines_done": 400}"#.write(toFile: statePath, atomically: true, encoding: .utf8)

            let resumed = try await ingest([path, "--resume", "--batch-size", "100"], server: server, token: token)
            #expect(resumed.status == 0, "\(resumed.errors)")
            #expect(resumed.summary["skipped_lines"] == 400)
            #expect(resumed.summary["sent"] == 600)
            #expect(resumed.summary["accepted"] == 600)
            #expect(resumed.summary["duplicates"] == 0)
            let state = try JSONCodec.parse(String(contentsOfFile: statePath, encoding: .utf8))
            #expect(state["lines_done"] == 1_000)

            // Nothing left to do on a second --resume run.
            let done = try await ingest([path, "--resume"], server: server, token: token)
            #expect(done.status == 0)
            #expect(done.summary["sent"] == 0)

            // Without --resume the skipped 400 are new and the rest duplicates: they were never sent before.
            let whole = try await ingest([path], server: server, token: token)
            #expect(whole.summary["accepted"] == 400)
            #expect(whole.summary["duplicates"] == 600)
        }
    }

    @Test func aServerKilledMidRunExitsTwoAndResumeFinishesTheFileExactlyOnce() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/events.jsonl"
        let total = 20_000
        try (0..<total).map { Self.eventLine("k\($0)") }.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let statePath = path + ".tally-progress"

        let first = try await TallyBinary.serve(dataDirectory: folder + "/data")
        let token = try #require(first.firstStartToken)
        let running = try ChildProcess(executable: TallyBinary.path, arguments: [
            "ingest", path, "--resume", "--batch-size", "100", "--retries", "1", "--server", "127.0.0.1:\(first.rpcPort)", "--token", token, "--json",
        ])
        // Pull the plug once some batches are acknowledged, while the rest are still being sent.
        let deadline = ContinuousClock.now + .seconds(60)
        while (try? IngestProgressFile.linesDone(statePath)) ?? 0 == 0, running.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        await first.kill()
        let status = await running.waitForExit(timeout: .seconds(60))
        let stopped = try IngestProgressFile.linesDone(statePath)
        try #require(status == 2, "the run finished before the server was killed: \(running.output)")
        #expect(stopped > 0 && stopped < total)
        #expect((try? JSONCodec.parse(running.output))?["complete"] == false)

        let second = try await TallyBinary.serve(dataDirectory: folder + "/data")
        do {
            let resumed = try await ingest([path, "--resume", "--batch-size", "100"], server: second, token: token)
            #expect(resumed.status == 0, "\(resumed.errors)")
            #expect(resumed.summary["skipped_lines"] == .integer(Int64(stopped)))
            // Batches that were stored but not yet recorded come back as duplicates: nothing twice.
            let resent = (resumed.summary["accepted"]?.int64Value ?? 0) + (resumed.summary["duplicates"]?.int64Value ?? 0)
            #expect(resent == Int64(total - stopped))
            let whole = try await ingest([path], server: second, token: token)
            #expect(whole.summary["duplicates"] == .integer(Int64(total)))
            #expect(whole.summary["accepted"] == 0)
        } catch {
            await second.stop()
            throw error
        }
        await second.stop()
    }

    @Test func aRefusedTokenOrAnUnreachableServerExitsTwo() async throws {
        try await withServer { server, token, folder in
            let path = folder + "/events.jsonl"
            try Self.eventLine("x1").write(toFile: path, atomically: true, encoding: .utf8)
            let refused = try await ingest([path], server: server, token: "tly_" + String(repeating: "A", count: 43))
            #expect(refused.status == 2, "\(refused.errors)")
            #expect(refused.summary["complete"] == false)

            let nowhere = try await ChildProcess.run(TallyBinary.path, [
                "ingest", path, "--server", "127.0.0.1:\(LoopbackPort.free())", "--token", token, "--retries", "1",
            ])
            #expect(nowhere.status == 2, "\(nowhere.errors)")
            #expect(nowhere.errors.contains("cannot reach"), "\(nowhere.errors)")

            let stdinWithoutState = try await ChildProcess.run(TallyBinary.path, ["ingest", "-", "--resume"])
            #expect(stdinWithoutState.status != 0)
            #expect(stdinWithoutState.errors.contains("--state"))
        }
    }
}
