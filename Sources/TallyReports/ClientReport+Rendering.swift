import TallyCore
import TallyJSON

extension ClientReport: RenderableReport {
    /// The report as `reports.client` returns it in the `json` format. Money is a decimal string
    /// of dollars rounded to cents; ratios are decimal strings; `null` where a figure has no
    /// meaning (cost per task with no tasks, change from a period without spend).
    public var jsonValue: JSONValue {
        let bill = current.bill
        var billing: [String: JSONValue] = ["plan": client.plan.jsonValue, "summary": .string(client.plan.summary)]
        if case .retainer(let fee, let included, _) = client.plan {
            billing["fee"] = .string(Figures.usd(fee))
            billing["included"] = .string(Figures.usd(included))
            billing["overage"] = .string(Figures.usd(bill.overage ?? .zero))
            billing["overage_billed"] = .string(Figures.usd(Figures.cents(bill.billed) - Figures.cents(fee)))
        }
        let costPerTask = Figures.per(current.cost, current.tasks)
        return [
            "client": ["id": .string(client.id), "name": .string(client.displayName), "contact": client.contact.map(JSONValue.string) ?? .null],
            "period": Self.periodJSON(period), "previous_period": Self.periodJSON(period.previous),
            "generated_at": .string(generatedAt.rfc3339), "currency": "USD",
            "llm_cost": .string(Figures.usd(current.costCents)), "billed": .string(Figures.usd(current.billedCents)),
            "margin": .string(Figures.usd(current.marginCents)),
            "margin_percent": Figures.percent(current.marginCents, of: current.billedCents).map(JSONValue.string) ?? .null,
            "billing": .object(billing),
            "events": .integer(current.events), "unpriced_events": .integer(current.unpricedEvents),
            "tasks": .integer(current.tasks), "hours_saved": .string(Figures.hours(minutes: current.minutesSaved)),
            "cost_per_task": costPerTask.map { .string(Figures.unitUSD($0)) } ?? .null,
            "executions": Self.executionsJSON(executions),
            "workflows": .array(workflows.map(Self.workflowJSON)),
            "top_by_value": .array(topByValue.map(Self.workflowJSON)),
            "top_by_cost": .array(topByCost.map(Self.workflowJSON)),
            "model_mix": .array(models.map { line in
                [
                    "provider": .string(line.provider), "model": .string(line.model), "llm_cost": .string(Figures.usd(line.cost)),
                    "events": .integer(line.events),
                    "share_percent": Figures.percent(line.cost, of: current.cost).map(JSONValue.string) ?? .null,
                ]
            }),
            "previous": [
                "llm_cost": .string(Figures.usd(previous.costCents)), "billed": .string(Figures.usd(previous.billedCents)),
                "margin": .string(Figures.usd(previous.marginCents)), "tasks": .integer(previous.tasks),
                "hours_saved": .string(Figures.hours(minutes: previous.minutesSaved)),
            ],
            "change_percent": [
                "llm_cost": Figures.change(current.costCents, from: previous.costCents).map(JSONValue.string) ?? .null,
                "billed": Figures.change(current.billedCents, from: previous.billedCents).map(JSONValue.string) ?? .null,
                "tasks": Figures.change(Money(wholeUSD: current.tasks), from: Money(wholeUSD: previous.tasks)).map(JSONValue.string) ?? .null,
                "hours_saved": Figures.change(current.minutesSaved, from: previous.minutesSaved).map(JSONValue.string) ?? .null,
            ],
        ]
    }

    static func periodJSON(_ period: ReportPeriod) -> JSONValue {
        ["label": .string(period.label), "from": .string(period.from.rfc3339), "to": .string(period.to.rfc3339)]
    }

    static func executionsJSON(_ executions: ExecutionTotals) -> JSONValue {
        [
            "total": .integer(executions.total), "succeeded": .integer(executions.succeeded), "failed": .integer(executions.failed),
            "other": .integer(executions.other), "retries": .integer(executions.retries),
            "success_rate": executions.successRate.map(JSONValue.string) ?? .null,
            "failure_rate": executions.failureRate.map(JSONValue.string) ?? .null,
            "cost_of_failed": .string(Figures.usd(executions.costOfFailed)),
            "cost_of_retries": .string(Figures.usd(executions.costOfRetries)),
            "cost_per_successful_execution": executions.costPerSuccessfulExecution.map { .string(Figures.unitUSD($0)) } ?? .null,
        ]
    }

    static func workflowJSON(_ line: WorkflowLine) -> JSONValue {
        [
            "workflow": .string(line.workflow), "name": .string(line.displayName), "outcome_label": .string(line.outcomeLabel),
            "tasks": .integer(line.tasks), "tasks_from": .string(line.tasksFromOutcomes ? "outcomes" : "successful_executions"),
            "hours_saved": .string(Figures.hours(minutes: line.minutesSaved)), "llm_cost": .string(Figures.usd(line.cost)),
            "cost_per_task": Figures.per(line.cost, line.tasks).map { .string(Figures.unitUSD($0)) } ?? .null,
        ]
    }

    /// The layout CSV, Markdown and HTML are rendered from.
    public var document: ReportDocument {
        let costPerTask = Figures.per(current.cost, current.tasks).map { "$" + Figures.unitUSD($0) } ?? "—"
        var summary: [(String, String)] = [
            ("Tasks automated", String(current.tasks)),
            ("Hours saved", Figures.hours(minutes: current.minutesSaved)),
            ("LLM cost", "$" + Figures.usd(current.costCents)),
            ("Cost per task", costPerTask),
            ("Billed", "$" + Figures.usd(current.billedCents)),
            ("Margin", "$" + Figures.usd(current.marginCents)),
        ]
        if let percent = Figures.percent(current.marginCents, of: current.billedCents) { summary.append(("Margin %", percent + "%")) }
        var billing: [(String, String)] = [("Plan", client.plan.summary)]
        if case .retainer(let fee, let included, _) = client.plan {
            billing.append(("Retainer fee", "$" + Figures.usd(fee)))
            billing.append(("Included LLM usage", "$" + Figures.usd(included)))
            billing.append(("Overage", "$" + Figures.usd(current.bill.overage ?? .zero)))
            billing.append(("Overage billed", "$" + Figures.usd(current.billedCents - Figures.cents(fee))))
        }
        billing.append(("Billed", "$" + Figures.usd(current.billedCents)))
        let change = { (current: Money, previous: Money) in Figures.change(current, from: previous).map { $0 + "%" } ?? "—" }
        let comparison: [[String]] = [
            ["LLM cost", "$" + Figures.usd(current.costCents), "$" + Figures.usd(previous.costCents), change(current.costCents, previous.costCents)],
            ["Billed", "$" + Figures.usd(current.billedCents), "$" + Figures.usd(previous.billedCents), change(current.billedCents, previous.billedCents)],
            ["Tasks automated", String(current.tasks), String(previous.tasks), change(Money(wholeUSD: current.tasks), Money(wholeUSD: previous.tasks))],
            ["Hours saved", Figures.hours(minutes: current.minutesSaved), Figures.hours(minutes: previous.minutesSaved),
             change(current.minutesSaved, previous.minutesSaved)],
        ]
        let workflowRow = { (line: WorkflowLine) -> [String] in
            [line.displayName, line.outcomeLabel, String(line.tasks), Figures.hours(minutes: line.minutesSaved), Figures.usd(line.cost),
             Figures.per(line.cost, line.tasks).map(Figures.unitUSD) ?? "—"]
        }
        let workflowHeaders = ["Workflow", "Outcome", "Tasks", "Hours saved", "LLM cost (USD)", "Cost per task (USD)"]
        return ReportDocument(
            title: "\(client.displayName): automation report \(period.label)",
            subtitle: "Period \(period.from.rfc3339) to \(period.to.rfc3339) (UTC). Generated \(generatedAt.rfc3339).",
            sections: [
                .init("Summary", .facts(summary)),
                .init("Compared with \(period.previous.label)", .table(headers: ["Figure", period.label, period.previous.label, "Change"], rows: comparison, chart: nil)),
                .init("Top workflows by value", .table(headers: workflowHeaders, rows: topByValue.map(workflowRow), chart: .init(labelColumn: 0, valueColumn: 3)),
                      note: "Hours saved: tasks × the minutes one task saves."),
                .init("Top workflows by cost", .table(headers: workflowHeaders, rows: topByCost.map(workflowRow), chart: .init(labelColumn: 0, valueColumn: 4))),
                .init("Model mix", .table(headers: ["Model", "Provider", "Events", "LLM cost (USD)", "Share %"], rows: models.map { line in
                    [line.model, line.provider, String(line.events), Figures.usd(line.cost), Figures.percent(line.cost, of: current.cost) ?? "—"]
                }, chart: .init(labelColumn: 0, valueColumn: 3))),
                .init("Executions", .facts([
                    ("Executions", String(executions.total)), ("Succeeded", String(executions.succeeded)), ("Failed", String(executions.failed)),
                    ("Retries", String(executions.retries)),
                    ("Cost per successful execution", executions.costPerSuccessfulExecution.map { "$" + Figures.unitUSD($0) } ?? "—"),
                    ("Cost of failed runs", "$" + Figures.usd(executions.costOfFailed)), ("Cost of retries", "$" + Figures.usd(executions.costOfRetries)),
                ])),
                .init("Billing", .facts(billing)),
                .init("All workflows", .table(headers: workflowHeaders, rows: workflows.map(workflowRow), chart: nil)),
            ])
    }
}
