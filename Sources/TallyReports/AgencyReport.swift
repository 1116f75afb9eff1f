import TallyCore

/// The agency's operations view of a period: executions and where they fail, spend by
/// provider, model and client, what is unattributed or unpriced, budgets near their limit and
/// the largest daily spikes.
public struct AgencyReport: Sendable {
    public var period: ReportPeriod
    public var generatedAt: Timestamp
    public var executions: ExecutionTotals
    /// Client and workflow pairs with failed executions, most failures first (at most ten).
    public var failureHotspots: [Hotspot]
    public var cost: Money
    public var events: Int64
    public var previousCost: Money
    public var previousExecutions: Int64
    public var byProvider: [Line]
    public var byModel: [Line]
    public var byClient: [Line]
    public var unattributed: Line
    public var unpricedEvents: Int64
    /// Models with unpriced events: `name` is "provider/model", `events` their count.
    public var unpricedModels: [Line]
    public var budgetsNearLimit: [BudgetLine]
    public var spikes: [Spike]

    /// A grouping's cost and events; `name` is the provider, "provider / model" or the client.
    public struct Line: Sendable, Hashable {
        public var name: String
        public var cost: Money
        public var events: Int64

        public init(name: String, cost: Money, events: Int64) {
            self.name = name
            self.cost = cost
            self.events = events
        }
    }

    /// Failed executions of one client's workflow.
    public struct Hotspot: Sendable, Hashable {
        public var client: String?
        public var workflow: String
        public var workflowName: String?
        public var failed: Int64
        public var total: Int64

        public init(client: String?, workflow: String, workflowName: String?, failed: Int64, total: Int64) {
            self.client = client
            self.workflow = workflow
            self.workflowName = workflowName
            self.failed = failed
            self.total = total
        }

        public var failureRate: String? { Figures.ratio(failed, total) }
    }

    /// A budget at or above 80 % of its amount in its current period.
    public struct BudgetLine: Sendable, Hashable {
        public var id: String
        public var client: String
        public var amount: Money
        public var spent: Money
        public var forecast: Money
        public var policy: String
        public var periodStart: Timestamp

        public init(id: String, client: String, amount: Money, spent: Money, forecast: Money, policy: String, periodStart: Timestamp) {
            self.id = id
            self.client = client
            self.amount = amount
            self.spent = spent
            self.forecast = forecast
            self.policy = policy
            self.periodStart = periodStart
        }

        public var percent: String? { Figures.percent(spent, of: amount) }
    }

    /// A client's day that cost at least twice its daily mean over the period.
    public struct Spike: Sendable, Hashable {
        public var client: String
        public var day: String
        public var cost: Money
        public var dailyMean: Money

        public init(client: String, day: String, cost: Money, dailyMean: Money) {
            self.client = client
            self.day = day
            self.cost = cost
            self.dailyMean = dailyMean
        }

        /// The day's cost over the mean, one decimal ("3.4").
        public var multiple: String { Money(picoUSD: cost.picoUSD * Money.picoPerUSD / max(dailyMean.picoUSD, 1)).formatted(decimalPlaces: 1) }
    }

    public init(period: ReportPeriod, generatedAt: Timestamp, executions: ExecutionTotals, failureHotspots: [Hotspot], cost: Money,
                events: Int64, previousCost: Money, previousExecutions: Int64, byProvider: [Line], byModel: [Line], byClient: [Line],
                unattributed: Line, unpricedEvents: Int64, unpricedModels: [Line], budgetsNearLimit: [BudgetLine], spikes: [Spike]) {
        self.period = period
        self.generatedAt = generatedAt
        self.executions = executions
        self.failureHotspots = failureHotspots
        self.cost = cost
        self.events = events
        self.previousCost = previousCost
        self.previousExecutions = previousExecutions
        self.byProvider = byProvider
        self.byModel = byModel
        self.byClient = byClient
        self.unattributed = unattributed
        self.unpricedEvents = unpricedEvents
        self.unpricedModels = unpricedModels
        self.budgetsNearLimit = budgetsNearLimit
        self.spikes = spikes
    }
}
