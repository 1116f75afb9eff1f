import TallyCore
import TallyReports
import TallyStore

/// Reports are computed where the ledger lives: from the hourly rollups (spend, outcomes) and
/// the executions joined with their LLM spend, never by scanning events.
extension AgencyPipeline {
    /// Why a report cannot be made.
    enum ReportError: Error {
        /// The agency has never seen the client: not configured and in no event.
        case unknownClient(String)
    }

    func clientReport(client id: String, period: ReportPeriod, now: Timestamp) throws -> ClientReport {
        guard let profile = try database.client(id) else { throw ReportError.unknownClient(id) }
        let names = try database.storedWorkflowNames()
        let current = try clientFigures(profile, period: period, names: names)
        let previous = try clientFigures(profile, period: period.previous, names: names)
        return ClientReport(
            client: profile, period: period, generatedAt: now, current: current.totals, previous: previous.totals,
            workflows: current.workflows, models: current.models, executions: current.executions)
    }

    private struct ClientFigures {
        var totals: ClientReport.Totals
        var workflows: [ClientReport.WorkflowLine]
        var models: [ClientReport.ModelLine]
        var executions: ExecutionTotals
    }

    private func clientFigures(_ profile: ClientProfile, period: ReportPeriod, names: [String: String]) throws -> ClientFigures {
        let spend = try database.reportSpend(from: period.from, to: period.to, client: profile.id)
        var costByWorkflow: [String: Money] = [:]
        var outcomes: [String: Int64] = [:]
        var models: [String: ClientReport.ModelLine] = [:]
        var total = ReportSpendSums()
        for (key, sums) in spend {
            costByWorkflow[key.workflow, default: .zero] += sums.cost
            outcomes[key.workflow, default: 0] += sums.outcomes
            let modelKey = key.provider + "\u{0}" + key.model
            var line = models[modelKey] ?? .init(provider: key.provider, model: key.model, cost: .zero, events: 0)
            line.cost += sums.cost
            line.events += sums.events
            models[modelKey] = line
            total.events += sums.events
            total.unpriced += sums.unpriced
            total.cost += sums.cost
        }

        var executions = ExecutionTotals()
        var succeededByWorkflow: [String: Int64] = [:]
        var executionNames: [String: String] = [:]
        for group in try database.executionGroups(from: period.from, to: period.to, client: profile.id) {
            executions.add(status: group.status, executions: group.executions, retries: group.retries, cost: group.cost, retryCost: group.retryCost)
            if group.status.outcome == .succeeded { succeededByWorkflow[group.workflow, default: 0] += group.executions }
            if let name = group.workflowName { executionNames[group.workflow] = name }
        }

        var lines: [ClientReport.WorkflowLine] = []
        var totalTasks: Int64 = 0
        var totalMinutes = Money.zero
        for workflow in Set(costByWorkflow.keys).union(succeededByWorkflow.keys).sorted() {
            let reported = outcomes[workflow] ?? 0
            let tasks = reported > 0 ? reported : succeededByWorkflow[workflow] ?? 0
            let minutes = profile.minutesPerTask(workflow: workflow) * tasks
            totalTasks += tasks
            totalMinutes += minutes
            lines.append(.init(
                workflow: workflow, name: names[workflow] ?? executionNames[workflow], outcomeLabel: profile.outcomeLabel(workflow: workflow),
                tasks: tasks, minutesSaved: minutes, cost: costByWorkflow[workflow] ?? .zero, tasksFromOutcomes: reported > 0))
        }
        lines.sort { ($0.cost, $1.workflow) > ($1.cost, $0.workflow) }
        return ClientFigures(
            totals: .init(cost: total.cost, events: total.events, unpricedEvents: total.unpriced, tasks: totalTasks,
                          minutesSaved: totalMinutes, bill: profile.plan.bill(cost: total.cost)),
            workflows: lines, models: models.values.sorted { ($0.cost, $1.model) > ($1.cost, $0.model) }, executions: executions)
    }

    /// The agency's report: one scan of the period's rollups and one of its execution rollups
    /// give every figure; the previous period needs only its totals.
    func agencyReport(period: ReportPeriod, now: Timestamp) throws -> AgencyReport {
        var providers: [String: AgencyReport.Line] = [:]
        var models: [String: AgencyReport.Line] = [:]
        var clients: [String: AgencyReport.Line] = [:]
        var unpricedModels: [String: AgencyReport.Line] = [:]
        var daily: [String: [Int64: Money]] = [:]
        var total = ReportSpendSums()
        func add(_ lines: inout [String: AgencyReport.Line], _ name: String, _ sums: ReportSpendSums) {
            var line = lines[name] ?? .init(name: name, cost: .zero, events: 0)
            line.cost += sums.cost
            line.events += sums.events
            lines[name] = line
        }
        for (key, sums) in try database.reportSpend(from: period.from, to: period.to) {
            add(&providers, key.provider, sums)
            add(&models, "\(key.provider) / \(key.model)", sums)
            add(&clients, key.client ?? "unattributed", sums)
            if sums.unpriced > 0 {
                var line = unpricedModels["\(key.provider)/\(key.model)"] ?? .init(name: "\(key.provider)/\(key.model)", cost: .zero, events: 0)
                line.events += sums.unpriced
                unpricedModels[line.name] = line
            }
            if let client = key.client { daily[client, default: [:]][key.day, default: .zero] += sums.cost }
            total.events += sums.events
            total.unpriced += sums.unpriced
            total.cost += sums.cost
        }
        let ordered = { (lines: [String: AgencyReport.Line]) in lines.values.sorted { ($0.cost, $1.name) > ($1.cost, $0.name) } }
        let previous = try database.reportSpend(from: period.previous.from, to: period.previous.to).values.reduce(Money.zero) { $0 + $1.cost }

        var executions = ExecutionTotals()
        var spots: [String: AgencyReport.Hotspot] = [:]
        for group in try database.executionGroups(from: period.from, to: period.to) {
            executions.add(status: group.status, executions: group.executions, retries: group.retries, cost: group.cost, retryCost: group.retryCost)
            let key = (group.client ?? "") + "\u{0}" + group.workflow
            var spot = spots[key] ?? .init(client: group.client, workflow: group.workflow, workflowName: group.workflowName, failed: 0, total: 0)
            spot.total += group.executions
            if group.status.outcome == .failed { spot.failed += group.executions }
            spots[key] = spot
        }
        let hotspots = spots.values.filter { $0.failed > 0 }
            .sorted { ($0.failed, $1.total, $1.workflow) > ($1.failed, $0.total, $0.workflow) }
        let previousExecutions = try database.executionGroups(from: period.previous.from, to: period.previous.to).reduce(Int64(0)) { $0 + $1.executions }

        var nearLimit: [AgencyReport.BudgetLine] = []
        for entry in budgets.all {
            guard let status = try budgetStatus(entry.budget.id, at: now, now: now), !status.budget.amount.isZero,
                  status.spent.picoUSD * 5 >= status.budget.amount.picoUSD * 4 else { continue }
            nearLimit.append(.init(id: status.budget.id, client: status.budget.client, amount: status.budget.amount, spent: status.spent,
                                   forecast: status.forecast, policy: status.budget.policy.rawValue, periodStart: status.period.ref.start))
        }

        let unattributed = clients["unattributed"] ?? .init(name: "unattributed", cost: .zero, events: 0)
        return AgencyReport(
            period: period, generatedAt: now, executions: executions, failureHotspots: Array(hotspots.prefix(10)),
            cost: total.cost, events: total.events, previousCost: previous, previousExecutions: previousExecutions,
            byProvider: ordered(providers), byModel: ordered(models), byClient: ordered(clients), unattributed: unattributed,
            unpricedEvents: total.unpriced, unpricedModels: unpricedModels.values.sorted { ($0.events, $1.name) > ($1.events, $0.name) },
            budgetsNearLimit: nearLimit, spikes: Self.spikes(daily))
    }

    /// Days on which a client spent at least twice its mean over the days it spent anything
    /// (clients with spend on at least three days), largest excess first, at most ten.
    static func spikes(_ daily: [String: [Int64: Money]]) -> [AgencyReport.Spike] {
        var spikes: [AgencyReport.Spike] = []
        for (client, days) in daily {
            let spent = days.filter { $0.value > .zero }
            guard spent.count >= 3 else { continue }
            let mean = Money(picoUSD: Money.sum(spent.values).picoUSD / Int128(spent.count))
            for (day, cost) in spent where cost.picoUSD >= mean.picoUSD * 2 {
                spikes.append(.init(client: client, day: UTCDate(daysSinceEpoch: day).description, cost: cost, dailyMean: mean))
            }
        }
        return Array(spikes.sorted { ($0.cost - $0.dailyMean, $1.client, $1.day) > ($1.cost - $1.dailyMean, $0.client, $0.day) }.prefix(10))
    }
}
