import Foundation
import NIOConcurrencyHelpers
import Testing
import TallyClient
import TallyCore
import TallyJSON
import TallyTestSupport

/// Clients, n8n executions and reports over the real server: a month for three clients
/// (cost-plus, a retainer under its allowance, a retainer over it), executions pulled from a fake
/// n8n on loopback, LLM events pushed over TCP, and every figure of both reports checked to the
/// cent in every format.
@Suite struct ReportTests {
    static func at(_ text: String) -> Timestamp { try! Timestamp(rfc3339: text) }

    /// An LLM event whose provider-reported cost is what the ledger counts.
    static func event(_ id: String, client: String?, usd: String?, at ts: String, model: String = "openai/gpt-4o-mini",
                      execution: String? = nil, workflow: (String, String)? = nil, outcomes: JSONValue? = nil) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "ts": .string(ts), "provider": "openrouter", "model": .string(model),
            "usage": ["input_tokens": 100, "output_tokens": 50],
        ]
        if let client { members["client"] = .string(client) }
        if let usd { members["cost"] = .string(usd) }
        if let execution {
            members["instance"] = "n8n-main"
            members["execution_id"] = .string(execution)
        }
        if let workflow { members["workflow"] = ["id": .string(workflow.0), "name": .string(workflow.1)] }
        if let outcomes { members["outcomes"] = outcomes }
        return .object(members)
    }

    /// One n8n execution as the public API lists it; `legacy` ones have numeric ids and no status (n8n 0.x).
    static func n8nExecution(_ id: String, workflow: String, started: String, status: String, retryOf: String? = nil, legacy: Bool = false) -> String {
        let stopped = started.replacingOccurrences(of: ":00:00Z", with: ":00:05Z")
        let idText = legacy ? id : "\"\(id)\""
        let statusText = legacy ? "\"finished\": \(status == "success")" : "\"status\": \"\(status)\", \"finished\": \(status == "success")"
        let retry = retryOf.map { legacy ? $0 : "\"\($0)\"" } ?? "null"
        return """
            {"id": \(idText), \(statusText), "mode": "trigger", "retryOf": \(retry), "retrySuccessId": null, \
            "startedAt": "\(started.replacingOccurrences(of: "Z", with: ".000Z"))", "stoppedAt": "\(stopped)", \
            "workflowId": "\(workflow)", "waitTill": null}
            """
    }

    /// A fake n8n serving `executions` (newest first) in pages of `pageSize` behind a `nextCursor`
    /// chain, to requests that carry the right API key.
    final class FakeN8n: Sendable {
        let receiver: TestReceiver
        private let executions: NIOLockedValueBox<[String]>

        init(executions: [String], pageSize: Int = 7, apiKey: String = "n8n-secret") async throws {
            let state = NIOLockedValueBox(executions)
            self.executions = state
            receiver = try await TestReceiver.start(route: { _, request in
                guard request.headers.first(name: "X-N8N-API-KEY") == apiKey else {
                    return .json(#"{"message": "unauthorized"}"#, status: 401)
                }
                guard request.uri.hasPrefix("/api/v1/executions") else { return .json(#"{"message": "not found"}"#, status: 404) }
                let query = URLComponents(string: request.uri)?.queryItems ?? []
                let start = Int(query.first { $0.name == "cursor" }?.value ?? "0") ?? 0
                let all = state.withLockedValue { $0 }
                let page = all.dropFirst(start).prefix(pageSize)
                let next = start + pageSize < all.count ? "\"\(start + pageSize)\"" : "null"
                return .json("{\"data\": [\(page.joined(separator: ", "))], \"nextCursor\": \(next)}")
            })
        }

        /// Replaces what n8n lists (new executions arrive, old ones are pruned).
        func serve(_ executions: [String]) { self.executions.withLockedValue { $0 = executions } }

        var baseURL: String { receiver.baseURL }
    }

    static let octoberExecutions: [String] = {
        var list: [String] = []
        // initech, newest first: three small days, one spike, one crash.
        list.append(n8nExecution("i-5", workflow: "wf-initech-leads", started: "2026-10-24T09:00:00Z", status: "crashed"))
        for (index, day) in ["23", "22", "21", "20"].enumerated() {
            list.append(n8nExecution("i-\(4 - index)", workflow: "wf-initech-leads", started: "2026-10-\(day)T09:00:00Z", status: "success"))
        }
        for index in (1...4).reversed() {
            list.append(n8nExecution("g-\(index)", workflow: "wf-globex-blog", started: "2026-10-10T1\(index):00:00Z", status: "success"))
        }
        // acme on an older n8n: numeric ids, no status; 110 retries the failed 109.
        list.append(n8nExecution("110", workflow: "wf-acme-support", started: "2026-10-03T19:00:00Z", status: "success", retryOf: "109", legacy: true))
        list.append(n8nExecution("109", workflow: "wf-acme-support", started: "2026-10-03T18:00:00Z", status: "error", legacy: true))
        for id in (101...108).reversed() {
            list.append(n8nExecution("\(id)", workflow: "wf-acme-support", started: "2026-10-03T1\(id - 101):00:00Z", status: "success", legacy: true))
        }
        return list
    }()

    static func octoberEvents(now: Timestamp) -> [JSONValue] {
        var events: [JSONValue] = []
        let acmeFlow = ("wf-acme-support", "ACME support triage")
        for id in 101...108 {
            events.append(event("acme-\(id)", client: "acme", usd: "1.25", at: "2026-10-03T1\(id - 101):00:01Z", execution: "\(id)", workflow: acmeFlow))
        }
        events.append(event("acme-109", client: "acme", usd: "0.75", at: "2026-10-03T18:00:01Z", execution: "109", workflow: acmeFlow))
        events.append(event("acme-110", client: "acme", usd: "1.30", at: "2026-10-03T19:00:01Z", model: "anthropic/claude-3.5-sonnet",
                            execution: "110", workflow: acmeFlow))
        events.append(event("acme-adhoc", client: "acme", usd: "0.004", at: "2026-10-04T08:00:00Z", workflow: ("wf-acme-adhoc", "ACME ad hoc")))
        for index in 1...4 {
            for half in 1...2 {
                events.append(event("globex-\(index)-\(half)", client: "globex", usd: "18.78125", at: "2026-10-10T1\(index):00:0\(half)Z",
                                    execution: "g-\(index)", workflow: ("wf-globex-blog", "Globex blog drafts"), outcomes: ["articles": 1]))
            }
        }
        let initechFlow = ("wf-initech-leads", "Initech lead scoring")
        for (index, day) in ["20", "21", "22"].enumerated() {
            events.append(event("initech-\(index + 1)", client: "initech", usd: "10.00", at: "2026-10-\(day)T09:00:01Z", execution: "i-\(index + 1)", workflow: initechFlow))
        }
        events.append(event("initech-4", client: "initech", usd: "130.40", at: "2026-10-23T09:00:01Z", execution: "i-4", workflow: initechFlow))
        events.append(event("initech-5", client: "initech", usd: "20.00", at: "2026-10-24T09:00:01Z", execution: "i-5", workflow: initechFlow))
        events.append(event("stray", client: nil, usd: "2.50", at: "2026-10-05T12:00:00Z"))
        events.append(.object([
            "id": "mystery", "ts": "2026-10-06T12:00:00Z", "provider": "openai", "model": "gpt-unknown-9000", "client": "acme",
            "usage": ["input_tokens": 100, "output_tokens": 50],
        ]))
        // September, for the comparison; November (now), for the budget near its limit.
        events.append(event("acme-september", client: "acme", usd: "6.00", at: "2026-09-15T12:00:00Z"))
        events.append(event("acme-now", client: "acme", usd: "9.00", at: now.rfc3339))
        return events
    }

    /// Sets up the month: clients, the n8n instance and its executions, the events and a budget.
    static func seed(_ client: TallyClient, n8n: FakeN8n, keyFile: String) async throws {
        _ = try await client.call("clients.upsert", [
            "id": "acme", "name": "ACME Corp", "contact": "ops@acme.example", "minutes_per_task": 5,
            "workflows": ["wf-acme-support": ["minutes_per_task": 6, "outcome_label": "tickets routed"]],
            "plan": ["type": "cost_plus", "markup_percent": "20"],
        ])
        _ = try await client.call("clients.upsert", [
            "id": "globex", "name": "Globex", "minutes_per_task": 30,
            "workflows": ["wf-globex-blog": ["outcome_label": "articles drafted"]],
            "plan": ["type": "retainer", "fee": "500", "included": "200", "overage_markup_percent": "10"],
        ])
        _ = try await client.call("clients.upsert", [
            "id": "initech", "name": "Initech", "minutes_per_task": 10,
            "plan": ["type": "retainer", "fee": "300", "included": "100", "overage_markup_percent": "15"],
        ])
        let ingest = try await client.call("ingest.events", ["events": .array(octoberEvents(now: .now))])
        #expect(ingest["accepted"] == 28, "\(ingest.jsonText)")
        _ = try await client.call("budgets.set", ["id": "acme-monthly", "client": "acme", "amount": "10", "period": "month"])
        _ = try await client.call("n8n.register", ["id": "n8n-main", "base_url": .string(n8n.baseURL), "api_key_file": .string(keyFile), "interval_seconds": 3600])
        // Registering starts polling at once: 19 executions in three pages of seven.
        let state = try await waitForPoll(client)
        #expect(state["last_error"] == .null)
        #expect(state["executions_seen"] == 19)
        #expect(n8n.receiver.requests.map { URLComponents(string: $0.uri)?.queryItems?.first { $0.name == "cursor" }?.value } == [nil, "7", "14"])
        // The next poll stops at the watermark: the first page already reaches it.
        let poll = try await client.call("n8n.poll", ["id": "n8n-main"])["poll"]
        #expect(poll?["pages"] == 1, "\(poll?.jsonText ?? "")")
        #expect(poll?["inserted"] == 0)
        #expect(poll?["unchanged"] == 7)
    }

    /// Waits until the instance's first poll has finished (or failed), and returns its state.
    static func waitForPoll(_ client: TallyClient, instance: String = "n8n-main") async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let instances = try await client.call("n8n.list", [:])["instances"]?.arrayValue ?? []
            let state = instances.first { $0["id"]?.stringValue == instance }?["state"] ?? .null
            if state["last_poll_at"] != .null && state["last_poll_at"] != nil || ContinuousClock.now > deadline { return state }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func keyFile(_ key: String = "n8n-secret") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("n8n-key-\(UUID().uuidString)").path
        try (key + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aMonthOfThreeClientsReportsEveryFigureToTheCentInEveryFormat() async throws {
        let n8n = try await FakeN8n(executions: Self.octoberExecutions)
        defer { Task { try? await n8n.receiver.stop() } }
        try await withServer { server in
            let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
            try await Self.seed(client, n8n: n8n, keyFile: try Self.keyFile())
            #expect(n8n.receiver.requests.allSatisfy { $0.uri.contains("includeData=false") })

            // acme: cost plus 20 %. 12.054 of cost; billed 14.4648.
            let acme = try await client.call("reports.client", ["client": "acme", "period": "2026-10"])
            #expect(acme["llm_cost"] == "12.05")
            #expect(acme["billed"] == "14.46")
            #expect(acme["margin"] == "2.41")
            #expect(acme["margin_percent"] == "16.67")
            #expect(acme["tasks"] == 9, "nine successful executions (the retry included), no outcomes reported")
            #expect(acme["hours_saved"] == "0.90", "9 tasks × 6 minutes")
            #expect(acme["cost_per_task"] == "1.3393")
            #expect(acme["events"] == 12)
            #expect(acme["unpriced_events"] == 1)
            #expect(acme["executions"] == [
                "total": 10, "succeeded": 9, "failed": 1, "other": 0, "retries": 1, "success_rate": "0.9000", "failure_rate": "0.1000",
                "cost_of_failed": "0.75", "cost_of_retries": "1.30", "cost_per_successful_execution": "1.2556",
            ])
            #expect(acme["model_mix"] == [
                ["provider": "openrouter", "model": "openai/gpt-4o-mini", "llm_cost": "10.75", "events": 10, "share_percent": "89.22"],
                ["provider": "openrouter", "model": "anthropic/claude-3.5-sonnet", "llm_cost": "1.30", "events": 1, "share_percent": "10.78"],
                ["provider": "openai", "model": "gpt-unknown-9000", "llm_cost": "0.00", "events": 1, "share_percent": "0.00"],
            ])
            #expect(acme["top_by_value"] == [[
                "workflow": "wf-acme-support", "name": "ACME support triage", "outcome_label": "tickets routed", "tasks": 9,
                "tasks_from": "successful_executions", "hours_saved": "0.90", "llm_cost": "12.05", "cost_per_task": "1.3389",
            ]])
            #expect(acme["top_by_cost"]?.arrayValue?.compactMap { $0["workflow"]?.stringValue } == ["wf-acme-support", "wf-acme-adhoc"])
            #expect(acme["previous"] == ["llm_cost": "6.00", "billed": "7.20", "margin": "1.20", "tasks": 0, "hours_saved": "0.00"])
            #expect(acme["change_percent"] == ["llm_cost": "+100.8", "billed": "+100.8", "tasks": nil, "hours_saved": nil])

            // globex: a retainer under its allowance bills the fee; tasks are the outcomes reported.
            let globex = try await client.call("reports.client", ["client": "globex", "period": "2026-10"])
            #expect(globex["llm_cost"] == "150.25")
            #expect(globex["billed"] == "500.00")
            #expect(globex["margin"] == "349.75")
            #expect(globex["margin_percent"] == "69.95")
            #expect(globex["tasks"] == 8, "eight articles reported as outcomes (four executions)")
            #expect(globex["hours_saved"] == "4.00")
            #expect(globex["cost_per_task"] == "18.7812", "18.78125 rounds half-even")
            #expect(globex["billing"]?["overage"] == "0.00")
            #expect(globex["billing"]?["overage_billed"] == "0.00")
            #expect(globex["workflows"]?[0]?["outcome_label"] == "articles drafted")
            #expect(globex["workflows"]?[0]?["tasks_from"] == "outcomes")

            // initech: a retainer over its allowance bills the overage with its markup.
            let initech = try await client.call("reports.client", ["client": "initech", "period": "2026-10"])
            #expect(initech["llm_cost"] == "180.40")
            #expect(initech["billed"] == "392.46", "300 + 80.40 × 1.15")
            #expect(initech["margin"] == "212.06")
            #expect(initech["margin_percent"] == "54.03")
            #expect(initech["billing"]?["overage"] == "80.40")
            #expect(initech["billing"]?["overage_billed"] == "92.46")
            #expect(initech["tasks"] == 4)
            #expect(initech["hours_saved"] == "0.67")
            #expect(initech["executions"]?["cost_of_failed"] == "20.00")
            #expect(initech["executions"]?["cost_per_successful_execution"] == "40.1000")

            let agency = try await client.call("reports.agency", ["period": "2026-10"])
            #expect(agency["spend"]?["llm_cost"] == "345.20")
            #expect(agency["spend"]?["events"] == 26)
            #expect(agency["executions"]?["total"] == 19)
            #expect(agency["executions"]?["succeeded"] == 17)
            #expect(agency["executions"]?["failed"] == 2)
            #expect(agency["executions"]?["success_rate"] == "0.8947")
            #expect(agency["executions"]?["failure_rate"] == "0.1053")
            #expect(agency["failure_hotspots"] == [
                ["client": "initech", "workflow": "wf-initech-leads", "workflow_name": "Initech lead scoring", "failed": 1, "total": 5, "failure_rate": "0.2000"],
                ["client": "acme", "workflow": "wf-acme-support", "workflow_name": "ACME support triage", "failed": 1, "total": 10, "failure_rate": "0.1000"],
            ])
            #expect(agency["spend"]?["by_provider"] == [
                ["provider": "openrouter", "llm_cost": "345.20", "events": 25], ["provider": "openai", "llm_cost": "0.00", "events": 1],
            ])
            #expect(agency["spend"]?["by_client"] == [
                ["client": "initech", "llm_cost": "180.40", "events": 5], ["client": "globex", "llm_cost": "150.25", "events": 8],
                ["client": "acme", "llm_cost": "12.05", "events": 12], ["client": "unattributed", "llm_cost": "2.50", "events": 1],
            ])
            #expect(agency["unattributed"] == ["llm_cost": "2.50", "events": 1])
            #expect(agency["unpriced"] == ["events": 1, "models": [["model": "openai/gpt-unknown-9000", "events": 1]]])
            #expect(agency["spikes"] == [["client": "initech", "day": "2026-10-23", "llm_cost": "130.40", "daily_mean": "36.08", "multiple": "3.6"]])
            #expect(agency["budgets_near_limit"]?.arrayValue?.count == 1)
            #expect(agency["budgets_near_limit"]?[0]?["id"] == "acme-monthly")
            #expect(agency["budgets_near_limit"]?[0]?["spent"] == "9.00")
            #expect(agency["budgets_near_limit"]?[0]?["percent"] == "90.00")
            #expect(agency["previous"] == ["llm_cost": "6.00", "executions": 0])
            #expect(agency["change_percent"] == ["llm_cost": "+5653.3"])

            // The same figures in CSV, Markdown and HTML.
            let acmeFacts = [("Tasks automated", "9"), ("Hours saved", "0.90"), ("LLM cost", "$12.05"), ("Cost per task", "$1.3393"),
                             ("Billed", "$14.46"), ("Margin", "$2.41"), ("Margin %", "16.67%")]
            let initechFacts = [("Retainer fee", "$300.00"), ("Included LLM usage", "$100.00"), ("Overage", "$80.40"),
                                ("Overage billed", "$92.46"), ("Billed", "$392.46")]
            let agencyFacts = [("LLM cost", "$345.20"), ("Executions", "19"), ("Success rate", "89.47%"), ("Failure rate", "10.53%"),
                               ("Unattributed spend", "$2.50"), ("Unpriced events", "1")]
            for (method, params, facts, rows) in [
                ("reports.client", ["client": "acme", "period": "2026-10"] as [String: JSONValue], acmeFacts,
                 [["ACME support triage", "tickets routed", "9", "0.90", "12.05", "1.3389"], ["openai/gpt-4o-mini", "openrouter", "10", "10.75", "89.22"]]),
                ("reports.client", ["client": "initech", "period": "2026-10"], initechFacts, [["Initech lead scoring", "tasks", "4", "0.67", "180.40", "45.1000"]]),
                ("reports.agency", ["period": "2026-10"], agencyFacts,
                 [["Initech lead scoring", "initech", "1", "5", "20.00%"], ["initech", "2026-10-23", "130.40", "36.08", "3.6"]]),
            ] {
                for format in ["csv", "markdown", "html"] {
                    var formatParams = params
                    formatParams["format"] = .string(format)
                    let answer = try await client.call(method, formatParams)
                    #expect(answer["format"] == .string(format))
                    let text = answer["content"]?.stringValue ?? ""
                    for (label, value) in facts {
                        let line: String = switch format {
                        case "csv": "\(label),\(value)"
                        case "markdown": "- **\(label)**: \(value)"
                        default: "<dt>\(label)</dt><dd>\(value)</dd>"
                        }
                        #expect(text.contains(line), "\(method) \(format): \(line)")
                    }
                    for row in rows {
                        let line: String = switch format {
                        case "csv": row.joined(separator: ",")
                        case "markdown": "| " + row.joined(separator: " | ") + " |"
                        default: "<th scope=\"row\">\(row[0])</th>" + row.dropFirst().map { "<td>\($0)</td>" }.joined()
                        }
                        #expect(text.contains(line), "\(method) \(format): \(line)")
                    }
                    if format == "html" {
                        #expect(text.hasPrefix("<!doctype html>"))
                        #expect(text.contains("<svg role=\"img\""), "inline SVG charts")
                        #expect(!text.contains("<script") && !text.contains("src=") && !text.contains("href="), "self-contained: no scripts, nothing loaded")
                    }
                }
            }
            await client.close()
        }
    }
}
