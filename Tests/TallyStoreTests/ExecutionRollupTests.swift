import Foundation
import Testing
import TallyCore
import TallyJSON
@testable import TallyStore

/// Executions and the LLM spend of their events meet in the execution rollups whatever arrives
/// first, and follow repricing, re-attribution and runs that finish.
@Suite struct ExecutionRollupTests {
    static func database() throws -> (AgencyDatabase, DataDirectory) {
        let directory = DataDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("tally-exec-\(UUID().uuidString)").path)
        return (try AgencyDatabase(agency: AgencyID("demo")!, directory: directory), directory)
    }

    static func entry(_ id: String, execution: String, client: String?, cost: String?, outcomes: Int = 0) throws -> LedgerEntry {
        var json: [String: JSONValue] = [
            "id": .string(id), "ts": "2026-11-03T10:00:30Z", "provider": "openai", "model": "gpt-4o-mini", "usage": ["input_tokens": 10],
            "instance": "n8n-a", "execution_id": .string(execution), "workflow": ["id": "wf-1", "name": "One"], "outcomes": .integer(Int64(outcomes)),
        ]
        if let client { json["client"] = .string(client) }
        let event = try UsageEvent.decode(.object(json), receivedAt: .now, fingerprint: { $0 })
        let money = try cost.map { try Money.parse($0) }
        return LedgerEntry(event: event, receivedAt: .now, client: client, attributionReason: nil, ruleVersion: nil, attributionError: nil,
                           cost: money, computedCost: money, costBasis: money == nil ? .unpriced : .catalog, priceVersion: nil,
                           resolvedModel: nil, pricingNote: nil)
    }

    static func usd(_ text: String) -> Money { try! Money.parse(text) }

    static func run(_ id: String, status: ExecutionStatus, retryOf: String? = nil) -> Execution {
        Execution(instance: "n8n-a", id: id, workflowID: "wf-1", status: status, startedAt: try! Timestamp(rfc3339: "2026-11-03T10:00:00Z"), retryOf: retryOf)
    }

    static func groups(_ database: AgencyDatabase) throws -> [String: ExecutionGroup] {
        let groups = try database.executionGroups(from: try Timestamp(rfc3339: "2026-11-01T00:00:00Z"), to: try Timestamp(rfc3339: "2026-12-01T00:00:00Z"))
        return Dictionary(uniqueKeysWithValues: groups.map { ("\($0.client ?? "-") \($0.status.rawValue)", $0) })
    }

    @Test func spendBookedBeforeOrAfterItsRunLandsInTheSameGroup() throws {
        let (database, directory) = try Self.database()
        defer { try? FileManager.default.removeItem(atPath: directory.root) }
        // Run 1: events first, then the run. Run 2: the run first, then its events.
        _ = try database.transaction { try database.write(Self.entry("e1", execution: "1", client: "acme", cost: "1.50", outcomes: 2)) }
        _ = try database.upsertExecutions([Self.run("1", status: .success), Self.run("2", status: .running)], source: "n8n")
        _ = try database.transaction { try database.write(Self.entry("e2", execution: "2", client: "acme", cost: "0.25")) }
        var groups = try Self.groups(database)
        #expect(groups["acme success"]?.executions == 1 && groups["acme success"]?.cost == Self.usd("1.50") && groups["acme success"]?.outcomes == 2)
        #expect(groups["acme running"]?.executions == 1 && groups["acme running"]?.cost == Self.usd("0.25"))

        // Run 2 finishes (a failure); a retry succeeds.
        _ = try database.upsertExecutions([Self.run("2", status: .error), Self.run("3", status: .success, retryOf: "2")], source: "n8n")
        _ = try database.transaction { try database.write(Self.entry("e3", execution: "3", client: "acme", cost: "0.50")) }
        groups = try Self.groups(database)
        #expect(groups["acme running"] == nil)
        #expect(groups["acme error"]?.executions == 1 && groups["acme error"]?.cost == Self.usd("0.25"))
        #expect(groups["acme success"]?.executions == 2 && groups["acme success"]?.retries == 1)
        #expect(groups["acme success"]?.retryCost == Self.usd("0.50"))
        #expect(try database.upsertExecutions([Self.run("3", status: .success, retryOf: "2")], source: "n8n") == [.unchanged])
    }

    @Test func repricingAndReattributionMoveARunsCostAndClient() throws {
        let (database, directory) = try Self.database()
        defer { try? FileManager.default.removeItem(atPath: directory.root) }
        _ = try database.upsertExecutions([Self.run("9", status: .success)], source: "ingest")
        _ = try database.transaction { try database.write(Self.entry("priced", execution: "9", client: nil, cost: "1.00")) }
        _ = try database.transaction { try database.write(Self.entry("unpriced", execution: "9", client: nil, cost: nil)) }
        #expect(try Self.groups(database)["- success"]?.cost == Self.usd("1.00"), "unattributed runs keep their cost")

        let unpriced = try #require(try database.unpricedEvents().first)
        try database.transaction { try database.recordPrice(for: unpriced, cost: Self.usd("0.40"), priceVersion: "v2", resolvedModel: nil) }
        #expect(try Self.groups(database)["- success"]?.cost == Self.usd("1.40"))

        let candidates = try database.replayCandidates(from: try Timestamp(rfc3339: "2026-11-01T00:00:00Z"), to: try Timestamp(rfc3339: "2026-12-01T00:00:00Z"), after: 0, limit: 10)
        try database.transaction { for candidate in candidates { try database.recordReattribution(candidate, to: "globex", ruleVersion: "r2", reason: "test") } }
        let groups = try Self.groups(database)
        #expect(groups["- success"] == nil)
        #expect(groups["globex success"]?.cost == Self.usd("1.40") && groups["globex success"]?.executions == 1)
    }

    @Test func aRunWithoutAClientBelongsToTheClientWhoseProfileNamesItsWorkflow() throws {
        let (database, directory) = try Self.database()
        defer { try? FileManager.default.removeItem(atPath: directory.root) }
        _ = try database.upsertExecutions([Self.run("5", status: .success)], source: "n8n")
        #expect(try Self.groups(database)["- success"]?.executions == 1)
        try database.putClient(ClientProfile(id: "initech", workflows: ["wf-1": WorkflowValue(outcomeLabel: "leads scored")]))
        #expect(try Self.groups(database)["initech success"]?.executions == 1)
    }

    /// A schema-3 file with events that carry outcomes and execution ids gains them in place.
    @Test func aSchema3FileGainsOutcomesAndExecutionSpend() throws {
        let directory = DataDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("tally-v3-\(UUID().uuidString)").path)
        defer { try? FileManager.default.removeItem(atPath: directory.root) }
        try directory.create()
        let agency = AgencyID("old")!
        do {
            let old = try SQLiteConnection(path: directory.agencyDatabasePath(agency))
            try SchemaMigrator(Array(AgencyDatabase.migrator.migrations.prefix(3))).migrate(old)
            try old.execute("""
                INSERT INTO events (source, event_id, ts_us, received_us, provider, model, client, workflow, instance, execution_id, status,
                    service_tier, input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens,
                    reasoning_tokens, requests, web_search_calls, cost_pico, cost_basis, raw)
                VALUES ('api', 'a', 1793700000000000, 0, 'openai', 'gpt-4o', 'acme', 'wf-1', 'n8n-a', '7', 'success', 'standard',
                    1, 0, 0, 0, 1, 0, 1, 0, 2000000000000, 'catalog', '{"outcomes":{"tickets":2,"emails":1}}');
                INSERT INTO rollups (client, hour_us, provider, model, workflow, instance, api_key, status, source, events, errors, unpriced,
                    cost_pico, input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens,
                    reasoning_tokens, requests, web_search_calls)
                VALUES ('acme', 1793700000000000 - (1793700000000000 % 3600000000), 'openai', 'gpt-4o', 'wf-1', 'n8n-a', '', 'success', 'api',
                    1, 0, 0, 2000000000000, 1, 0, 0, 0, 1, 0, 1, 0);
                """)
        }
        let database = try AgencyDatabase(agency: agency, directory: directory)
        #expect(try database.connection.statement("SELECT outcomes FROM events").firstRow { $0.int64(0) } == 3)
        #expect(try database.connection.statement("SELECT outcomes FROM rollups").firstRow { $0.int64(0) } == 3)
        #expect(try database.connection.statement("SELECT cost_pico, outcomes FROM execution_spend WHERE execution_id = '7'").firstRow { [$0.int64(0), $0.int64(1)] } == [2_000_000_000_000, 3])
        #expect(try database.clients().map(\.id) == ["acme"])
        #expect(try database.clients().first?.isAutomatic == true)
    }
}
