import Logging
import TallyCore
import TallyJSON
import TallyRules
import TallyStore

/// Turns spend changes into alerts for one agency: asks `alerts.lua` what is true for each
/// budget period that changed, fires each `(budget, period, key)` once, pushes it to
/// subscribers and queues it for the agency's webhooks.
///
/// Evaluation runs beside ingest, never inside a commit: changes are collected into a set, so
/// a burst of commits for one budget costs one evaluation, not one per batch.
actor AlertEngine {
    let agency: AgencyID
    private let pipeline: AgencyPipeline
    private let rules: AgencyRules
    private let hub: AlertHub
    private let logger: Logger
    /// Queues an alert for delivery to the agency's webhooks (persisted before it returns).
    private let outbox: @Sendable (StoredAlert) async throws -> Void
    private var pending: Set<BudgetPeriodRef> = []
    private var draining = false

    init(agency: AgencyID, pipeline: AgencyPipeline, rules: AgencyRules, hub: AlertHub, logger: Logger,
         outbox: @escaping @Sendable (StoredAlert) async throws -> Void) {
        self.agency = agency
        self.pipeline = pipeline
        self.rules = rules
        self.hub = hub
        self.logger = logger
        self.outbox = outbox
    }

    /// Listens to the pipeline's commits (synchronously, so no commit after this call is missed).
    nonisolated func listen() {
        pipeline.onSpendChanged { [weak self] changed in
            guard let self else { return }
            Task { await self.enqueue(changed) }
        }
    }

    /// Queues for the webhooks what a crash left undelivered.
    func catchUp() async {
        do {
            for alert in try await pipeline.alertsAwaitingOutbox() { await handOver(alert) }
        } catch {
            logger.error("could not read alerts awaiting delivery", metadata: ["agency": "\(agency)", "error": "\(error)"])
        }
    }

    func enqueue(_ changed: Set<BudgetPeriodRef>) {
        pending.formUnion(changed)
        guard !draining else { return }
        draining = true
        Task { await drain() }
    }

    /// Evaluates every budget period now (after a budget is set, or a rules change).
    func evaluateAll() async {
        let now = Timestamp.now
        let refs = pipeline.budgets.all.map { entry in
            let interval = entry.period.interval(containing: now)
            return BudgetPeriodRef(budgetID: entry.budget.id, key: entry.period.key(for: interval), start: interval.start, end: interval.end)
        }
        enqueue(Set(refs))
    }

    private func drain() async {
        while !pending.isEmpty {
            let batch = pending.sorted { ($0.budgetID, $0.start) < ($1.budgetID, $1.start) }
            pending.removeAll()
            for ref in batch { await evaluate(ref) }
        }
        draining = false
    }

    private func evaluate(_ ref: BudgetPeriodRef) async {
        let now = Timestamp.now
        do {
            guard let (status, facts) = try await pipeline.alertStatus(ref, now: now) else { return }
            let ruleStatus = await rules.status()
            var ruleErrors: [JSONValue] = []
            if let failure = ruleStatus.lastFailure {
                ruleErrors.append(.object(["file": failure.error.file.map(JSONValue.string) ?? .null, "message": .string(failure.error.message)]))
            }
            let table = status.ruleStatus(agency: agency.rawValue, facts: facts, ruleErrors: ruleErrors)
            var alerts: [RuleAlert]
            do {
                alerts = try await rules.onSpend(table)
            } catch {
                // A broken alerts.lua must not silence a budget: the thresholds still fire.
                logger.warning("on_spend failed; firing the budget's thresholds", metadata: ["agency": "\(agency)", "error": "\(error)"])
                alerts = Self.thresholdAlerts(status) + [RuleAlert(
                    key: "rules:alerts.lua", level: .warning, message: "alerts.lua failed: \(error)",
                    data: .object(["error": .string("\(error)")]))]
            }
            let fresh = try await pipeline.recordAlerts(alerts.filter { !status.fired.contains($0.key) }, for: ref, client: status.budget.client, now: now)
            for alert in fresh {
                logger.info("alert fired", metadata: ["agency": "\(agency)", "alert": "\(alert.id)", "level": "\(alert.level)"])
                await hub.publish(alert, agency: agency)
                await handOver(alert)
            }
        } catch {
            logger.error("alert evaluation failed", metadata: ["agency": "\(agency)", "budget": "\(ref.budgetID)", "error": "\(error)"])
        }
    }

    /// Queues the alert for the webhooks, then marks it queued; a crash in between delivers it
    /// again at the next start (at least once).
    private func handOver(_ alert: StoredAlert) async {
        do {
            try await outbox(alert)
            try await pipeline.markAlertOutboxed(alert)
        } catch {
            logger.error("alert not queued for webhooks; it will be retried at the next start",
                         metadata: ["agency": "\(agency)", "alert": "\(alert.id)", "error": "\(error)"])
        }
    }

    /// The alerts the engine fires on its own when `alerts.lua` cannot run: one per crossed threshold.
    static func thresholdAlerts(_ status: BudgetStatus) -> [RuleAlert] {
        status.crossed.map { threshold in
            let level: RuleAlert.Level = status.spent >= status.budget.amount ? .critical : .warning
            return RuleAlert(
                key: "threshold:\(threshold.label)", level: level,
                message: "\(status.budget.client) reached \(threshold.label) of budget \(status.budget.id) for the period from \(status.period.ref.key) (\(status.spent.formatted()) of \(status.budget.amount.formatted()) USD)",
                data: .object(["threshold": threshold.jsonValue, "spent": status.spent.jsonValue, "amount": status.budget.amount.jsonValue]))
        }
    }
}
