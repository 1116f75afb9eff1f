import TallyCore

/// One client's report for a period: what the LLM spend cost, what it was billed, and what it
/// achieved (tasks automated, hours saved), with the previous period for comparison.
public struct ClientReport: Sendable {
    public var client: ClientProfile
    public var period: ReportPeriod
    public var generatedAt: Timestamp
    public var current: Totals
    public var previous: Totals
    /// Every workflow with cost or tasks in the period, largest cost first.
    public var workflows: [WorkflowLine]
    /// Cost by provider and model, largest first.
    public var models: [ModelLine]
    public var executions: ExecutionTotals

    /// The period's headline figures.
    public struct Totals: Sendable {
        public var cost: Money
        public var events: Int64
        public var unpricedEvents: Int64
        public var tasks: Int64
        /// Minutes saved, a decimal in pico-units.
        public var minutesSaved: Money
        public var bill: Bill

        public init(cost: Money, events: Int64, unpricedEvents: Int64, tasks: Int64, minutesSaved: Money, bill: Bill) {
            self.cost = cost
            self.events = events
            self.unpricedEvents = unpricedEvents
            self.tasks = tasks
            self.minutesSaved = minutesSaved
            self.bill = bill
        }

        /// Cost rounded to cents, billed rounded to cents, margin as their difference.
        public var costCents: Money { Figures.cents(cost) }
        public var billedCents: Money { Figures.cents(bill.billed) }
        public var marginCents: Money { billedCents - costCents }
    }

    /// One workflow's figures.
    public struct WorkflowLine: Sendable {
        public var workflow: String
        public var name: String?
        public var outcomeLabel: String
        public var tasks: Int64
        public var minutesSaved: Money
        public var cost: Money
        /// Whether tasks are the outcomes events reported (else successful executions).
        public var tasksFromOutcomes: Bool

        public init(workflow: String, name: String?, outcomeLabel: String, tasks: Int64, minutesSaved: Money, cost: Money, tasksFromOutcomes: Bool) {
            self.workflow = workflow
            self.name = name
            self.outcomeLabel = outcomeLabel
            self.tasks = tasks
            self.minutesSaved = minutesSaved
            self.cost = cost
            self.tasksFromOutcomes = tasksFromOutcomes
        }

        public var displayName: String { name ?? (workflow.isEmpty ? "(no workflow)" : workflow) }
    }

    /// One model's share of the cost.
    public struct ModelLine: Sendable {
        public var provider: String
        public var model: String
        public var cost: Money
        public var events: Int64

        public init(provider: String, model: String, cost: Money, events: Int64) {
            self.provider = provider
            self.model = model
            self.cost = cost
            self.events = events
        }
    }

    public init(client: ClientProfile, period: ReportPeriod, generatedAt: Timestamp, current: Totals, previous: Totals,
                workflows: [WorkflowLine], models: [ModelLine], executions: ExecutionTotals) {
        self.client = client
        self.period = period
        self.generatedAt = generatedAt
        self.current = current
        self.previous = previous
        self.workflows = workflows
        self.models = models
        self.executions = executions
    }

    /// The five workflows that saved the most time.
    public var topByValue: [WorkflowLine] {
        Array(workflows.filter { !$0.minutesSaved.isZero }.sorted { ($0.minutesSaved, $1.workflow) > ($1.minutesSaved, $0.workflow) }.prefix(5))
    }

    /// The five workflows that cost the most.
    public var topByCost: [WorkflowLine] {
        Array(workflows.filter { !$0.cost.isZero }.sorted { ($0.cost, $1.workflow) > ($1.cost, $0.workflow) }.prefix(5))
    }
}

/// Executions of a period, counted by how they ended, with the LLM cost they carried.
public struct ExecutionTotals: Sendable, Hashable {
    public var total: Int64 = 0
    public var succeeded: Int64 = 0
    public var failed: Int64 = 0
    public var retries: Int64 = 0
    public var costOfSucceeded: Money = .zero
    public var costOfFailed: Money = .zero
    public var costOfRetries: Money = .zero

    public init() {}

    public var other: Int64 { total - succeeded - failed }
    public var successRate: String? { Figures.ratio(succeeded, total) }
    public var failureRate: String? { Figures.ratio(failed, total) }
    /// LLM cost of the successful executions divided by their number.
    public var costPerSuccessfulExecution: Money? { Figures.per(costOfSucceeded, succeeded) }

    /// Adds one group of executions.
    public mutating func add(status: ExecutionStatus, executions: Int64, retries: Int64, cost: Money, retryCost: Money) {
        total += executions
        self.retries += retries
        costOfRetries += retryCost
        switch status.outcome {
        case .succeeded:
            succeeded += executions
            costOfSucceeded += cost
        case .failed:
            failed += executions
            costOfFailed += cost
        case .other: break
        }
    }
}
