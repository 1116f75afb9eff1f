import Testing
import TallyCore
import TallyJSON
@testable import TallyReports

/// Billing under each plan, rounding, periods and the text formats' escaping.
@Suite struct FiguresTests {
    static func usd(_ text: String) -> Money { try! Money.parse(text) }

    @Test func costPlusAddsTheMarkupExactly() {
        let bill = BillingPlan.costPlus(markupPercent: Self.usd("12.5")).bill(cost: Self.usd("80.08"))
        #expect(bill.billed == Self.usd("90.09"))
        #expect(bill.margin == Self.usd("10.01"))
        #expect(bill.overage == nil)
    }

    @Test func aRetainerBillsItsFeeUnderTheAllowanceAndTheMarkedUpOverageAbove() {
        let plan = BillingPlan.retainer(fee: Self.usd("300"), included: Self.usd("100"), overageMarkupPercent: Self.usd("15"))
        let under = plan.bill(cost: Self.usd("99.99"))
        #expect(under.billed == Self.usd("300") && under.overage == .zero)
        let exactly = plan.bill(cost: Self.usd("100"))
        #expect(exactly.billed == Self.usd("300") && exactly.overage == .zero)
        let over = plan.bill(cost: Self.usd("180.40"))
        #expect(over.overage == Self.usd("80.40"))
        #expect(over.billed == Self.usd("392.46"))
    }

    @Test func plansAreReadWithTheFieldNamedWhenWrong() throws {
        #expect(try BillingPlan.decode(["type": "cost_plus"]) == .costPlus(markupPercent: .zero))
        #expect(try BillingPlan.decode(["type": "retainer", "fee": 500, "included": "200.5"])
                == .retainer(fee: Self.usd("500"), included: Self.usd("200.5"), overageMarkupPercent: .zero))
        for (json, field) in [
            (["type": "retainer"] as JSONValue, "plan.fee"), (["type": "flat"], "plan.type"), ("cost_plus", "plan"),
            (["type": "cost_plus", "markup_percent": "-1"], "plan.markup_percent"), (["type": "cost_plus", "markup": 5], "plan.markup"),
            (["type": "cost_plus", "markup_percent": "1e400"], "plan.markup_percent"),
        ] {
            #expect(throws: BillingPlanError.self) { try BillingPlan.decode(json) }
            do { _ = try BillingPlan.decode(json) } catch { #expect(error.field == field, "\(json.jsonText)") }
        }
        let plan = BillingPlan.retainer(fee: Self.usd("500"), included: Self.usd("200"), overageMarkupPercent: Self.usd("10"))
        #expect(try BillingPlan.decode(plan.jsonValue) == plan)
    }

    @Test func figuresRoundHalfEvenAndDeriveFromPrintedAmounts() {
        #expect(Figures.usd(Self.usd("12.054")) == "12.05")
        #expect(Figures.usd(Self.usd("0.125")) == "0.12")
        #expect(Figures.usd(Self.usd("0.135")) == "0.14")
        #expect(Figures.unitUSD(Self.usd("18.78125")) == "18.7812")
        #expect(Figures.ratio(17, 19) == "0.8947")
        #expect(Figures.ratio(1, 0) == nil)
        #expect(Figures.percent(Self.usd("212.06"), of: Self.usd("392.46")) == "54.03")
        #expect(Figures.change(Self.usd("12.05"), from: Self.usd("6.00")) == "+100.8")
        #expect(Figures.change(Self.usd("3"), from: Self.usd("4")) == "-25.0")
        #expect(Figures.change(Self.usd("3"), from: .zero) == nil)
        #expect(Figures.hours(minutes: Self.usd("40")) == "0.67")
        let totals = ClientReport.Totals(cost: Self.usd("12.054"), events: 1, unpricedEvents: 0, tasks: 0, minutesSaved: .zero,
                                         bill: BillingPlan.costPlus(markupPercent: Self.usd("20")).bill(cost: Self.usd("12.054")))
        #expect(totals.costCents == Self.usd("12.05") && totals.billedCents == Self.usd("14.46") && totals.marginCents == Self.usd("2.41"))
    }

    @Test func periodsAreUTCMonthsOrDaysAndKnowTheOneBefore() throws {
        let november = try ReportPeriod.parse("2026-11")
        #expect(november.from.rfc3339 == "2026-11-01T00:00:00Z" && november.to.rfc3339 == "2026-12-01T00:00:00Z")
        #expect(november.previous.label == "2026-10")
        #expect(try ReportPeriod.parse("2026-01").previous.label == "2025-12")
        let leap = try ReportPeriod.parse("2028-03-01")
        #expect(leap.previous.label == "2028-02-29")
        #expect(try ReportPeriod.parse("2026-12").to.rfc3339 == "2027-01-01T00:00:00Z")
        for bad in ["2026-13", "2026-1", "26-11", "2026-02-30", "november", "", "2026-11-01-01", "٢٠٢٦-١١"] {
            #expect(throws: ReportPeriod.ParseError.self, "\(bad)") { try ReportPeriod.parse(bad) }
        }
        let range = ReportPeriod.range(from: november.from, to: november.from.advanced(byMicroseconds: 86_400_000_000))
        #expect(range.previous.to == november.from)
    }

    @Test func csvQuotesAndDisarmsFormulasMarkdownAndHTMLEscape() {
        let document = ReportDocument(title: "A \"quoted\", title", subtitle: "<b>", sections: [
            .init("Facts", .facts([("=HYPERLINK(\"x\")", "-3.5"), ("-cmd", "+1"), ("@sum", "a\nb")])),
            .init("Table", .table(headers: ["a|b", "c"], rows: [["<script>alert(1)</script>", "x_y*z"]], chart: .init(labelColumn: 0, valueColumn: 1))),
        ])
        let csv = document.csv
        #expect(csv.hasPrefix("\"A \"\"quoted\"\", title\",<b>\r\n"))
        #expect(csv.contains("\"'=HYPERLINK(\"\"x\"\")\",-3.5\r\n"), "a formula is prefixed with ' (and quoted)")
        #expect(csv.contains("\"'-cmd\",\"'+1\"\r\n"))
        #expect(csv.contains("\"'@sum\",\"a\nb\"\r\n"))
        let markdown = document.markdown
        #expect(markdown.contains("| a\\|b | c |"))
        #expect(markdown.contains("\\<script\\>alert(1)\\</script\\>"))
        #expect(markdown.contains("x\\_y\\*z"))
        let html = document.html
        #expect(!html.contains("<script>") && html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("<title>A &quot;quoted&quot;, title</title>"))
    }
}
