import Foundation
import Testing
import TallyClient
import TallyCore
import TallyJSON
import TallyTestSupport

/// Provider reconciliation and the key audit over the real server: events over TCP, a fake
/// OpenAI admin API on loopback, `reconcile.*` and `keys.*`.
@Suite struct ReconcileTests {
    /// October 2026, UTC.
    static let days = (1...31).map { try! UTCDate.parse("2026-10-\($0 < 10 ? "0" : "")\($0)") }
    /// A day without any usage (the provider answers an empty bucket).
    static let quietDay = 5

    /// An event whose cost is the one given: the model has no catalog price, so the caller's
    /// reported cost is what the ledger counts (exact figures for the planted causes).
    static func event(_ id: String, at: String, key: String?, client: String, usd: String) -> JSONValue {
        var event: [String: JSONValue] = [
            "id": .string(id), "ts": .string(at), "provider": "openai", "model": "acme-support-tuned", "client": .string(client),
            "usage": ["input_tokens": 100, "output_tokens": 20], "cost": .string(usd),
        ]
        if let key { event["api_key"] = .string(key) }
        return .object(event)
    }

    /// The month of events: every day but the quiet one, key_support (acme) spends 2.50 at 12:00
    /// and key_batch (globex) 1.25 at 09:00; on the 14th an extra 0.75 on key_support at 22:00.
    static func ingestMonth(_ client: TallyClient) async throws {
        for (index, day) in days.enumerated() where index + 1 != quietDay {
            var events: [JSONValue] = [
                event("s-\(day)", at: "\(day)T12:00:00Z", key: "key_support", client: "acme", usd: "2.50"),
                event("b-\(day)", at: "\(day)T09:00:00Z", key: "key_batch", client: "globex", usd: "1.25"),
            ]
            if index + 1 == 14 {
                // Sent with the provider spelled another way: reconciliation compares canonical names.
                var late = event("late-evening", at: "\(day)T22:00:00Z", key: "key_support", client: "acme", usd: "0.75")
                if case .object(var members) = late { members["provider"] = "OpenAI"; late = .object(members) }
                events.append(late)
            }
            let result = try await client.call("ingest.events", ["events": .array(events)])
            #expect(result["results"]?.arrayValue?.allSatisfy { $0["status"]?.stringValue == "accepted" } == true)
        }
    }

    static func result(_ day: UTCDate, key: String?, usd: String, item: String = "gpt-4o-mini-2024-07-18, input", project: String? = "proj_ops") -> String {
        let keyText = key.map { "\"\($0)\"" } ?? "null"
        let projectText = project.map { "\"\($0)\"" } ?? "null"
        return #"{"object":"organization.costs.result","amount":{"value":\#(usd),"currency":"usd"},"line_item":"\#(item)","project_id":\#(projectText),"api_key_id":\#(keyText),"quantity":null,"quantity_unit":null}"#
    }

    /// What the fake OpenAI bills: the same as the ledger, but for three planted causes. Its day
    /// boundary sits a few hours off, so the 0.75 used at 22:00 on the 14th is billed on the 15th;
    /// a rogue key spends 3.40 on the 20th and 1.10 on the 21st; a 25.00 credit on the 25th.
    static func bucket(_ index: Int) -> String {
        let day = days[index]
        var results: [String] = []
        if index + 1 != quietDay {
            let support = index + 1 == 15 ? "3.25" : "2.5"
            results.append(result(day, key: "key_support", usd: support))
            results.append(result(day, key: "key_batch", usd: "1.25", item: "gpt-4o-mini-2024-07-18, output", project: nil))
        }
        if index + 1 == 20 { results.append(result(day, key: "key_rogue", usd: "3.4")) }
        if index + 1 == 21 { results.append(result(day, key: "key_rogue", usd: "1.1")) }
        if index + 1 == 25 { results.append(result(day, key: nil, usd: "-25", item: "Credit", project: nil)) }
        let start = day.start.secondsSinceEpoch
        return #"{"object":"bucket","start_time":\#(start),"end_time":\#(start + 86_400),"results":[\#(results.joined(separator: ","))]}"#
    }

    /// The fake OpenAI admin API: cost pages of 7 days with cursors, and a usage page naming keys.
    static func fakeOpenAI() async throws -> TestReceiver {
        try await TestReceiver.start(route: { _, request in
            guard request.headers["Authorization"].first == "Bearer sk-admin-fake" else { return .json(#"{"error":"bad key"}"#, status: 401) }
            if request.uri.hasPrefix("/v1/organization/costs") {
                var page = 0
                if let range = request.uri.range(of: "page=p") { page = Int(request.uri[range.upperBound...].prefix { $0.isNumber }) ?? 0 }
                let indices = (page * 7)..<min(31, page * 7 + 7)
                let more = indices.upperBound < 31
                return .json(#"{"object":"page","data":[\#(indices.map(bucket).joined(separator: ","))],"has_more":\#(more),"next_page":\#(more ? "\"p\(page + 1)\"" : "null")}"#)
            }
            if request.uri.hasPrefix("/v1/organization/usage/completions") {
                let start = days[19].start.secondsSinceEpoch
                return .json(#"{"object":"page","data":[{"object":"bucket","start_time":\#(start),"end_time":\#(start + 86400),"results":[{"object":"organization.usage.completions.result","input_tokens":900,"output_tokens":100,"num_model_requests":4,"project_id":"proj_ops","api_key_id":"key_rogue"},{"object":"organization.usage.completions.result","input_tokens":10,"output_tokens":1,"num_model_requests":1,"project_id":null,"api_key_id":null}]}],"has_more":false,"next_page":null}"#)
            }
            return .json(#"{"error":"not found"}"#, status: 404)
        })
    }

    static func keyFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-openai-admin-\(UUID().uuidString)").path
        try "sk-admin-fake\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func usd(_ text: String) -> Money { try! Money.parse(text) }
    static func money(_ value: JSONValue?) -> Money? { value?.stringValue.flatMap { try? Money.parse($0) } }

    @Test func aMonthOfEventsAgainstAMonthOfProviderCostsNamesExactlyThePlantedCauses() async throws {
        let server = try await TestServer.start()
        let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
        let provider = try await Self.fakeOpenAI()
        for (key, owner) in [("key_support", "acme"), ("key_batch", "globex")] {
            _ = try await client.call("keys.register", ["provider": "openai", "key_id": .string(key), "client": .string(owner), "purpose": "n8n", "created_at": "2026-09-15"])
        }
        try await Self.ingestMonth(client)
        let ledgerBefore = try await client.call("spend.query", ["from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"])

        _ = try await client.call("reconcile.connectors.set", [
            "provider": "openai", "base_url": .string(provider.baseURL), "admin_key_file": .string(try Self.keyFile()), "interval_seconds": 3600,
        ])
        let listed = try await client.call("reconcile.connectors.list")
        #expect(listed["connectors"]?[0]?["base_url"]?.stringValue == provider.baseURL)
        #expect(!listed.jsonText.contains("sk-admin-fake"))
        let pulled = try await client.call("reconcile.pull", ["provider": "openai", "from": "2026-10-01", "to": "2026-10-31"])
        #expect(pulled["costs"] == .integer(30 * 2 + 2 + 1))
        #expect(provider.requests.filter { $0.uri.hasPrefix("/v1/organization/costs") }.count == 5)
        // Pulling again replaces the same days: nothing is counted twice.
        _ = try await client.call("reconcile.pull", ["provider": "openai", "from": "2026-10-01", "to": "2026-10-31"])

        let report = try await client.call("reconcile.run", ["provider": "openai", "from": "2026-10-01", "to": "2026-10-31", "tolerance": "0.01"])
        let findings = report["findings"]?.arrayValue ?? []
        #expect(findings.count == 3)
        let byReason = Dictionary(findings.map { ($0["reason"]?.stringValue ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        #expect(Set(byReason.keys) == ["untracked_key", "credit", "timezone_shift"])
        #expect(Self.money(byReason["untracked_key"]?["amount"]) == Self.usd("4.5"))
        #expect(byReason["untracked_key"]?["api_key"]?.stringValue == "key_rogue")
        #expect(byReason["untracked_key"]?["days"] == ["2026-10-20", "2026-10-21"])
        #expect(Self.money(byReason["credit"]?["amount"]) == Self.usd("-25"))
        #expect(byReason["credit"]?["days"] == ["2026-10-25"])
        #expect(Self.money(byReason["timezone_shift"]?["amount"]) == Self.usd("0.75"))
        #expect(byReason["timezone_shift"]?["days"] == ["2026-10-14", "2026-10-15"])
        #expect(byReason["timezone_shift"]?["api_key"]?.stringValue == "key_support")

        let totals = report["totals"]
        // Ledger: 30 days × 3.75 + 0.75; billed: the same + 4.50 rogue − 25 credit.
        #expect(Self.money(totals?["tracked"]) == Self.usd("113.25"))
        #expect(Self.money(totals?["billed"]) == Self.usd("92.75"))
        #expect(Self.money(totals?["difference"]) == Self.usd("-20.5"))
        #expect(Self.money(totals?["unexplained"]) == .zero)
        let mismatching = (report["days"]?.arrayValue ?? []).filter { $0["verdict"]?.stringValue == "mismatch" }.compactMap { $0["day"]?.stringValue }
        #expect(mismatching == ["2026-10-14", "2026-10-15", "2026-10-20", "2026-10-21", "2026-10-25"])
        #expect(report["days"]?.arrayValue?.count == 31)

        // The other formats carry the same findings.
        let markdown = try await client.call("reconcile.run", ["provider": "openai", "from": "2026-10-01", "to": "2026-10-31", "format": "markdown"])
        #expect(markdown["content"]?.stringValue?.contains("| untracked\\_key | openai | 2026-10-20 2026-10-21 | key\\_rogue | 4.5 |") == true)
        let csv = try await client.call("reconcile.run", ["provider": "openai", "from": "2026-10-01", "to": "2026-10-31", "format": "csv"])
        #expect(csv["content"]?.stringValue?.contains("2026-10-25,openai,,0,-25,-25,0,0,credit") == true)
        let html = try await client.call("reconcile.run", ["provider": "openai", "from": "2026-10-01", "to": "2026-10-31", "format": "html"])
        #expect(html["content"]?.stringValue?.hasPrefix("<!doctype html>") == true)
        #expect(html["content"]?.stringValue?.contains("timezone_shift") == true)

        // Provider data never became spend.
        let ledgerAfter = try await client.call("spend.query", ["from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"])
        #expect(ledgerAfter["total"] == ledgerBefore["total"])

        // The pull revealed the rogue key: the built-in alert fired once, through the alerts store.
        let alerts = try await client.call("alerts.list", ["limit": 100])["alerts"]?.arrayValue ?? []
        let untracked = alerts.filter { $0["key"]?.stringValue == "untracked_key:key_rogue" }
        #expect(untracked.count == 1)
        #expect(untracked.first?["level"]?.stringValue == "warning")
        #expect(untracked.first?["message"]?.stringValue?.contains("key_rogue") == true)

        await server.stop()
        try await provider.stop()
    }

    @Test func keysAuditFindsEachPlantedKeyProblemAndNoOther() async throws {
        let server = try await TestServer.start()
        let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
        // Registered: key_support (created 2026-07-01: due for rotation on 2026-11-01), key_batch
        // (fine, but used for two clients), key_spare (registered 2026-09-01, never used).
        for (key, owner, created) in [("key_support", "acme", "2026-07-01"), ("key_batch", "globex", "2026-09-20"), ("key_spare", "acme", "2026-09-01")] {
            let answer = try await client.call("keys.register", ["provider": "openai", "key_id": .string(key), "client": .string(owner), "created_at": .string(created)])
            #expect(answer["created"]?.boolValue == true)
        }
        var events: [JSONValue] = []
        for day in 20...31 {
            events.append(Self.event("s\(day)", at: "2026-10-\(day)T12:00:00Z", key: "key_support", client: "acme", usd: "1"))
            events.append(Self.event("b\(day)", at: "2026-10-\(day)T12:00:00Z", key: "key_batch", client: day.isMultiple(of: 2) ? "globex" : "initech", usd: "1"))
        }
        events.append(Self.event("shadow", at: "2026-10-30T08:00:00Z", key: "key_shadow", client: "acme", usd: "1"))
        for n in 0..<3 { events.append(Self.event("bare\(n)", at: "2026-10-29T08:00:00Z", key: nil, client: "acme", usd: "1")) }
        _ = try await client.call("ingest.events", ["events": .array(events)])
        // Provider data shows one more key nobody registered.
        _ = try await client.call("reconcile.import", ["content": "date,provider,project,api_key,amount\n2026-10-28,openai,proj_x,key_rogue,2.00\n"])

        let audit = try await client.call("keys.audit", ["as_of": "2026-11-01"])
        let problems = (audit["problems"]?.arrayValue ?? []).map { "\($0["problem"]?.stringValue ?? "?") \($0["key_id"]?.stringValue ?? "-")" }.sorted()
        #expect(problems == [
            "events_without_key -", "rogue_key key_rogue", "rogue_key key_shadow", "rotation_due key_support", "shared_key key_batch", "unused_key key_spare",
        ])
        let withoutKey = audit["problems"]?.arrayValue?.first { $0["problem"]?.stringValue == "events_without_key" }
        #expect(withoutKey?["count"]?.int64Value == 3)

        // The event naming key_shadow raised the built-in alert (off the ingest path, so wait for it);
        // the registered keys raised none.
        var untracked: [String] = []
        let deadline = ContinuousClock.now + .seconds(20)
        repeat {
            let alerts = try await client.call("alerts.list", ["limit": 100])["alerts"]?.arrayValue ?? []
            untracked = alerts.compactMap { $0["key"]?.stringValue }.filter { $0.hasPrefix("untracked_key:") }.sorted()
            if untracked.count >= 2 { break }
            try await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now < deadline
        #expect(untracked == ["untracked_key:key_rogue", "untracked_key:key_shadow"])

        let keys = try await client.call("keys.list")
        #expect(keys["keys"]?.arrayValue?.map { $0["key_id"]?.stringValue ?? "" } == ["key_batch", "key_spare", "key_support"])
        await server.stop()
    }

    @Test func badInputIsRefusedNamingWhatIsWrong() async throws {
        let server = try await TestServer.start()
        let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
        func failure(_ method: String, _ params: [String: JSONValue]) async -> (String, JSONValue?) {
            do {
                _ = try await client.call(method, params)
                return ("no error", nil)
            } catch let TallyClientError.rpc(_, message, _, _, data) {
                return (message, data)
            } catch {
                return ("\(error)", nil)
            }
        }
        var (message, data) = await failure("keys.register", ["provider": "openai", "key_id": "sk-proj-0123456789abcdefghijklmnop", "created_at": "2026-10-01"])
        #expect(data?["field"]?.stringValue == "key_id")
        #expect(message.contains("secret"))
        (message, data) = await failure("reconcile.run", ["provider": "mystery", "from": "2026-10-01", "to": "2026-10-31"])
        #expect(data?["field"]?.stringValue == "provider")
        #expect(message.contains("mystery"))
        (message, data) = await failure("reconcile.run", ["from": "2026-10-31", "to": "2026-10-01"])
        #expect(data?["field"]?.stringValue == "from")
        (message, data) = await failure("reconcile.import", ["content": "date,provider,project,api_key,amount\n2026-10-01,openai,p,k,1\n2026-10-02,openai,p,k,one\n"])
        #expect(message.contains("line 3, column amount"))
        (message, _) = await failure("reconcile.import", ["content": #"{"object":"page","data":[{"start_time":1790812800,"results":[{"amount":{"value":1,"currency":"eur"}}]}]}"#])
        #expect(message.contains("data[0].results[0].amount.currency"))
        (message, data) = await failure("reconcile.connectors.set", ["provider": "openai", "admin_key_env": "sk-admin-0123456789abcdefghijklmnop"])
        #expect(data?["field"]?.stringValue == "admin_key_env")
        _ = try await client.call("reconcile.connectors.set", ["provider": "anthropic", "base_url": "http://127.0.0.1:9", "admin_key_env": "TALLY_TEST_UNSET_ANTHROPIC_ADMIN_KEY"])
        (message, data) = await failure("reconcile.pull", ["provider": "anthropic", "from": "2026-10-01", "to": "2026-10-02"])
        #expect(message.contains("TALLY_TEST_UNSET_ANTHROPIC_ADMIN_KEY"))
        #expect(data?["variable"]?.stringValue == "TALLY_TEST_UNSET_ANTHROPIC_ADMIN_KEY")
        (message, _) = await failure("reconcile.pull", ["provider": "openrouter"])
        #expect(message.contains("no connector"))
        // A provider without a connector is known once its data was imported.
        _ = try await client.call("reconcile.import", ["content": "date,provider,amount\n2026-10-01,Gemini,3.5\n"])
        let google = try await client.call("reconcile.run", ["provider": "google", "from": "2026-10-01", "to": "2026-10-01"])
        #expect(google["totals"]?["billed"] == "3.5")
        #expect(google["findings"]?[0]?["reason"] == "late_events")
        // A read token may not reconcile.
        let reader = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: try server.token(agency: "demo", role: .read))
        await #expect(throws: TallyClientError.self) { _ = try await reader.call("keys.list") }
        await server.stop()
    }
}
