import TallyCore
import TallyReports

/// The report as CSV, Markdown or a self-contained HTML page, through the same layout as the
/// client and agency reports (`TallyReports`): the totals, the days with their verdict, the
/// findings, and every compared line with its reasons. Amounts are exact (a sub-cent difference
/// stays visible).
extension ReconcileReport: RenderableReport {
    public var document: ReportDocument {
        let money = { (amount: Money) in amount.decimalString }
        return ReportDocument(
            title: "Reconciliation \(from) to \(to)",
            subtitle: "Providers: \(providers.joined(separator: ", ")). Tolerance: \(tolerance.decimalString) USD. UTC days.",
            sections: [
                .init("Totals", .facts([
                    ("Tracked (USD)", money(tracked)), ("Billed (USD)", money(billed)), ("Difference (USD)", money(billed - tracked)),
                    ("Unexplained (USD)", money(unexplained)),
                    ("Days matching", "\(days.filter(\.matches).count) of \(days.count)"),
                ])),
                .init("Days", .table(headers: ["Day", "Provider", "Tracked", "Billed", "Difference", "Verdict"], rows: days.map { day in
                    [day.day.description, day.provider, money(day.tracked), money(day.billed), money(day.difference), day.matches ? "match" : "mismatch"]
                }, chart: nil)),
                .init("Findings", .table(headers: ["Reason", "Provider", "Days", "API key", "Amount", "Detail"], rows: findings.map { finding in
                    [finding.reason.rawValue, finding.provider, finding.days.map(\.description).joined(separator: " "), finding.apiKey ?? "",
                     money(finding.amount), finding.detail]
                }, chart: nil), note: findings.isEmpty ? "None: the ledger matches the providers within the tolerance." : nil),
                .init("Lines", .table(headers: ["Day", "Provider", "API key", "Tracked", "Billed", "Difference", "Events", "Unpriced events", "Reasons"],
                    rows: lines.map { line in
                        [line.day.description, line.provider, line.apiKey ?? "", money(line.tracked), money(line.billed), money(line.difference),
                         String(line.events), String(line.unpricedEvents), line.reasons.map(\.rawValue).joined(separator: " ")]
                    }, chart: nil)),
            ])
    }
}
