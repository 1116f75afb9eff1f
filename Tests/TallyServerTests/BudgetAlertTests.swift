import Foundation
import NIOConcurrencyHelpers
import Testing
import TallyClient
import TallyCore
import TallyJSON
import TallyRPC
import TallyWebhooks
import TallyTestSupport

/// Budgets and alerts over the real server: the agency guide's scenario, restarts, periods, and
/// the pre-flight check.
@Suite struct BudgetAlertTests {
    /// An event of `usd` dollars for a client: OpenRouter's reported cost is what the ledger counts.
    static func event(_ id: String, client: String, usd: String, at: Timestamp) -> JSONValue {
        .object([
            "id": .string(id), "ts": .string(at.rfc3339), "provider": "openrouter", "model": "openai/gpt-4o-mini",
            "client": .string(client), "usage": ["input_tokens": 10, "output_tokens": 10], "cost": .string(usd),
        ])
    }

    static func startOfMonth(_ instant: Timestamp, plusMonths months: Int = 0) -> Timestamp {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = Date(timeIntervalSince1970: Double(instant.secondsSinceEpoch))
        let start = calendar.date(byAdding: .month, value: months, to: calendar.date(from: calendar.dateComponents([.year, .month], from: date))!)!
        return Timestamp(secondsSinceEpoch: Int64(start.timeIntervalSince1970))
    }

    /// Polls `alerts.list` until `keys` have fired (any order) or the time is up.
    static func waitForAlerts(_ client: TallyClient, count: Int, timeout: Duration = .seconds(20)) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let alerts = try await client.call("alerts.list", ["client": "innovate-corp", "limit": 1000])["alerts"]?.arrayValue ?? []
            if alerts.count >= count || ContinuousClock.now > deadline { return alerts }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func keys(_ alerts: [JSONValue]) -> [String] {
        alerts.compactMap { alert in
            guard let key = alert["key"]?.stringValue, let period = alert["period"]?.stringValue else { return nil }
            return "\(period) \(key)"
        }.sorted()
    }

    @Test func innovateCorpsMonthlyBudgetAlertsOncePerThresholdAcrossARestartAndStartsFreshNextMonth() async throws {
        var server = try await TestServer.start()
        var client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
        let pushed = NIOLockedValueBox<[JSONValue]>([])
        let subscriber = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
        _ = try await subscriber.call("alerts.subscribe", [:])
        let listening = Task {
            for await notification in subscriber.notifications where notification.method == "alerts.fired" {
                pushed.withLockedValue { $0.append(notification.params["alert"] ?? .null) }
            }
        }

        _ = try await client.call("budgets.set", [
            "id": "innovate", "client": "innovate-corp", "amount": "1000", "period": "month", "thresholds": [0.5, 0.75, 0.9],
        ])
        // The agency's webhook receiver is down for its first two requests (503), then up.
        let receiver = try await TestReceiver.start { index in index < 2 ? (503, "down for maintenance") : (200, "ok") }
        let webhook = try await client.call("webhooks.set", ["id": "ops", "url": .string(receiver.url)])
        let secret = try #require(webhook["secret"]?.stringValue)
        let now = Timestamp.now
        let monthStart = Self.startOfMonth(now)
        let thisMonth = monthStart.advanced(byMicroseconds: max(0, (now.microsecondsSinceEpoch - monthStart.microsecondsSinceEpoch) / 2))
        let period = monthStart.rfc3339.prefix(10)

        // $490: nothing yet.
        _ = try await client.call("ingest.events", ["events": .array((0..<49).map { Self.event("a\($0)", client: "innovate-corp", usd: "10", at: thisMonth) })])
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await Self.waitForAlerts(client, count: 1, timeout: .milliseconds(200)).isEmpty)

        // Past $500: the 50% alert, once, even when more spend arrives below the next threshold.
        _ = try await client.call("ingest.events", ["events": [Self.event("a49", client: "innovate-corp", usd: "15", at: thisMonth)]])
        _ = try await client.call("ingest.events", ["events": [Self.event("a50", client: "innovate-corp", usd: "5", at: thisMonth)]])
        var alerts = try await Self.waitForAlerts(client, count: 1)
        #expect(Self.keys(alerts) == ["\(period) threshold:50%"])

        // Past $750, then a restart, then the same events again (duplicates) and past $900.
        _ = try await client.call("ingest.events", ["events": [Self.event("b0", client: "innovate-corp", usd: "250", at: thisMonth)]])
        alerts = try await Self.waitForAlerts(client, count: 2)
        #expect(Self.keys(alerts) == ["\(period) threshold:50%", "\(period) threshold:75%"])

        await client.close()
        server = try await server.restarted()
        client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
        let again = try await client.call("ingest.events", ["events": [Self.event("b0", client: "innovate-corp", usd: "250", at: thisMonth)]])
        #expect(again["results"]?[0]?["status"] == "duplicate")
        _ = try await client.call("ingest.events", ["events": [Self.event("c0", client: "innovate-corp", usd: "10", at: thisMonth)]])
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await Self.waitForAlerts(client, count: 3, timeout: .milliseconds(300)).count == 2, "nothing fires twice after a restart")
        _ = try await client.call("ingest.events", ["events": [Self.event("c1", client: "innovate-corp", usd: "140", at: thisMonth)]])
        alerts = try await Self.waitForAlerts(client, count: 3)
        #expect(Self.keys(alerts) == ["\(period) threshold:50%", "\(period) threshold:75%", "\(period) threshold:90%"])

        let status = try await client.call("budgets.status", ["id": "innovate"])["budgets"]?[0]
        #expect(status?["spent"] == "910")
        #expect(status?["remaining"] == "90")
        #expect(Set(status?["alerts_fired"]?.arrayValue?.compactMap(\.stringValue) ?? []) == ["threshold:50%", "threshold:75%", "threshold:90%"])

        // The next month starts at zero, and its thresholds fire again for the new period.
        let nextMonth = Self.startOfMonth(now, plusMonths: 1)
        let fresh = try await client.call("budgets.status", ["id": "innovate", "at": .string(nextMonth.rfc3339)])["budgets"]?[0]
        #expect(fresh?["spent"] == "0")
        #expect(fresh?["period"]?["start"] == .string(nextMonth.rfc3339))
        _ = try await client.call("ingest.events", ["events": [Self.event("d0", client: "innovate-corp", usd: "600", at: nextMonth)]])
        alerts = try await Self.waitForAlerts(client, count: 4)
        let nextPeriod = nextMonth.rfc3339.prefix(10)
        #expect(Self.keys(alerts).contains("\(nextPeriod) threshold:50%"))
        #expect(alerts.count == 4)

        // The subscriber of the first server saw the alerts fired while it was connected, once each.
        let seen = pushed.withLockedValue { $0 }.compactMap { $0["key"]?.stringValue }
        #expect(seen == ["threshold:50%", "threshold:75%"])

        // Every alert reached the webhook despite the outage and the restart: each delivered once
        // (a retry repeats its delivery id), each signed with the endpoint's secret.
        let deadline = ContinuousClock.now + .seconds(60)
        var delivered: Int64 = 0
        while ContinuousClock.now < deadline {
            delivered = try await client.call("webhooks.list", [:])["deliveries"]?["delivered"]?.int64Value ?? 0
            if delivered >= 4 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(delivered == 4)
        let requests = receiver.requests
        var succeeded: [String: Int] = [:]
        for (index, request) in requests.enumerated() {
            let body = try JSONCodec.parse(request.bodyText)
            let signature = request.headers.first(name: "X-Tally-Signature") ?? ""
            #expect(WebhookSignature.verify(header: signature, body: request.body, secret: secret, now: Timestamp.now.secondsSinceEpoch))
            if index >= 2, let alertID = body["alert_id"]?.stringValue { succeeded[alertID, default: 0] += 1 }
        }
        #expect(succeeded.count == 4)
        #expect(succeeded.values.allSatisfy { $0 == 1 }, "no alert delivered twice: \(succeeded)")
        #expect(Set(succeeded.keys) == Set(alerts.compactMap { $0["id"]?.stringValue }))
        try await receiver.stop()
        listening.cancel()
        await subscriber.close()
        await client.close()
        await server.stop()
    }

    @Test func blockPolicyDeniesOnceSpentPlusTheEstimateExceedsTheBudget() async throws {
        try await withServer { server in
            let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
            _ = try await client.call("budgets.set", ["client": "acme", "amount": "100", "period": "day", "policy": "block"])
            _ = try await client.call("ingest.events", ["events": [Self.event("x1", client: "acme", usd: "60", at: .now)]])
            var check = try await client.call("budgets.check", ["client": "acme", "estimated_cost": "40"])
            #expect(check["allowed"] == true)
            #expect(check["remaining"] == "40")
            check = try await client.call("budgets.check", ["client": "acme", "estimated_cost": "40.01"])
            #expect(check["allowed"] == false)
            // An alert-only budget warns but never denies; a client with no budget is allowed.
            _ = try await client.call("budgets.set", ["client": "beta", "amount": "1", "period": "day"])
            check = try await client.call("budgets.check", ["client": "beta", "estimated_cost": "5"])
            #expect(check["allowed"] == true)
            #expect(check["budgets"]?[0]?["would_exceed"] == true)
            check = try await client.call("budgets.check", ["client": "nobody", "estimated_cost": "5"])
            #expect(check["allowed"] == true)
            #expect(check["remaining"] == .null)
            await client.close()
        }
    }

    @Test func badBudgetsAreRefusedWithTheField() async throws {
        try await withServer { server in
            let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
            let cases: [([String: JSONValue], String)] = [
                (["client": "a", "amount": "-5"], "amount"),
                (["client": "a", "amount": "0"], "amount"),
                (["client": "a", "amount": "ten"], "amount"),
                (["client": "a", "amount": "10", "timezone": "Mars/Olympus"], "timezone"),
                (["client": "a", "amount": "10", "anchor": 32], "anchor"),
                (["client": "a", "amount": "10", "period": "week", "anchor": 8], "anchor"),
                (["client": "a", "amount": "10", "period": "fortnight"], "period"),
                (["client": "a", "amount": "10", "thresholds": [0.5, "lots"]], "thresholds[1]"),
                (["client": "a", "amount": "10", "policy": "panic"], "policy"),
            ]
            for (params, field) in cases {
                do {
                    _ = try await client.call("budgets.set", params)
                    Issue.record("accepted \(params)")
                } catch let error as TallyClientError {
                    guard case .rpc(_, _, _, _, let data) = error else { Issue.record("\(error)"); continue }
                    #expect(data?["field"]?.stringValue == field, "\(params): \(error)")
                }
            }
            await #expect(throws: (any Error).self) { _ = try await client.call("budgets.get", ["id": "missing"]) }
            #expect(try await client.call("budgets.list", [:])["budgets"]?.arrayValue?.isEmpty == true)
            await client.close()
        }
    }

    @Test func periodsFollowTheTimezoneAcrossDaylightSavingTimeAndAnchor31() async throws {
        try await withServer { server in
            let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
            _ = try await client.call("budgets.set", ["id": "ny-day", "client": "nyc", "amount": "100", "period": "day", "timezone": "America/New_York"])
            // 2026-11-01 in New York is 25 hours long: 04:00Z to 05:00Z the next day.
            let events: [(String, String)] = [
                ("2026-11-01T03:59:59.999999Z", "2"), ("2026-11-01T04:00:00Z", "1"), ("2026-11-02T04:30:00Z", "4"), ("2026-11-02T05:00:00Z", "8"),
            ]
            _ = try await client.call("ingest.events", ["events": .array(events.enumerated().map { index, event in
                Self.event("ny\(index)", client: "nyc", usd: event.1, at: try! Timestamp(rfc3339: event.0))
            })])
            func status(at instant: String) async throws -> JSONValue? {
                try await client.call("budgets.status", ["id": "ny-day", "at": .string(instant)])["budgets"]?[0]
            }
            let day = try await status(at: "2026-11-01T12:00:00Z")
            #expect(day?["period"]?["start"] == "2026-11-01T04:00:00Z")
            #expect(day?["period"]?["end"] == "2026-11-02T05:00:00Z")
            #expect(day?["spent"] == "5", "the event on the boundary opens the day; 04:30Z the next day is still November 1st in New York")
            #expect(try await status(at: "2026-11-01T03:00:00Z")?["spent"] == "2")
            #expect(try await status(at: "2026-11-02T06:00:00Z")?["spent"] == "8")

            _ = try await client.call("budgets.set", ["id": "end-of-month", "client": "nyc", "amount": "100", "period": "month", "anchor": 31])
            let february = try await client.call("budgets.status", ["id": "end-of-month", "at": "2027-02-15T00:00:00Z"])["budgets"]?[0]
            #expect(february?["period"]?["start"] == "2027-01-31T00:00:00Z")
            #expect(february?["period"]?["end"] == "2027-02-28T00:00:00Z")
            await client.close()
        }
    }
}
