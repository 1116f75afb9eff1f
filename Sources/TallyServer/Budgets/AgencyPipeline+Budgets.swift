import TallyCore
import TallyJSON
import TallyRules
import TallyStore

extension AgencyPipeline {
    // MARK: Budgets

    /// Creates or replaces a budget; returns whether it replaced one.
    func putBudget(_ budget: Budget, now: Timestamp) throws -> Bool {
        let replaced = try database.putBudget(budget, at: now)
        budgets.replace(try database.budgets())
        return replaced
    }

    func deleteBudget(id: String) throws -> Bool {
        let deleted = try database.deleteBudget(id: id)
        budgets.replace(try database.budgets())
        return deleted
    }

    /// The spend of a budget's period containing `instant`, loaded from the ledger (with its
    /// fired alert keys and hourly spend); the period containing `now` is kept in memory for
    /// `budgets.check` and `budgets.status` from then on.
    func period(of entry: BudgetTracker.Entry, containing instant: Timestamp, now: Timestamp) throws -> BudgetTracker.CurrentPeriod {
        let interval = entry.period.interval(containing: instant)
        let ref = BudgetPeriodRef(budgetID: entry.budget.id, key: entry.period.key(for: interval), start: interval.start, end: interval.end)
        if let current = budgets.entry(entry.budget.id)?.current, current.ref == ref { return current }
        let sums = try database.spend(of: entry.budget, from: interval.start, to: interval.end)
        var loaded = BudgetTracker.CurrentPeriod(ref: ref, spent: sums.cost, unpriced: sums.unpriced, events: sums.events)
        loaded.fired = try database.firedAlertKeys(budgetID: entry.budget.id, periodKey: ref.key)
        let recentEnd = min(max(now, interval.start), interval.end)
        let recentStart = max(interval.start, recentEnd.advanced(byMicroseconds: -2 * Timestamp.microsecondsPerDay))
        if recentStart < recentEnd {
            for row in try database.spend(SpendQuery(from: recentStart, to: recentEnd, bucket: .hour, filters: entry.budget.spendFilters, limit: 100)).rows {
                if let hour = row.bucketStart { loaded.hourly[hour.microsecondsSinceEpoch] = row.sums.cost }
            }
        }
        if interval.start <= now && now < interval.end { budgets.setCurrent(loaded, for: entry.budget.id) }
        return loaded
    }

    /// `budgets.status` of one budget for the period containing `instant`.
    func budgetStatus(_ id: String, at instant: Timestamp, now: Timestamp) throws -> BudgetStatus? {
        guard let entry = budgets.entry(id) else { return nil }
        return BudgetStatus(period: try period(of: entry, containing: instant, now: now), budget: entry.budget, now: now)
    }

    // MARK: Alerts

    /// What `on_spend(status)` is given for a budget's period: the status plus the recent facts
    /// the default alerts look at (hourly spend, workflows' failures, unpriced models, ...).
    func alertStatus(_ ref: BudgetPeriodRef, now: Timestamp) throws -> (status: BudgetStatus, facts: [String: JSONValue])? {
        guard let entry = budgets.entry(ref.budgetID), let status = try budgetStatus(ref.budgetID, at: ref.start, now: now) else { return nil }
        let client = entry.budget.client
        var facts: [String: JSONValue] = [:]

        let dayAgo = now.advanced(byMicroseconds: -Timestamp.microsecondsPerDay)
        let hourAgo = now.advanced(byMicroseconds: -3_600_000_000)
        let firstHour = Timestamp(microsecondsSinceEpoch: dayAgo.microsecondsSinceEpoch - dayAgo.microsecondsSinceEpoch % 3_600_000_000 + 3_600_000_000)
        let hourly = try database.spend(SpendQuery(from: firstHour, to: now, bucket: .hour, filters: [.client: [client]], limit: 100))
        var byHour: [Timestamp: SpendSums] = [:]
        for row in hourly.rows { if let start = row.bucketStart { byHour[start] = row.sums } }
        var hours: [JSONValue] = []
        var hour = firstHour
        while hour < now {
            let sums = byHour[hour] ?? SpendSums()
            hours.append(.object([
                "hour": .string(hour.rfc3339), "spent": sums.cost.jsonValue, "spent_usd": .number(sums.cost.approximateUSD),
                "calls": .integer(sums.events), "errors": .integer(sums.errors),
            ]))
            hour = hour.advanced(byMicroseconds: 3_600_000_000)
        }
        facts["hourly"] = .array(hours)

        let names = try database.storedWorkflowNames()
        let workflows = try database.spend(SpendQuery(from: hourAgo, to: now, groupBy: [.workflow], filters: [.client: [client]], limit: 100))
        facts["workflows"] = .array(workflows.rows.compactMap { row in
            guard let id = row.keys[.workflow] ?? nil, !id.isEmpty else { return nil }
            return .object(["id": .string(id), "name": names[id].map(JSONValue.string) ?? .string(id),
                            "calls": .integer(row.sums.events), "errors": .integer(row.sums.errors)])
        })

        let models = try database.spend(SpendQuery(from: ref.start, to: ref.end, groupBy: [.model], filters: [.client: [client]], limit: 1_000))
        facts["unpriced_models"] = .array(models.rows.filter { $0.sums.unpriced > 0 }.compactMap { ($0.keys[.model] ?? nil).map(JSONValue.string) })

        let utcDay = now.microsecondsSinceEpoch - now.microsecondsSinceEpoch % Timestamp.microsecondsPerDay
        let unattributed = try database.spend(SpendQuery(
            from: Timestamp(microsecondsSinceEpoch: utcDay), to: now.advanced(byMicroseconds: 1), filters: [.client: ["unattributed"]], limit: 1)).total
        facts["unattributed"] = .object([
            "spent": unattributed.cost.jsonValue, "spent_usd": .number(unattributed.cost.approximateUSD), "events": .integer(unattributed.events),
        ])
        return (status, facts)
    }

    /// Stores the alerts not fired before for this budget period; returns the new ones.
    func recordAlerts(_ alerts: [RuleAlert], for ref: BudgetPeriodRef, client: String, now: Timestamp) throws -> [StoredAlert] {
        let fresh = try database.transaction {
            try alerts.compactMap { alert in
                try database.recordAlert(budgetID: ref.budgetID, periodKey: ref.key, key: alert.key, client: client,
                                         level: alert.level.rawValue, message: alert.message, data: alert.data, at: now)
            }
        }
        budgets.markFired(fresh.map(\.key), budgetID: ref.budgetID, periodKey: ref.key)
        return fresh
    }

    func alerts(since: Timestamp, client: String?, levels: [String], limit: Int) throws -> [StoredAlert] {
        try database.alerts(since: since, client: client, levels: levels, limit: limit)
    }

    func alertsAwaitingOutbox() throws -> [StoredAlert] { try database.alertsAwaitingOutbox() }

    func markAlertOutboxed(_ alert: StoredAlert) throws { try database.markAlertOutboxed(sequence: alert.sequence) }
}
