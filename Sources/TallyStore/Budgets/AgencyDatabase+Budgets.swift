import TallyCore
import TallyJSON

extension AgencyDatabase {
    /// Why a stored budget could not be read back.
    public struct BudgetDecodeError: Error, CustomStringConvertible {
        public let budgetID: String
        public let field: String
        public var description: String { "budget '\(budgetID)' has an unreadable \(field) in the database" }
    }

    /// Creates or replaces a budget; returns whether it existed before.
    @discardableResult
    public func putBudget(_ budget: Budget, at now: Timestamp) throws -> Bool {
        let existed = try connection.statement("SELECT 1 FROM budgets WHERE id = ?").firstRow([budget.id]) { _ in true } ?? false
        let thresholds = JSONCodec.serializeToString(.array(budget.thresholds.map(\.jsonValue)))
        try connection.statement("""
            INSERT INTO budgets (id, client, amount_pico, period, anchor, timezone, thresholds, policy, workflow, provider, model, created_us, updated_us)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET client = excluded.client, amount_pico = excluded.amount_pico, period = excluded.period,
                anchor = excluded.anchor, timezone = excluded.timezone, thresholds = excluded.thresholds, policy = excluded.policy,
                workflow = excluded.workflow, provider = excluded.provider, model = excluded.model, updated_us = excluded.updated_us
            """).execute([
                budget.id, budget.client, String(budget.amount.picoUSD), budget.kind.rawValue, budget.anchor, budget.timeZone,
                thresholds, budget.policy.rawValue, budget.workflow, budget.provider, budget.model,
                now.microsecondsSinceEpoch, now.microsecondsSinceEpoch,
            ])
        return existed
    }

    /// Every budget, by id.
    public func budgets() throws -> [Budget] {
        try connection.statement("""
            SELECT id, client, amount_pico, period, anchor, timezone, thresholds, policy, workflow, provider, model FROM budgets ORDER BY id
            """).rows { row in
            let id = row.string(0)
            guard let amount = Int128(row.string(2)) else { throw BudgetDecodeError(budgetID: id, field: "amount") }
            guard let kind = BudgetPeriodKind(rawValue: row.string(3)) else { throw BudgetDecodeError(budgetID: id, field: "period") }
            guard let policy = Budget.Policy(rawValue: row.string(7)) else { throw BudgetDecodeError(budgetID: id, field: "policy") }
            let thresholds = try JSONCodec.parse(row.string(6)).arrayValue?.compactMap(BudgetThreshold.decode) ?? []
            return Budget(id: id, client: row.string(1), amount: Money(picoUSD: amount), kind: kind, anchor: Int(row.int64(4)),
                          timeZone: row.string(5), thresholds: thresholds, policy: policy,
                          workflow: row.optionalString(8), provider: row.optionalString(9), model: row.optionalString(10))
        }
    }

    /// Deletes a budget; its fired alerts stay in the history. Returns whether it existed.
    public func deleteBudget(id: String) throws -> Bool {
        try connection.statement("DELETE FROM budgets WHERE id = ?").execute([id])
        return connection.changes > 0
    }

    /// The spend a budget counts between two instants (its client, narrowed to its scope).
    public func spend(of budget: Budget, from: Timestamp, to: Timestamp) throws -> SpendSums {
        try spend(SpendQuery(from: from, to: to, filters: budget.spendFilters, limit: 1)).total
    }
}

extension Budget {
    /// The spend-query filters of the spend this budget counts.
    public var spendFilters: [SpendQuery.Dimension: [String]] {
        var filters: [SpendQuery.Dimension: [String]] = [.client: [client]]
        if let workflow { filters[.workflow] = [workflow] }
        if let provider { filters[.provider] = [provider] }
        if let model { filters[.model] = [model] }
        return filters
    }
}

extension AgencyDatabase {
    /// Workflow display names by workflow id (the latest name seen).
    public func storedWorkflowNames() throws -> [String: String] {
        var names: [String: String] = [:]
        try connection.statement("SELECT workflow, name FROM workflow_names").forEachRow { names[$0.string(0)] = $0.string(1) }
        return names
    }
}
