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
        let filter: [SpendQuery.Dimension: [String]] = [.client: [profile.id]]
        let byWorkflow = try database.spend(SpendQuery(from: period.from, to: period.to, groupBy: [.workflow], filters: filter, limit: 100_000))
        let byModel = try database.spend(SpendQuery(from: period.from, to: period.to, groupBy: [.provider, .model], filters: filter, limit: 100_000))
        let groups = try database.executionGroups(from: period.from, to: period.to).filter { $0.client == profile.id }
        var outcomes: [String: Int64] = [:]
        for row in try database.outcomes(from: period.from, to: period.to) where row.client == profile.id {
            outcomes[row.workflow, default: 0] += row.outcomes
        }

        var executions = ExecutionTotals()
        var succeededByWorkflow: [String: Int64] = [:]
        var executionNames: [String: String] = [:]
        for group in groups {
            executions.add(status: group.status, executions: group.executions, retries: group.retries, cost: group.cost, retryCost: group.retryCost)
            if group.status.outcome == .succeeded { succeededByWorkflow[group.workflow, default: 0] += group.executions }
            if let name = group.workflowName { executionNames[group.workflow] = name }
        }
        var costByWorkflow: [String: Money] = [:]
        for row in byWorkflow.rows { costByWorkflow[(row.keys[.workflow] ?? nil) ?? "", default: .zero] += row.sums.cost }

        var lines: [ClientReport.WorkflowLine] = []
        var totalTasks: Int64 = 0
        var totalMinutes = Money.zero
        for workflow in Set(costByWorkflow.keys).union(succeededByWorkflow.keys).union(outcomes.keys).sorted() {
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
        let models = byModel.rows.map { row in
            ClientReport.ModelLine(provider: (row.keys[.provider] ?? nil) ?? "", model: (row.keys[.model] ?? nil) ?? "",
                                   cost: row.sums.cost, events: row.sums.events)
        }.sorted { ($0.cost, $1.model) > ($1.cost, $0.model) }
        let total = byWorkflow.total
        return ClientFigures(
            totals: .init(cost: total.cost, events: total.events, unpricedEvents: total.unpriced, tasks: totalTasks,
                          minutesSaved: totalMinutes, bill: profile.plan.bill(cost: total.cost)),
            workflows: lines, models: models, executions: executions)
    }

    func agencyReport(period: ReportPeriod, now: Timestamp) throws -> AgencyReport {
        func spend(_ groupBy: [SpendQuery.Dimension], in range: ReportPeriod = period, bucket: SpendQuery.Bucket? = nil) throws -> SpendResult {
            try database.spend(SpendQuery(from: range.from, to: range.to, groupBy: groupBy, bucket: bucket, limit: 100_000))
        }
        func lines(_ result: SpendResult, name: (SpendRow) -> String) -> [AgencyReport.Line] {
            result.rows.map { AgencyReport.Line(name: name($0), cost: $0.sums.cost, events: $0.sums.events) }
                .sorted { ($0.cost, $1.name) > ($1.cost, $0.name) }
        }
        let byProvider = try spend([.provider])
        let byModel = try spend([.provider, .model])
        let byClient = try spend([.client])
        let previous = try spend([], in: period.previous)

        var executions = ExecutionTotals()
        var spots: [String: AgencyReport.Hotspot] = [:]
        for group in try database.executionGroups(from: period.from, to: period.to) {
            executions.add(status: group.status, executions: group.executions, retries: group.retries, cost: group.cost, retryCost: group.retryCost)
            let key = (group.client ?? "") + "\u{0}" + group.workflow
            var spot = spots[key] ?? .init(client: group.client, workflow: group.workflow, workflowName: group.workflowName, failed: 0, total: 0)
            spot.total += group.executions
            if group.status.outcome == .failed { spot.failed += group.executions }
            spot.workflowName = spot.workflowName ?? group.workflowName
            spots[key] = spot
        }
        let names = try database.storedWorkflowNames()
        let hotspots = spots.values.filter { $0.failed > 0 }.map { spot in
            var named = spot
            named.workflowName = spot.workflowName ?? names[spot.workflow]
            return named
        }.sorted { ($0.failed, $1.total, $1.workflow) > ($1.failed, $0.total, $0.workflow) }
        let previousExecutions = try database.executionGroups(from: period.previous.from, to: period.previous.to).reduce(Int64(0)) { $0 + $1.executions }

        let unattributedRow = byClient.rows.first { ($0.keys[.client] ?? nil) == nil }
        var unpricedModels: [AgencyReport.Line] = []
        for row in byModel.rows where row.sums.unpriced > 0 {
            unpricedModels.append(.init(name: "\((row.keys[.provider] ?? nil) ?? "")/\((row.keys[.model] ?? nil) ?? "")", cost: .zero, events: row.sums.unpriced))
        }
        unpricedModels.sort { ($0.events, $1.name) > ($1.events, $0.name) }

        var nearLimit: [AgencyReport.BudgetLine] = []
        for entry in budgets.all {
            guard let status = try budgetStatus(entry.budget.id, at: now, now: now), !status.budget.amount.isZero,
                  status.spent.picoUSD * 5 >= status.budget.amount.picoUSD * 4 else { continue }
            nearLimit.append(.init(id: status.budget.id, client: status.budget.client, amount: status.budget.amount, spent: status.spent,
                                   forecast: status.forecast, policy: status.budget.policy.rawValue, periodStart: status.period.ref.start))
        }

        return AgencyReport(
            period: period, generatedAt: now, executions: executions, failureHotspots: Array(hotspots.prefix(10)),
            cost: byProvider.total.cost, events: byProvider.total.events, previousCost: previous.total.cost, previousExecutions: previousExecutions,
            byProvider: lines(byProvider) { ($0.keys[.provider] ?? nil) ?? "" },
            byModel: lines(byModel) { "\(($0.keys[.provider] ?? nil) ?? "") / \(($0.keys[.model] ?? nil) ?? "")" },
            byClient: lines(byClient) { ($0.keys[.client] ?? nil) ?? "unattributed" },
            unattributed: .init(name: "unattributed", cost: unattributedRow?.sums.cost ?? .zero, events: unattributedRow?.sums.events ?? 0),
            unpricedEvents: byProvider.total.unpriced, unpricedModels: unpricedModels, budgetsNearLimit: nearLimit,
            spikes: try spikes(period: period))
    }

    /// Days on which a client spent at least twice its mean over the days it spent anything
    /// (clients with spend on at least three days), largest excess first, at most ten.
    private func spikes(period: ReportPeriod) throws -> [AgencyReport.Spike] {
        let daily = try database.spend(SpendQuery(from: period.from, to: period.to, groupBy: [.client], bucket: .day, limit: 100_000))
        var byClient: [String: [(day: String, cost: Money)]] = [:]
        for row in daily.rows {
            guard let client = row.keys[.client] ?? nil, let day = row.bucketLabel, row.sums.cost > .zero else { continue }
            byClient[client, default: []].append((day, row.sums.cost))
        }
        var spikes: [AgencyReport.Spike] = []
        for (client, days) in byClient where days.count >= 3 {
            let mean = Money(picoUSD: Money.sum(days.map(\.cost)).picoUSD / Int128(days.count))
            for day in days where day.cost.picoUSD >= mean.picoUSD * 2 {
                spikes.append(.init(client: client, day: day.day, cost: day.cost, dailyMean: mean))
            }
        }
        return Array(spikes.sorted { ($0.cost - $0.dailyMean, $1.client, $1.day) > ($1.cost - $1.dailyMean, $0.client, $0.day) }.prefix(10))
    }
}
