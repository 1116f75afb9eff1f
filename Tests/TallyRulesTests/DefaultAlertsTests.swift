import Foundation
import TallyJSON
import TallyRules
import Testing

/// The shipped `rules/default/alerts.lua`, loaded through the real engine (``AgencyRules`` on the
/// shipped folder), against constructed `on_spend` statuses: each alert kind fires when its
/// condition holds and stays quiet just short of it, and keys are stable across calls.
@Suite("Default alerts")
struct DefaultAlertsTests {
    let rules: AgencyRules

    init() async throws {
        rules = AgencyRules(agency: "acme", directory: rulesRoot + "/default", limits: .testing)
        #expect(await rules.status().lastFailure == nil)
        #expect(await rules.status().hasAlerts)
    }

    static let now = "2026-11-29T10:15:00Z"

    /// 24 hours oldest first, ending with the hour in progress (10:00), `spent` each (USD).
    static func hourly(_ spent: [Double]? = nil, calls: Int = 10) -> JSONValue {
        let values = spent ?? Array(repeating: 1.0, count: 24)
        var hours: [JSONValue] = []
        for (index, usd) in values.enumerated() {
            // 2026-11-28T11:00Z ... 2026-11-29T10:00Z for 24 entries
            let offset = index - values.count + 1  // 0 for the last entry
            let hour = 10 + offset
            let label = hour >= 0 ? String(format: "2026-11-29T%02d:00:00Z", hour) : String(format: "2026-11-28T%02d:00:00Z", hour + 24)
            hours.append([
                "hour": .string(label), "spent": .string(String(format: "%.2f", usd)), "spent_usd": .number(usd),
                "calls": .integer(usd > 0 ? Int64(calls) : 0), "errors": 0,
            ])
        }
        return .array(hours)
    }

    /// A quiet status (10 % spent, forecast 90 %, steady hours, healthy workflows): no alert.
    static func status(_ changes: [String: JSONValue] = [:]) -> JSONValue {
        var members: [String: JSONValue] = [
            "agency": "demo", "client": "innovate-corp",
            "budget": [
                "id": "innovate-monthly", "amount": "1000", "amount_usd": 1000.0, "period": "month", "anchor": 1,
                "timezone": "UTC", "policy": "alert",
                "thresholds": [
                    ["ratio": 0.5, "label": "50%"], ["ratio": 0.75, "label": "75%"],
                    ["amount": "900", "amount_usd": 900.0, "label": "$900"], ["ratio": 1.0, "label": "100%"],
                ],
                "scope": [:],
            ],
            "period": ["key": "2026-11-01", "start": "2026-11-01T00:00:00Z", "end": "2026-12-01T00:00:00Z"],
            "spent": "100.00", "spent_usd": 100.0, "ratio": 0.1,
            "forecast": "900.00", "forecast_usd": 900.0, "forecast_ratio": 0.9,
            "remaining": "900.00",
            "fired": [:],
            "thresholds_crossed": [],
            "hourly": hourly(),
            "unpriced_events": 0, "unpriced_models": [],
            "workflows": [["id": "wf1", "name": "Innovate Corp - Summarizer", "calls": 30, "errors": 1]],
            "unattributed": ["spent": "2.00", "spent_usd": 2.0, "events": 4],
            "rule_errors": [],
            "now": .string(now),
        ]
        for (key, value) in changes { members[key] = value }
        return .object(members)
    }

    func keys(_ changes: [String: JSONValue]) async throws -> [String] {
        try await rules.onSpend(Self.status(changes)).map(\.key)
    }

    func alert(_ key: String, _ changes: [String: JSONValue]) async throws -> RuleAlert? {
        try await rules.onSpend(Self.status(changes)).first { $0.key == key }
    }

    @Test func quietStatusFiresNothing() async throws {
        #expect(try await keys([:]) == [])
    }

    // MARK: Thresholds

    @Test func belowTheFirstThresholdFiresNothing() async throws {
        #expect(try await keys(["spent": "490.00", "spent_usd": 490.0, "ratio": 0.49, "thresholds_crossed": []]) == [])
    }

    @Test func fiftyPercentFiresAnInfoThreshold() async throws {
        let alerts = try await rules.onSpend(Self.status([
            "spent": "500.00", "spent_usd": 500.0, "ratio": 0.5, "thresholds_crossed": [["ratio": 0.5, "label": "50%"]],
        ]))
        #expect(alerts.map(\.key) == ["threshold:50%"])
        #expect(alerts.first?.level == .info)
        #expect(alerts.first?.message.contains("innovate-corp") == true)
        #expect(alerts.first?.message.contains("500.00 of 1000 USD") == true)
        #expect(alerts.first?.data["budget_id"] == "innovate-monthly")
        #expect(alerts.first?.data["period"] == "2026-11-01")
    }

    @Test func everyCrossedThresholdFiresWithItsLevel() async throws {
        let crossed: JSONValue = [
            ["ratio": 0.5, "label": "50%"], ["ratio": 0.75, "label": "75%"],
            ["amount": "900", "amount_usd": 900.0, "label": "$900"], ["ratio": 1.0, "label": "100%"],
        ]
        let alerts = try await rules.onSpend(Self.status(["spent": "1010.00", "spent_usd": 1010.0, "ratio": 1.01, "thresholds_crossed": crossed]))
        #expect(alerts.map(\.key) == ["threshold:50%", "threshold:75%", "threshold:$900", "threshold:100%"])
        #expect(alerts.map(\.level) == [.info, .warning, .warning, .critical])
    }

    @Test func unlabelledThresholdsGetAStableLabel() async throws {
        let crossed: JSONValue = [["ratio": 0.8], ["amount": "950", "amount_usd": 950.0], 0.5]
        let alerts = try await rules.onSpend(Self.status(["ratio": 0.96, "thresholds_crossed": crossed]))
        #expect(alerts.map(\.key) == ["threshold:80%", "threshold:$950", "threshold:50%"])
        #expect(alerts.map(\.level) == [.warning, .warning, .info])
    }

    // MARK: Forecast

    static let overrun: [String: JSONValue] = [
        "spent": "512.40", "spent_usd": 512.4, "ratio": 0.5124, "thresholds_crossed": [["ratio": 0.5, "label": "50%"]],
        "forecast": "1180.00", "forecast_usd": 1180.0, "forecast_ratio": 1.18,
    ]

    @Test func forecastOverrunFires() async throws {
        let alert = try #require(try await alert("forecast:overrun", Self.overrun))
        #expect(alert.level == .warning)
        #expect(alert.message.contains("1180.00"))
        #expect(try await keys(Self.overrun) == ["threshold:50%", "forecast:overrun"])
    }

    @Test func forecastWaitsForTenPercentOfThePeriod() async throws {
        var early = Self.overrun
        early["now"] = "2026-11-03T23:00:00Z"  // 3 days less an hour: 9.9 % of November
        #expect(try await alert("forecast:overrun", early) == nil)
        early["now"] = "2026-11-04T00:00:00Z"  // exactly 10 %
        #expect(try await alert("forecast:overrun", early) != nil)
    }

    @Test func noForecastAlertOnceOverBudgetOrWhenTheForecastFits() async throws {
        var over = Self.overrun
        over["ratio"] = 1.01
        over["forecast_ratio"] = 1.3
        #expect(try await alert("forecast:overrun", over) == nil)
        var fits = Self.overrun
        fits["forecast_ratio"] = 1.0
        #expect(try await alert("forecast:overrun", fits) == nil)
    }

    @Test func withoutPeriodTimesTheForecastNeedsThreeActiveHours() async throws {
        var status = Self.overrun
        status["period"] = ["key": "2026-11-01"]
        status["hourly"] = Self.hourly(Array(repeating: 0.0, count: 22) + [1.0, 1.0])
        #expect(try await alert("forecast:overrun", status) == nil)
        status["hourly"] = Self.hourly(Array(repeating: 0.0, count: 21) + [1.0, 1.0, 1.0])
        #expect(try await alert("forecast:overrun", status) != nil)
    }

    // MARK: Spend spike

    @Test func aSpikeInTheLatestHourFires() async throws {
        let alerts = try await rules.onSpend(Self.status(["hourly": Self.hourly(Array(repeating: 1.0, count: 23) + [3.0])]))
        #expect(alerts.map(\.key) == ["spike:2026-11-29T10:00:00Z"])
        #expect(alerts.first?.level == .warning)
        #expect(alerts.first?.message.contains("3.0x") == true)
    }

    @Test func justUnderThreeTimesTheAverageDoesNotFire() async throws {
        #expect(try await keys(["hourly": Self.hourly(Array(repeating: 1.0, count: 23) + [2.9])]) == [])
    }

    @Test func aSpikeInThePreviousFullHourFires() async throws {
        // late events landed in 09:00 after 10:00 started
        let keys = try await keys(["hourly": Self.hourly(Array(repeating: 1.0, count: 22) + [5.0, 0.5])])
        #expect(keys == ["spike:2026-11-29T09:00:00Z"])
    }

    @Test func spikesUnderTheFloorDoNotFire() async throws {
        #expect(try await keys(["hourly": Self.hourly(Array(repeating: 0.1, count: 23) + [0.9])]) == [])
        #expect(try await keys(["hourly": Self.hourly(Array(repeating: 0.0, count: 23) + [0.5])]) == [])
        #expect(try await keys(["hourly": Self.hourly(Array(repeating: 0.0, count: 23) + [1.5])]) == ["spike:2026-11-29T10:00:00Z"])
    }

    // MARK: Failure-rate spike

    static func workflow(calls: Int64, errors: Int64) -> [String: JSONValue] {
        ["workflows": [["id": "wf1", "name": "Innovate Corp - Summarizer", "calls": .integer(calls), "errors": .integer(errors)]]]
    }

    @Test func aFailingWorkflowFires() async throws {
        let alerts = try await rules.onSpend(Self.status(Self.workflow(calls: 30, errors: 12)))
        #expect(alerts.map(\.key) == ["failures:wf1:2026-11-29T10:00:00Z"])
        #expect(alerts.first?.message.contains("12 of 30 calls (40%)") == true)
        #expect(try await keys(Self.workflow(calls: 12, errors: 3)) == ["failures:wf1:2026-11-29T10:00:00Z"])  // exactly 25 %
    }

    @Test func failuresNeedTenCallsAndAQuarterOfErrors() async throws {
        #expect(try await keys(Self.workflow(calls: 9, errors: 9)) == [])
        #expect(try await keys(Self.workflow(calls: 20, errors: 4)) == [])
    }

    @Test func theFailureKeyIsTheClockHour() async throws {
        var later = Self.workflow(calls: 30, errors: 12)
        later["now"] = "2026-11-29T10:59:59Z"
        #expect(try await keys(later) == ["failures:wf1:2026-11-29T10:00:00Z"])
        later["now"] = "2026-11-29T11:00:00Z"
        #expect(try await keys(later) == ["failures:wf1:2026-11-29T11:00:00Z"])
    }

    // MARK: Unpriced, unattributed, rule errors

    @Test func unpricedModelsFire() async throws {
        let alerts = try await rules.onSpend(Self.status(["unpriced_events": 7, "unpriced_models": ["acme-llm-9", "acme-llm-10"]]))
        #expect(alerts.map(\.key) == ["unpriced:acme-llm-9", "unpriced:acme-llm-10"])
        #expect(alerts.first?.data["unpriced_events"] == 7)
        #expect(try await keys(["unpriced_events": 3, "unpriced_models": []]) == ["unpriced:events"])
    }

    @Test func unattributedSpendOverTheLimitFires() async throws {
        let alerts = try await rules.onSpend(Self.status(["unattributed": ["spent": "12.00", "spent_usd": 12.0, "events": 40]]))
        #expect(alerts.map(\.key) == ["unattributed:2026-11-29"])
        #expect(alerts.first?.message.contains("12.00 USD") == true)
        #expect(try await keys(["unattributed": ["spent": "10.00", "spent_usd": 10.0, "events": 40]]) == [])
    }

    @Test func ruleFilesThatFailedToLoadFire() async throws {
        let alerts = try await rules.onSpend(Self.status([
            "rule_errors": [["file": "attribution.lua", "message": "attribution.lua:12: unexpected symbol near 'end'"]],
        ]))
        #expect(alerts.map(\.key) == ["rules:attribution.lua"])
        #expect(alerts.first?.message.contains("attribution.lua:12") == true)
    }

    // MARK: Keys and limits

    static let everything: [String: JSONValue] = overrun.merging([
        "hourly": hourly(Array(repeating: 1.0, count: 23) + [4.0]),
        "workflows": [["id": "wf1", "name": "A", "calls": 10, "errors": 5], ["id": "wf2", "name": "B", "calls": 50, "errors": 0]],
        "unpriced_events": 2, "unpriced_models": ["acme-llm-9"],
        "unattributed": ["spent": "12.00", "spent_usd": 12.0, "events": 40],
        "rule_errors": [["file": "attribution.lua", "message": "attribution.lua:12: boom"]],
    ]) { $1 }

    @Test func keysAreStableAcrossCalls() async throws {
        let expected = [
            "threshold:50%", "forecast:overrun", "spike:2026-11-29T10:00:00Z", "failures:wf1:2026-11-29T10:00:00Z",
            "unpriced:acme-llm-9", "unattributed:2026-11-29", "rules:attribution.lua",
        ]
        let first = try await keys(Self.everything)
        #expect(first == expected)
        #expect(try await keys(Self.everything) == expected)
        // later in the same hour, with more spend, and with keys already fired: the same keys
        var later = Self.everything
        later["now"] = "2026-11-29T10:50:00Z"
        later["spent"] = "530.00"
        later["spent_usd"] = 530.0
        later["ratio"] = 0.53
        later["fired"] = ["threshold:50%": true, "forecast:overrun": true]
        #expect(try await keys(later) == expected)
    }

    @Test func moreAlertsThanTheLimitLeaveOutTheFiredOnes() async throws {
        let models = (1...150).map { JSONValue.string("model-\($0)") }
        var fired: [String: JSONValue] = [:]
        for index in 1...60 { fired["unpriced:model-\(index)"] = true }
        let all = try await keys(["unpriced_events": 150, "unpriced_models": .array(models)])
        #expect(all.count == 100)
        let fresh = try await keys(["unpriced_events": 150, "unpriced_models": .array(models), "fired": .object(fired)])
        #expect(fresh == (61...150).map { "unpriced:model-\($0)" })
    }

    @Test func sparseAndLegacyStatusesDoNotRaise() async throws {
        #expect(try await rules.onSpend(["client": "acme"]).isEmpty)
        #expect(try await rules.onSpend([:]).isEmpty)
        let legacy = try await rules.onSpend([
            "client": "acme", "budget_id": "b1", "period": "2025-03", "amount": "100", "spent": "85.5", "ratio": 0.855,
            "thresholds_crossed": [0.5, 0.8],
        ])
        #expect(legacy.map(\.key) == ["threshold:50%", "threshold:80%"])
        let garbage = try await rules.onSpend([
            "thresholds_crossed": "x", "hourly": [1, "x", [:]], "workflows": [["calls": 50, "errors": 50]],
            "unpriced_models": [3], "unattributed": "x", "rule_errors": [["message": "no file"]], "now": "yesterday",
        ])
        #expect(garbage.isEmpty)
    }

    // MARK: Demo copy and tuning

    @Test func demoInheritsTheDefaultAlerts() async throws {
        // rules/demo has only its lookup tables: an agency folder serves the default folder's Lua
        // files it lacks, so there is one copy of the shipped rules.
        #expect(!FileManager.default.fileExists(atPath: rulesRoot + "/demo/alerts.lua"))
        let demo = AgencyRules(agency: "demo", directory: rulesRoot + "/demo", fallbackDirectory: rulesRoot + "/default", limits: .testing)
        #expect(try await demo.onSpend(Self.status(Self.everything)) == rules.onSpend(Self.status(Self.everything)))
        // Without a fallback the folder does not load (no attribution.lua), and says so.
        let alone = AgencyRules(agency: "demo", directory: rulesRoot + "/demo", limits: .testing)
        await #expect(throws: RuleError.self) { _ = try await alone.onSpend(Self.status(Self.everything)) }
    }

    @Test func alertsJSONOverridesTheTunables() async throws {
        let folder = try TemporaryDirectory()
        try folder.copyRules("default", to: "acme")
        try folder.write("alerts.json", #"{"unattributed_limit_usd": 50, "spike_enabled": false, "failure_min_calls": 5}"#, in: "acme")
        let tuned = AgencyRules(agency: "acme", directory: folder.path + "/acme", limits: .testing)
        #expect(await tuned.status().lastFailure == nil)
        var status = Self.everything
        status["workflows"] = [["id": "wf3", "calls": 6, "errors": 3]]
        let keys = try await tuned.onSpend(Self.status(status)).map(\.key)
        #expect(keys == ["threshold:50%", "forecast:overrun", "failures:wf3:2026-11-29T10:00:00Z", "unpriced:acme-llm-9", "rules:attribution.lua"])
    }

    @Test func aTypoInAlertsJSONRefusesTheRuleSet() async throws {
        for (json, expected) in [
            (#"{"unattributed_limit": 50}"#, "unknown setting 'unattributed_limit'"),
            (#"{"spike_factor": "4"}"#, "'spike_factor' must be a number, not a string"),
        ] {
            let folder = try TemporaryDirectory()
            try folder.copyRules("default", to: "acme")
            try folder.write("alerts.json", json, in: "acme")
            let refused = AgencyRules(agency: "acme", directory: folder.path + "/acme", limits: .testing)
            let failure = try #require(await refused.status().lastFailure)
            #expect(failure.error.file == "alerts.lua")
            #expect(failure.error.message.contains(expected), "\(failure.error)")
        }
    }
}
