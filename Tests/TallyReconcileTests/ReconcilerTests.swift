import Testing
import TallyReports
import TallyCore
import TallyReconcile

/// The pure reconciliation: each reason on its own, their mix, and the verdict with the tolerance.
@Suite struct ReconcilerTests {
    static func day(_ text: String) -> UTCDate { try! UTCDate.parse(text) }
    static func usd(_ text: String) -> Money { try! Money.parse(text) }
    static let cent = usd("0.01")

    static func ledger(_ day: String, _ key: String?, _ cost: String, events: Int64 = 10, unpriced: Int64 = 0, provider: String = "openai") -> LedgerDayLine {
        LedgerDayLine(day: Self.day(day), provider: provider, apiKey: key, cost: usd(cost), events: events, unpricedEvents: unpriced)
    }

    static func billed(_ day: String, _ key: String?, _ amount: String, item: String? = "gpt-4o-mini, input", provider: String = "openai") -> ProviderCostRow {
        ProviderCostRow(day: Self.day(day), provider: provider, project: "proj_1", apiKey: key, lineItem: item, amount: usd(amount))
    }

    static func run(_ ledger: [LedgerDayLine], _ rows: [ProviderCostRow], tolerance: String = "0.01") -> ReconcileReport {
        Reconciler.reconcile(ledger: ledger, provider: rows, from: day("2026-10-01"), to: day("2026-10-31"), tolerance: usd(tolerance))
    }

    @Test func matchingDataHasNoFindingsAndEveryDayMatches() {
        let report = Self.run(
            [Self.ledger("2026-10-01", "key_a", "12.5"), Self.ledger("2026-10-02", "key_a", "3")],
            [Self.billed("2026-10-01", "key_a", "12.5"), Self.billed("2026-10-02", "key_a", "3.004")])
        #expect(report.findings.isEmpty)
        #expect(report.days.allSatisfy { $0.matches })
        #expect(report.days.count == 31)  // every day of the range, also those without usage
        #expect(report.unexplained == Self.usd("0.004"))
    }

    @Test func anUnseenKeyIsUntrackedWithItsTotalOverItsDays() {
        let report = Self.run(
            [Self.ledger("2026-10-01", "key_a", "5"), Self.ledger("2026-10-02", "key_a", "5")],
            [Self.billed("2026-10-01", "key_a", "5"), Self.billed("2026-10-02", "key_a", "5"),
             Self.billed("2026-10-01", "key_rogue", "1.25"), Self.billed("2026-10-02", "key_rogue", "2.5")])
        #expect(report.findings.count == 1)
        let finding = report.findings[0]
        #expect(finding.reason == .untrackedKey)
        #expect(finding.apiKey == "key_rogue")
        #expect(finding.amount == Self.usd("3.75"))
        #expect(finding.days == [Self.day("2026-10-01"), Self.day("2026-10-02")])
        #expect(report.unexplained == .zero)
        #expect(report.days.filter { !$0.matches }.map(\.day.description) == ["2026-10-01", "2026-10-02"])
    }

    @Test func aCreditLineIsACreditNotAPriceMismatch() {
        let report = Self.run(
            [Self.ledger("2026-10-03", "key_a", "7")],
            [Self.billed("2026-10-03", "key_a", "7"), Self.billed("2026-10-03", nil, "-20", item: "Promotional credit")])
        #expect(report.findings.map(\.reason) == [.credit])
        #expect(report.findings[0].amount == Self.usd("-20"))
        #expect(report.days.first { $0.day == Self.day("2026-10-03") }?.difference == Self.usd("-20"))
        #expect(report.unexplained == .zero)
    }

    @Test func aDifferenceThatMovesToTheNextDayIsOneTimezoneShift() {
        // The ledger counted 0.8 on the 10th that the provider billed on the 11th.
        let report = Self.run(
            [Self.ledger("2026-10-10", "key_a", "10.8"), Self.ledger("2026-10-11", "key_a", "9.2")],
            [Self.billed("2026-10-10", "key_a", "10"), Self.billed("2026-10-11", "key_a", "10")])
        #expect(report.findings.count == 1)
        #expect(report.findings[0].reason == .timezoneShift)
        #expect(report.findings[0].amount == Self.usd("0.8"))
        #expect(report.findings[0].days == [Self.day("2026-10-10"), Self.day("2026-10-11")])
        #expect(report.findings[0].detail.contains("tracked on 2026-10-10 was billed on 2026-10-11"))
        #expect(report.unexplained == .zero)
    }

    @Test func differencesThatDoNotCancelAreNotAShift() {
        let report = Self.run(
            [Self.ledger("2026-10-10", "key_a", "11"), Self.ledger("2026-10-11", "key_a", "9.5")],
            [Self.billed("2026-10-10", "key_a", "10"), Self.billed("2026-10-11", "key_a", "10")])
        #expect(report.findings.map(\.reason) == [.priceMismatch, .priceMismatch])
        #expect(report.findings.map(\.amount) == [Self.usd("-1"), Self.usd("0.5")])
    }

    @Test func unpricedEventsExplainWhatTheProviderBilledMore() {
        let report = Self.run([Self.ledger("2026-10-05", "key_a", "4", events: 12, unpriced: 2)], [Self.billed("2026-10-05", "key_a", "6")])
        #expect(report.findings.map(\.reason) == [.unpricedEvents])
        #expect(report.findings[0].amount == Self.usd("2"))
        #expect(report.lines.first?.unpricedEvents == 2)
    }

    @Test func aKnownKeyWithoutEventsThatDayIsLateEvents() {
        let report = Self.run([Self.ledger("2026-10-05", "key_a", "4")], [Self.billed("2026-10-05", "key_a", "4"), Self.billed("2026-10-07", "key_a", "3")])
        #expect(report.findings.map(\.reason) == [.lateEvents])
        #expect(report.findings[0].days == [Self.day("2026-10-07")])
    }

    @Test func withinTheToleranceIsAMatchAndTheToleranceIsTheAdmins() {
        let ledger = [Self.ledger("2026-10-05", "key_a", "4")]
        let rows = [Self.billed("2026-10-05", "key_a", "4.30")]
        #expect(Self.run(ledger, rows, tolerance: "0.5").findings.isEmpty)
        #expect(Self.run(ledger, rows, tolerance: "0.5").days.allSatisfy { $0.matches })
        let strict = Self.run(ledger, rows, tolerance: "0.1")
        #expect(strict.findings.map(\.reason) == [.priceMismatch])
        #expect(strict.days.filter { !$0.matches }.map(\.day.description) == ["2026-10-05"])
    }

    @Test func aProviderWithoutKeysIsComparedPerDayAndEventsWithoutKeyMatchRowsWithoutKey() {
        // OpenRouter's activity has no key: the ledger's keys collapse into one line per day.
        let report = Self.run(
            [Self.ledger("2026-10-05", "k1", "1", provider: "openrouter"), Self.ledger("2026-10-05", "k2", "2", provider: "openrouter")],
            [Self.billed("2026-10-05", nil, "3", item: "openai/gpt-4o", provider: "openrouter")])
        #expect(report.findings.isEmpty)
        #expect(report.lines.count == 1)
        #expect(report.lines[0].keyed == false)

        // OpenAI with keys: usage without a key meets the ledger's events without a key.
        let keyed = Self.run(
            [Self.ledger("2026-10-05", "key_a", "1"), Self.ledger("2026-10-05", nil, "2")],
            [Self.billed("2026-10-05", "key_a", "1"), Self.billed("2026-10-05", nil, "2")])
        #expect(keyed.findings.isEmpty)
        #expect(keyed.lines.count == 2)
    }

    @Test func threeCausesAtOnceAreNamedEachWithItsAmount() {
        var ledger: [LedgerDayLine] = []
        var rows: [ProviderCostRow] = []
        for d in 1...30 {
            let day = "2026-10-\(d < 10 ? "0" : "")\(d)"
            ledger.append(Self.ledger(day, "key_a", "10"))
            rows.append(Self.billed(day, "key_a", "10"))
        }
        ledger[13].cost += Self.usd("1.5")  // the ledger counts 1.5 on the 14th...
        rows[14].amount += Self.usd("1.5")  // ...that the provider bills on the 15th
        rows.append(Self.billed("2026-10-20", "key_rogue", "4.2"))
        rows.append(Self.billed("2026-10-25", nil, "-15", item: "Credit"))
        let report = Self.run(ledger, rows)
        #expect(report.findings.map(\.reason).sorted { $0.rawValue < $1.rawValue } == [.credit, .timezoneShift, .untrackedKey])
        #expect(report.findings.first { $0.reason == .untrackedKey }?.amount == Self.usd("4.2"))
        #expect(report.findings.first { $0.reason == .credit }?.amount == Self.usd("-15"))
        #expect(report.findings.first { $0.reason == .timezoneShift }?.amount == Self.usd("1.5"))
        #expect(report.unexplained == .zero)
        #expect(report.days.filter { !$0.matches }.map(\.day.description) == ["2026-10-14", "2026-10-15", "2026-10-20", "2026-10-25"])
    }

    @Test func formatsCarryTheFindingsAndEscapeHTML() {
        let report = Self.run([Self.ledger("2026-10-01", "key_a", "1")], [Self.billed("2026-10-01", "key_<b>", "2")])
        #expect(report.rendered(.markdown).contains("| untracked\\_key | openai | 2026-10-01 | key\\_\\<b\\> | 2 |"))
        #expect(report.rendered(.csv).contains("Day,Provider,API key,Tracked,Billed,Difference,Events,Unpriced events,Reasons\r\n"))
        #expect(report.rendered(.csv).contains("2026-10-01,openai,key_<b>,0,2,2,0,0,untracked_key\r\n"))
        let html = report.rendered(.html)
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("key_&lt;b&gt;"))
        #expect(!html.contains("<script"))
    }
}
