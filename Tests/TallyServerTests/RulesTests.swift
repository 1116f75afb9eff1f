import Foundation
import Testing
import TallyClient
import TallyJSON

/// Attribution by the agency's Lua rules over the real server: live changes, broken versions
/// that never replace a good one, and a rule that fails for one event only.
@Suite struct RulesTests {
    static let byWorkflow = """
        return {
          attribute = function(event)
            if event.workflow and event.workflow.name then
              return tally.slug(event.workflow.name), "workflow name"
            end
            return nil
          end
        }
        """

    func withRulesServer(_ body: (TestServer, TallyClient) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-rules-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/demo", withIntermediateDirectories: true)
        try Self.byWorkflow.write(toFile: folder + "/demo/attribution.lua", atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = try await TestServer.start(rulesDirectory: folder)
        let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
        do {
            try await body(server, client)
        } catch {
            await client.close()
            await server.stop()
            throw error
        }
        await client.close()
        await server.stop()
    }

    static func event(_ id: String, workflow: String) -> JSONValue {
        ["id": .string(id), "ts": "2026-11-03T10:00:00Z", "provider": "openai", "model": "gpt-4o-mini",
         "usage": ["input_tokens": 100, "output_tokens": 10], "workflow": ["id": "wf", "name": .string(workflow)]]
    }

    @Test func rulesAttributeAndChangeLiveWithoutARestart() async throws {
        try await withRulesServer { _, client in
            let first = try await client.call("ingest.events", ["events": [Self.event("r1", workflow: "Acme Corp")]])
            #expect(first["results"]?[0]?["client"] == "acme-corp")
            let firstVersion = first["results"]?[0]?["rule_version"]

            // A broken version is refused with file and line; the old one keeps serving.
            let broken = try await client.call("rules.put", ["file": "attribution.lua", "source": "return {\n attribute = function(e)\n  return e.x +\n end\n}\n"])
            #expect(broken["outcome"] == "failed")
            let status = try await client.call("rules.list")
            #expect(status["last_failure"]?["error"]?["file"]?.stringValue?.hasSuffix("attribution.lua") == true)
            #expect(status["last_failure"]?["error"]?["line"] != nil)
            let still = try await client.call("ingest.events", ["events": [Self.event("r2", workflow: "Acme Corp")]])
            #expect(still["results"]?[0]?["client"] == "acme-corp")
            #expect(still["results"]?[0]?["rule_version"] == firstVersion)

            // A hostile version (an endless loop) fails its smoke test and is refused too.
            let hostile = try await client.call("rules.put", ["file": "attribution.lua", "source": "return { attribute = function(e) while true do end end }"])
            #expect(hostile["outcome"] == "failed")

            // A good new version takes over at once, with a new version stamp.
            let upper = Self.byWorkflow.replacingOccurrences(of: "tally.slug(event.workflow.name)", with: "'client-' .. tally.slug(event.workflow.name)")
            let good = try await client.call("rules.put", ["file": "attribution.lua", "source": .string(upper)])
            #expect(good["outcome"] == "loaded")
            let third = try await client.call("ingest.events", ["events": [Self.event("r3", workflow: "Acme Corp")]])
            #expect(third["results"]?[0]?["client"] == "client-acme-corp")
            #expect(third["results"]?[0]?["rule_version"] != firstVersion)
        }
    }

    @Test func aRuleThatFailsForOneEventLeavesItUnattributedAndIngestGoesOn() async throws {
        try await withRulesServer { _, client in
            let picky = """
                return {
                  attribute = function(event)
                    local name = event.workflow and event.workflow.name or ""
                    if name == "loop" then while true do end end
                    if name == "boom" then error("no client for this one") end
                    if name == "" then return nil end
                    return tally.slug(name), "workflow name"
                  end
                }
                """
            let put = try await client.call("rules.put", ["file": "attribution.lua", "source": .string(picky)])
            #expect(put["outcome"] == "loaded")
            let answer = try await client.call("ingest.events", ["events": [
                Self.event("p1", workflow: "Globex"), Self.event("p2", workflow: "loop"), Self.event("p3", workflow: "boom"), Self.event("p4", workflow: "Initech"),
            ]])
            #expect(answer["accepted"] == 4)
            let clients = (answer["results"]?.arrayValue ?? []).map { $0["client"] ?? .null }
            #expect(clients == ["globex", .null, .null, "initech"])
            let listed = try await client.call("events.list", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"])
            let errors = (listed["events"]?.arrayValue ?? []).map { $0["attribution_error"]?.stringValue ?? "" }
            #expect(errors[1].contains("timeout") || errors[1].contains("deadline"))
            #expect(errors[2].contains("no client for this one"))
        }
    }

    @Test func dryRunsStoreNothing() async throws {
        try await withRulesServer { _, client in
            let valid = try await client.call("rules.validate", ["source": .string(Self.byWorkflow)])
            #expect(valid["valid"] == true)
            let invalid = try await client.call("rules.validate", ["source": "return {"])
            #expect(invalid["valid"] == false)
            let report = try await client.call("rules.test", ["events": [Self.event("d1", workflow: "Acme")]])
            #expect(report["attributed"] == 1)
            let spend = try await client.call("spend.query", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"])
            #expect(spend["total"]?["events"] == 0)
        }
    }
}

/// Re-attribution of history, and rule changes while events keep arriving.
@Suite struct ReplayTests {
    @Test func replayMovesSpendBetweenClientsWithTotalsUnchangedAndIsIdempotent() async throws {
        try await RulesTests().withRulesServer { _, client in
            let events: [JSONValue] = (0..<10).map { RulesTests.event("m\($0)", workflow: $0 < 6 ? "Acme Corp" : "Globex") }
            _ = try await client.call("ingest.events", ["events": .array(events)])
            let range: [String: JSONValue] = ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"]
            let before = try await client.call("spend.query", range.merging(["group_by": ["client"]]) { $1 })

            // New rules: Acme Corp's workflows now belong to Innovate Corp.
            let renamed = RulesTests.byWorkflow.replacingOccurrences(
                of: "return tally.slug(event.workflow.name), \"workflow name\"",
                with: "local slug = tally.slug(event.workflow.name)\n      if slug == \"acme-corp\" then return \"innovate-corp\", \"renamed\" end\n      return slug, \"workflow name\"")
            #expect(try await client.call("rules.put", ["file": "attribution.lua", "source": .string(renamed)])["outcome"] == "loaded")
            let replay = try await client.call("attribution.replay", range)
            #expect(replay["examined"] == 10)
            #expect(replay["changed"] == 6)
            let move = replay["moved"]?[0]
            #expect(move?["from"] == "acme-corp")
            #expect(move?["to"] == "innovate-corp")
            #expect(move?["events"] == 6)

            let after = try await client.call("spend.query", range.merging(["group_by": ["client"]]) { $1 })
            #expect(after["total"] == before["total"], "totals unchanged")
            let clients = Dictionary(uniqueKeysWithValues: (after["rows"]?.arrayValue ?? []).map { ($0["client"]?.stringValue ?? "", $0["events"]?.int64Value ?? 0) })
            #expect(clients == ["innovate-corp": 6, "globex": 4])
            #expect(move?["cost"] == before["rows"]?.arrayValue?.first { $0["client"] == "acme-corp" }?["cost"])

            let again = try await client.call("attribution.replay", range)
            #expect(again["changed"] == 0)
            #expect(try await client.call("spend.query", range.merging(["group_by": ["client"]]) { $1 })["rows"] == after["rows"])
        }
    }

    @Test func reloadingUnderContinuousIngestLosesNoEvent() async throws {
        try await RulesTests().withRulesServer { server, client in
            let writer = Task {
                var stored = 0
                for batch in 0..<40 {
                    let events: [JSONValue] = (0..<25).map { RulesTests.event("c\(batch)-\($0)", workflow: "Acme Corp") }
                    let answer = try await client.call("ingest.events", ["events": .array(events)])
                    #expect(answer["rejected"] == 0)
                    stored += Int(answer["accepted"]?.int64Value ?? 0)
                }
                return stored
            }
            for round in 0..<8 {
                let source = RulesTests.byWorkflow.replacingOccurrences(of: "\"workflow name\"", with: "\"round \(round)\"")
                _ = try await client.call("rules.put", ["file": "attribution.lua", "source": .string(source)])
                _ = try await client.call("rules.put", ["file": "attribution.lua", "source": "return {"])  // broken: refused
            }
            #expect(try await writer.value == 1_000)
            let spend = try await client.call("spend.query", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "group_by": ["client"]])
            #expect(spend["total"]?["events"] == 1_000)
            #expect(spend["rows"]?.arrayValue?.map { $0["client"] } == ["acme-corp"], "every event attributed by a good version")
        }
    }
}
