import TallyCore
import TallyJSON

/// A budget's state in one period: spent, remaining, forecast and the thresholds crossed.
struct BudgetStatus: Sendable {
    let budget: Budget
    let period: BudgetTracker.CurrentPeriod
    /// Spend of the last (up to) 24 hours of the period, over `recentWindow` microseconds.
    let recentSpend: Money
    let recentWindow: Int64
    let now: Timestamp
    var fired: Set<String> { period.fired }

    init(period: BudgetTracker.CurrentPeriod, budget: Budget, now: Timestamp) {
        self.budget = budget
        self.period = period
        self.now = now
        (recentSpend, recentWindow) = period.recentSpend(now: now)
    }

    var spent: Money { period.spent }
    var remaining: Money { budget.amount - spent }

    /// The period's end spend if the recent burn rate holds: spent + rate × time left.
    /// Exact integer arithmetic, rounded down to the pico-dollar.
    var forecast: Money {
        let end = period.ref.end.microsecondsSinceEpoch
        let left = end - min(max(now.microsecondsSinceEpoch, period.ref.start.microsecondsSinceEpoch), end)
        guard recentWindow > 0, left > 0 else { return spent }
        return spent + Money(picoUSD: recentSpend.picoUSD * Int128(left) / Int128(recentWindow))
    }

    /// Spent over amount; a ratio for display and alert scripts, not money.
    var ratio: Double { budget.amount.isZero ? 0 : Double(spent.picoUSD) / Double(budget.amount.picoUSD) }

    var crossed: [BudgetThreshold] { budget.crossed(by: spent) }

    /// The answer of `budgets.status`.
    var jsonValue: JSONValue {
        .object([
            "budget": budget.jsonValue,
            "period": periodJSON,
            "spent": spent.jsonValue,
            "remaining": remaining.jsonValue,
            "ratio": .number(ratio),
            "forecast": forecast.jsonValue,
            "thresholds_crossed": .array(crossed.map(\.jsonValue)),
            "alerts_fired": .array(fired.sorted().map(JSONValue.string)),
            "events": .integer(period.events),
            "unpriced_events": .integer(period.unpriced),
            "as_of": .string(now.rfc3339),
        ])
    }

    var periodJSON: JSONValue {
        .object(["key": .string(period.ref.key), "start": .string(period.ref.start.rfc3339), "end": .string(period.ref.end.rfc3339)])
    }

    /// The table `on_spend(status)` receives (see docs/rules.md, "Alerts").
    func ruleStatus(agency: String, facts: [String: JSONValue], ruleErrors: [JSONValue]) -> JSONValue {
        var budgetTable = budget.jsonValue.objectValue ?? [:]
        budgetTable["amount_usd"] = .number(budget.amount.approximateUSD)
        budgetTable["thresholds"] = .array(budget.thresholds.map(Self.ruleTable))
        var status: [String: JSONValue] = [
            "agency": .string(agency), "client": .string(budget.client), "budget_id": .string(budget.id),
            "budget": .object(budgetTable), "period": periodJSON,
            "amount": budget.amount.jsonValue, "amount_usd": .number(budget.amount.approximateUSD),
            "spent": spent.jsonValue, "spent_usd": .number(spent.approximateUSD), "ratio": .number(ratio),
            "remaining": remaining.jsonValue,
            "forecast": forecast.jsonValue, "forecast_usd": .number(forecast.approximateUSD),
            "forecast_ratio": .number(budget.amount.isZero ? 0 : forecast.approximateUSD / budget.amount.approximateUSD),
            "fired": .object(Dictionary(uniqueKeysWithValues: fired.map { ($0, JSONValue.bool(true)) })),
            "thresholds_crossed": .array(crossed.map(Self.ruleTable)),
            "unpriced_events": .integer(period.unpriced), "events": .integer(period.events),
            "rule_errors": .array(ruleErrors), "now": .string(now.rfc3339),
        ]
        for (name, value) in facts { status[name] = value }
        return .object(status)
    }
}

extension BudgetStatus {
    /// A threshold as Lua sees it: the ratio as a number, an amount as a string and `amount_usd`.
    static func ruleTable(_ threshold: BudgetThreshold) -> JSONValue {
        switch threshold {
        case .ratio(let ratio): .object(["ratio": .number(ratio.approximateUSD), "label": .string(threshold.label)])
        case .amount(let amount): .object(["amount": amount.jsonValue, "amount_usd": .number(amount.approximateUSD), "label": .string(threshold.label)])
        }
    }
}

extension Budget {
    /// The budget as `budgets.get` and `budgets.list` return it.
    var jsonValue: JSONValue {
        .object([
            "id": .string(id), "client": .string(client), "amount": amount.jsonValue, "currency": "USD",
            "period": .string(kind.rawValue), "anchor": .integer(Int64(anchor)), "timezone": .string(timeZone),
            "thresholds": .array(thresholds.map(\.jsonValue)), "policy": .string(policy.rawValue),
            "workflow": workflow.map(JSONValue.string) ?? .null, "provider": provider.map(JSONValue.string) ?? .null,
            "model": model.map(JSONValue.string) ?? .null,
        ])
    }
}
