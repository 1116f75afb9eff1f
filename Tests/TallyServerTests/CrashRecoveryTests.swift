import Foundation
import NIOConcurrencyHelpers
import TallyProcess
import Testing
import TallyClient
import TallyJSON

/// A server killed with SIGKILL mid-ingest loses no acknowledged event and stores every retried
/// event exactly once.
@Suite(.serialized) struct CrashRecoveryTests {
    @Test func everyAcknowledgedEventSurvivesSIGKILLAndRetriesAreStoredOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-crash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try await TallyBinary.serve(dataDirectory: folder)
        let firstToken = first.firstStartToken
        let token = try #require(firstToken)

        let acknowledged = NIOLockedValueBox<Set<String>>([])
        let unacknowledged = NIOLockedValueBox<[[JSONValue]]>([])
        let writers = (0..<3).map { writer in
            Task {
                guard let client = try? await TallyClient.connect(host: "127.0.0.1", port: first.rpcPort, token: token) else { return }
                var batchNumber = 0
                while true {
                    let batch: [JSONValue] = (0..<25).map { IngestTests.event("w\(writer)-b\(batchNumber)-\($0)") }
                    batchNumber += 1
                    do {
                        let answer = try await client.call("ingest.events", ["events": .array(batch)])
                        let stored = (answer["results"]?.arrayValue ?? []).filter { $0["status"] == "accepted" || $0["status"] == "duplicate" }
                        acknowledged.withLockedValue { $0.formUnion(stored.compactMap { $0["id"]?.stringValue }) }
                    } catch {
                        // No answer: the client cannot know whether the batch was stored; it retries later.
                        unacknowledged.withLockedValue { $0.append(batch) }
                        return
                    }
                }
            }
        }
        // Let ingest run, then pull the plug.
        let deadline = ContinuousClock.now + .seconds(120)
        while acknowledged.withLockedValue({ $0.count }) < 2_000 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        await first.kill()
        for writer in writers { await writer.value }
        let acked = acknowledged.withLockedValue { $0 }
        let retries = unacknowledged.withLockedValue { $0 }
        #expect(acked.count >= 2_000)

        let second = try await TallyBinary.serve(dataDirectory: folder)
        let client = try await TallyClient.connect(host: "127.0.0.1", port: second.rpcPort, token: token)
        var retried = Set<String>()
        for batch in retries {
            let answer = try await client.call("ingest.events", ["events": .array(batch)])
            #expect(answer["rejected"] == 0)
            retried.formUnion(batch.compactMap { $0["id"]?.stringValue })
        }
        // Everything acknowledged is there, and every id is stored exactly once.
        let expected = acked.union(retried)
        let spend = try await client.call("spend.query", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"])
        #expect(spend["total"]?["events"] == .integer(Int64(expected.count)))
        var stored: [String] = []
        var cursor: JSONValue = .null
        repeat {
            var params: [String: JSONValue] = ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "limit": 1_000]
            if cursor != .null { params["cursor"] = cursor }
            let page = try await client.call("events.list", params)
            stored += (page["events"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            cursor = page["next_cursor"] ?? .null
        } while cursor != .null
        #expect(stored.count == Set(stored).count, "no event stored twice")
        #expect(Set(stored) == expected)
        #expect(acked.isSubset(of: Set(stored)), "no acknowledged event lost")
        await client.close()
        await second.stop()
    }
}
