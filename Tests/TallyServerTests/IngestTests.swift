import Testing
import TallyClient
import TallyCore
import TallyJSON

/// `ingest.events` over the real server: idempotency, per-event rejection, pricing, isolation.
@Suite struct IngestTests {
    static func event(_ id: String, model: String = "gpt-4o-mini", input: Int64 = 1_000, output: Int64 = 500,
                      client: String? = "acme", ts: String = "2026-11-03T14:05:00Z") -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "ts": .string(ts), "provider": "openai", "model": .string(model),
            "usage": ["input_tokens": .integer(input), "output_tokens": .integer(output)],
        ]
        if let client { members["client"] = .string(client) }
        return .object(members)
    }

    func client(_ server: TestServer, agency: String = "demo", role: Role = .admin) async throws -> TallyClient {
        let token = agency == "demo" && role == .admin ? server.adminToken : try server.token(agency: agency, role: role)
        return try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: token)
    }

    @Test func sameBatchTwiceIsStoredOnce() async throws {
        try await withServer { server in
            let client = try await client(server)
            let batch: JSONValue = .array((0..<50).map { Self.event("e\($0)") })
            let first = try await client.call("ingest.events", ["events": batch])
            #expect(first["accepted"] == 50)
            let second = try await client.call("ingest.events", ["events": batch])
            #expect(second["accepted"] == 0)
            #expect(second["duplicates"] == 50)
            // A duplicate answers with the original's result, not an error.
            #expect(second["results"]?[0]?["cost"] == first["results"]?[0]?["cost"])
            #expect(second["results"]?[0]?["status"] == "duplicate")
            let spend = try await client.call("spend.query", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"])
            #expect(spend["total"]?["events"] == 50)
            // 50 × (1000 × $0.15/M + 500 × $0.60/M) = 50 × $0.00045
            #expect(spend["total"]?["cost"] == "0.0225")
            await client.close()
        }
    }

    @Test func aRetryRacingTheOriginalIsStoredOnce() async throws {
        try await withServer { server in
            let clients = try await [client(server), client(server), client(server), client(server)]
            let batch: JSONValue = .array((0..<200).map { Self.event("race-\($0)") })
            let answers = try await withThrowingTaskGroup(of: JSONValue.self) { group in
                for client in clients { group.addTask { try await client.call("ingest.events", ["events": batch]) } }
                return try await group.reduce(into: [JSONValue]()) { $0.append($1) }
            }
            let accepted = answers.compactMap { $0["accepted"]?.int64Value }.reduce(0, +)
            let duplicates = answers.compactMap { $0["duplicates"]?.int64Value }.reduce(0, +)
            #expect(accepted == 200)
            #expect(duplicates == 600)
            let spend = try await clients[0].call("spend.query", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"])
            #expect(spend["total"]?["events"] == 200)
            for client in clients { await client.close() }
        }
    }

    @Test func oneBadEventNeverRejectsItsBatchMates() async throws {
        try await withServer { server in
            let client = try await client(server)
            let events: JSONValue = [
                Self.event("ok-1"),
                ["id": "bad-usage", "provider": "openai", "model": "gpt-4o", "usage": ["input_tokens": -5]],
                ["id": "no-usage", "provider": "openai", "model": "gpt-4o"],
                ["provider": "openai", "model": "gpt-4o", "usage": ["input_tokens": 1]],
                ["id": "bad-ts", "ts": "yesterday", "provider": "openai", "model": "gpt-4o", "usage": ["input_tokens": 1]],
                ["id": "typo", "provider": "openai", "model": "gpt-4o", "usage": ["input_tokens": 1], "clinet": "acme"],
                "not an object",
                Self.event("ok-2"),
            ]
            let answer = try await client.call("ingest.events", ["events": events])
            #expect(answer["accepted"] == 2)
            #expect(answer["rejected"] == 6)
            let results = answer["results"]?.arrayValue ?? []
            #expect(results.map { $0["status"]?.stringValue ?? "" } == ["accepted", "rejected", "rejected", "rejected", "rejected", "rejected", "rejected", "accepted"])
            #expect(results[1]["error"]?["field"]?.stringValue?.hasPrefix("events[1].usage") == true)
            #expect(results[2]["error"]?["field"] == "events[2].usage")
            #expect(results[3]["error"]?["field"] == "events[3].id")
            #expect(results[4]["error"]?["field"] == "events[4].ts")
            #expect(results[5]["error"]?["field"] == "events[5].clinet")
            #expect(results[6]["error"]?["field"] == "events[6].event")
            await client.close()
        }
    }

    @Test func anUnknownModelIsUnpricedThenPricedWhenAPriceArrives() async throws {
        try await withServer { server in
            let client = try await client(server)
            let answer = try await client.call("ingest.events", ["events": [Self.event("private-1", model: "acme-finetune-v3", input: 2_000, output: 1_000)]])
            let result = answer["results"]?[0]
            #expect(result?["cost"] == .null, "never $0")
            #expect(result?["flags"]?.arrayValue?.contains("unpriced") == true)
            let before = try await client.call("spend.query", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"])
            #expect(before["total"]?["unpriced"] == 1)
            #expect(before["total"]?["cost"] == "0")
            let unpriced = try await client.call("events.list", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "unpriced_only": true])
            #expect(unpriced["events"]?.arrayValue?.count == 1)

            // $1 per million input, $4 per million output.
            let set = try await client.call("prices.set", [
                "provider": "openai", "model": "acme-finetune-v3", "prices": ["input": 1_000_000, "output": 4_000_000],
            ])
            #expect(set["repriced_events"] == 1)
            let after = try await client.call("spend.query", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"])
            #expect(after["total"]?["unpriced"] == 0)
            #expect(after["total"]?["cost"] == "0.006")  // 2000 × 1e-6 + 1000 × 4e-6
            let none = try await client.call("events.list", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "unpriced_only": true])
            #expect(none["events"]?.arrayValue?.isEmpty == true)
            // The duplicate's answer now carries the price.
            let again = try await client.call("ingest.events", ["events": [Self.event("private-1", model: "acme-finetune-v3", input: 2_000, output: 1_000)]])
            #expect(again["results"]?[0]?["cost"] == "0.006")
            await client.close()
        }
    }

    @Test func providerUsageShapesAreMapped() async throws {
        try await withServer { server in
            let client = try await client(server)
            let events: JSONValue = [
                // OpenAI chat: prompt_tokens includes the 800 cached tokens.
                ["id": "oa", "ts": "2026-11-03T10:00:00Z", "provider": "openai", "model": "gpt-4o-mini",
                 "provider_usage": ["prompt_tokens": 1_000, "completion_tokens": 100, "total_tokens": 1_100,
                                    "prompt_tokens_details": ["cached_tokens": 800], "completion_tokens_details": ["reasoning_tokens": 0]]],
                // OpenRouter reports its own cost, which is what it bills.
                ["id": "or", "ts": "2026-11-03T10:00:00Z", "provider": "openrouter", "model": "openai/gpt-4o-mini",
                 "provider_usage": ["prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20, "cost": 0.0123]],
            ]
            let answer = try await client.call("ingest.events", ["events": events])
            #expect(answer["accepted"] == 2)
            // 200 uncached × 0.15 + 800 cached × 0.075 + 100 × 0.60 (per million) = 0.00003 + 0.00006 + 0.00006
            #expect(answer["results"]?[0]?["cost"] == "0.00015")
            #expect(answer["results"]?[1]?["cost"] == "0.0123")
            #expect(answer["results"]?[1]?["cost_basis"] == "reported")
            let listed = try await client.call("events.list", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"])
            let first = listed["events"]?[0]
            #expect(first?["usage"]?["input_tokens"] == 200)
            #expect(first?["usage"]?["cache_read_tokens"] == 800)
            await client.close()
        }
    }

    @Test func aSecretKeyIsNeverStored() async throws {
        try await withServer { server in
            let client = try await client(server)
            let secret = "sk-proj-" + String(repeating: "Ab3", count: 16)
            var event = Self.event("leak").objectValue!
            event["api_key"] = .string(secret)
            let answer = try await client.call("ingest.events", ["events": [.object(event)]])
            #expect(answer["results"]?[0]?["flags"]?.arrayValue?.contains("api_key_fingerprinted") == true)
            let listed = try await client.call("events.list", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "include_raw": true])
            #expect(!listed.jsonText.contains(secret))
            #expect(listed["events"]?[0]?["api_key"]?.stringValue?.hasPrefix("fp:") == true)
            await client.close()
        }
    }

    @Test func agenciesNeverSeeEachOthersSpend() async throws {
        try await withServer { server in
            let acme = try await client(server, agency: "acme-agency", role: .admin)
            let globex = try await client(server, agency: "globex-agency", role: .admin)
            _ = try await acme.call("ingest.events", ["events": [Self.event("shared-id", client: "c1")]])
            // The same event id in another agency is a different event, not a duplicate.
            let other = try await globex.call("ingest.events", ["events": [Self.event("shared-id", client: "c2")]])
            #expect(other["accepted"] == 1)
            let acmeSpend = try await acme.call("spend.query", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "group_by": ["client"]])
            #expect(acmeSpend["rows"]?.arrayValue?.map { $0["client"] } == ["c1"])
            let acmeEvents = try await acme.call("events.list", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "filter": ["client": "c2"]])
            #expect(acmeEvents["events"]?.arrayValue?.isEmpty == true)
            await acme.close()
            await globex.close()
        }
    }

    @Test func rolesGateIngestAndQueries() async throws {
        try await withServer { server in
            let reader = try await client(server, agency: "demo", role: .read)
            await #expect(throws: TallyClientError.self) { _ = try await reader.call("ingest.events", ["events": [Self.event("x")]]) }
            _ = try await reader.call("spend.query")
            let ingester = try await client(server, agency: "demo", role: .ingest)
            _ = try await ingester.call("ingest.events", ["events": [Self.event("x")]])
            await #expect(throws: TallyClientError.self) { _ = try await ingester.call("spend.query") }
            await #expect(throws: TallyClientError.self) { _ = try await ingester.call("prices.set", ["provider": "openai", "model": "m", "prices": ["input": 1]]) }
            await reader.close()
            await ingester.close()
        }
    }
}
