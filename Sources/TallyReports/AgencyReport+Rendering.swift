import TallyCore
import TallyJSON

extension AgencyReport: RenderableReport {
    /// The report as `reports.agency` returns it in the `json` format (money: decimal strings
    /// of dollars rounded to cents; rates: decimal ratios such as "0.9500").
    public var jsonValue: JSONValue {
        let line = { (key: String, line: Line) -> JSONValue in
            [key: .string(line.name), "llm_cost": .string(Figures.usd(line.cost)), "events": .integer(line.events)]
        }
        return [
            "period": ClientReport.periodJSON(period), "previous_period": ClientReport.periodJSON(period.previous),
            "generated_at": .string(generatedAt.rfc3339), "currency": "USD",
            "executions": ClientReport.executionsJSON(executions),
            "failure_hotspots": .array(failureHotspots.map { spot in
                [
                    "client": spot.client.map(JSONValue.string) ?? .null, "workflow": .string(spot.workflow),
                    "workflow_name": spot.workflowName.map(JSONValue.string) ?? .null, "failed": .integer(spot.failed),
                    "total": .integer(spot.total), "failure_rate": spot.failureRate.map(JSONValue.string) ?? .null,
                ]
            }),
            "spend": [
                "llm_cost": .string(Figures.usd(cost)), "events": .integer(events),
                "by_provider": .array(byProvider.map { line("provider", $0) }),
                "by_model": .array(byModel.map { line("model", $0) }),
                "by_client": .array(byClient.map { line("client", $0) }),
            ],
            "unattributed": ["llm_cost": .string(Figures.usd(unattributed.cost)), "events": .integer(unattributed.events)],
            "unpriced": ["events": .integer(unpricedEvents), "models": .array(unpricedModels.map { ["model": .string($0.name), "events": .integer($0.events)] })],
            "budgets_near_limit": .array(budgetsNearLimit.map { budget in
                [
                    "id": .string(budget.id), "client": .string(budget.client), "amount": .string(Figures.usd(budget.amount)),
                    "spent": .string(Figures.usd(budget.spent)), "forecast": .string(Figures.usd(budget.forecast)),
                    "percent": budget.percent.map(JSONValue.string) ?? .null, "policy": .string(budget.policy),
                    "period_start": .string(budget.periodStart.rfc3339),
                ]
            }),
            "spikes": .array(spikes.map { spike in
                [
                    "client": .string(spike.client), "day": .string(spike.day), "llm_cost": .string(Figures.usd(spike.cost)),
                    "daily_mean": .string(Figures.usd(spike.dailyMean)), "multiple": .string(spike.multiple),
                ]
            }),
            "previous": ["llm_cost": .string(Figures.usd(previousCost)), "executions": .integer(previousExecutions)],
            "change_percent": ["llm_cost": Figures.change(Figures.cents(cost), from: Figures.cents(previousCost)).map(JSONValue.string) ?? .null],
        ]
    }

    /// The layout CSV, Markdown and HTML are rendered from.
    public var document: ReportDocument {
        let lines = { (lines: [Line]) -> [[String]] in lines.map { [$0.name, String($0.events), Figures.usd($0.cost)] } }
        return ReportDocument(
            title: "Agency report \(period.label)",
            subtitle: "Period \(period.from.rfc3339) to \(period.to.rfc3339) (UTC). Generated \(generatedAt.rfc3339).",
            sections: [
                .init("Summary", .facts([
                    ("LLM cost", "$" + Figures.usd(cost)),
                    ("Change from \(period.previous.label)", Figures.change(Figures.cents(cost), from: Figures.cents(previousCost)).map { $0 + "%" } ?? "—"),
                    ("LLM events", String(events)),
                    ("Executions", String(executions.total)),
                    ("Success rate", executions.successRate.map { ratioPercent($0) } ?? "—"),
                    ("Failure rate", executions.failureRate.map { ratioPercent($0) } ?? "—"),
                    ("Unattributed spend", "$" + Figures.usd(unattributed.cost)),
                    ("Unpriced events", String(unpricedEvents)),
                ])),
                .init("Failure hotspots", .table(headers: ["Workflow", "Client", "Failed", "Executions", "Failure rate"], rows: failureHotspots.map { spot in
                    [spot.workflowName ?? spot.workflow, spot.client ?? "(unknown)", String(spot.failed), String(spot.total),
                     spot.failureRate.map { ratioPercent($0) } ?? "—"]
                }, chart: .init(labelColumn: 0, valueColumn: 2))),
                .init("Spend by client", .table(headers: ["Client", "Events", "LLM cost (USD)"], rows: lines(byClient), chart: .init(labelColumn: 0, valueColumn: 2))),
                .init("Spend by provider", .table(headers: ["Provider", "Events", "LLM cost (USD)"], rows: lines(byProvider), chart: .init(labelColumn: 0, valueColumn: 2))),
                .init("Spend by model", .table(headers: ["Model", "Events", "LLM cost (USD)"], rows: lines(byModel), chart: .init(labelColumn: 0, valueColumn: 2))),
                .init("Unpriced events", .table(headers: ["Model", "Events"], rows: unpricedModels.map { [$0.name, String($0.events)] }, chart: nil),
                      note: "Events whose model has no price yet: their cost is not in the totals until a price is added (prices.set)."),
                .init("Budgets near their limit", .table(headers: ["Budget", "Client", "Spent (USD)", "Amount (USD)", "Used %", "Forecast (USD)", "Policy"],
                    rows: budgetsNearLimit.map { budget in
                        [budget.id, budget.client, Figures.usd(budget.spent), Figures.usd(budget.amount), budget.percent ?? "—",
                         Figures.usd(budget.forecast), budget.policy]
                    }, chart: nil), note: "Budgets at 80 % or more of their amount in their current period."),
                .init("Largest spikes", .table(headers: ["Client", "Day", "LLM cost (USD)", "Daily mean (USD)", "× mean"], rows: spikes.map { spike in
                    [spike.client, spike.day, Figures.usd(spike.cost), Figures.usd(spike.dailyMean), spike.multiple]
                }, chart: nil), note: "Days on which a client's spend was at least twice its daily mean over the period."),
            ])
    }

    private func ratioPercent(_ ratio: String) -> String {
        guard let value = try? Money.parse(ratio) else { return ratio }
        return Money(picoUSD: value.picoUSD * 100).formatted(decimalPlaces: 2) + "%"
    }
}
