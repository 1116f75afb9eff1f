import TallyJSON

/// How an agency bills a client for the LLM spend of its workflows.
///
/// Percentages and amounts are decimals held in pico-units (like ``Money``), so "12.5" percent
/// is exact and no bill passes through floating point.
public enum BillingPlan: Sendable, Hashable {
    /// The LLM cost plus a markup: a 20 % markup bills $120 for $100 of cost.
    case costPlus(markupPercent: Money)
    /// A fixed fee that includes an LLM allowance; cost above the allowance is billed on top,
    /// with a markup.
    case retainer(fee: Money, included: Money, overageMarkupPercent: Money)

    /// What a client gets when nothing was configured: its cost passed through at cost.
    public static let passThrough = BillingPlan.costPlus(markupPercent: .zero)

    /// The bill for `cost` of LLM spend in one period, exact to the pico-dollar.
    public func bill(cost: Money) -> Bill {
        switch self {
        case .costPlus(let markup):
            let billed = cost + Self.apply(percent: markup, to: cost)
            return Bill(cost: cost, billed: billed, overage: nil)
        case .retainer(let fee, let included, let markup):
            let overage = cost > included ? cost - included : .zero
            let overageBilled = overage + Self.apply(percent: markup, to: overage)
            return Bill(cost: cost, billed: fee + overageBilled, overage: overage)
        }
    }

    /// `percent` % of `amount`, truncated to the pico-dollar (pico is 1e-10 cent: far below rounding).
    static func apply(percent: Money, to amount: Money) -> Money {
        Money(picoUSD: amount.picoUSD * percent.picoUSD / (100 * Money.picoPerUSD))
    }

    /// A one-line description for reports: "cost plus 20%", "retainer $500.00 incl. $200.00, overage +10%".
    public var summary: String {
        switch self {
        case .costPlus(let markup): "cost plus \(markup.decimalString)%"
        case .retainer(let fee, let included, let markup):
            "retainer $\(fee.formatted()) including $\(included.formatted()) of LLM usage, overage plus \(markup.decimalString)%"
        }
    }
}

/// One period's bill under a ``BillingPlan``.
public struct Bill: Sendable, Hashable {
    /// The LLM cost the ledger counted.
    public var cost: Money
    /// What the client is billed.
    public var billed: Money
    /// For a retainer: the cost above the included allowance (zero when under it).
    public var overage: Money?

    /// What the agency keeps: billed minus cost.
    public var margin: Money { billed - cost }
}

/// Why a billing plan in a request is not acceptable: the same field-and-reason error as an
/// event's (`field` is `plan.fee`, ...).
public typealias BillingPlanError = EventValidationError

extension BillingPlan {
    /// Reads `{"type": "cost_plus", "markup_percent": "20"}` or
    /// `{"type": "retainer", "fee": "500", "included": "200", "overage_markup_percent": "10"}`.
    public static func decode(_ json: JSONValue, field: String = "plan") throws(BillingPlanError) -> BillingPlan {
        guard case .object(let members) = json else { throw BillingPlanError(field: field, reason: "must be an object with a type") }
        func amount(_ name: String, default fallback: Money? = nil) throws(BillingPlanError) -> Money {
            guard let value = members[name], !value.isNull else {
                if let fallback { return fallback }
                throw BillingPlanError(field: "\(field).\(name)", reason: "is required")
            }
            let parsed: Money
            do { parsed = try Money.parse(json: value) } catch { throw BillingPlanError(field: "\(field).\(name)", reason: error.description) }
            guard !parsed.isNegative else { throw BillingPlanError(field: "\(field).\(name)", reason: "must not be negative") }
            return parsed
        }
        func rejectUnknown(_ allowed: Set<String>) throws(BillingPlanError) {
            if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw BillingPlanError(field: "\(field).\(unknown)", reason: "unknown member; allowed: \(allowed.sorted().joined(separator: ", "))")
            }
        }
        switch members["type"]?.stringValue {
        case "cost_plus":
            try rejectUnknown(["type", "markup_percent"])
            return .costPlus(markupPercent: try amount("markup_percent", default: .zero))
        case "retainer":
            try rejectUnknown(["type", "fee", "included", "overage_markup_percent"])
            return .retainer(fee: try amount("fee"), included: try amount("included", default: .zero),
                             overageMarkupPercent: try amount("overage_markup_percent", default: .zero))
        default:
            throw BillingPlanError(field: "\(field).type", reason: "must be 'cost_plus' or 'retainer'")
        }
    }

    /// The plan as the API returns it (and as it is stored).
    public var jsonValue: JSONValue {
        switch self {
        case .costPlus(let markup):
            ["type": "cost_plus", "markup_percent": .string(markup.decimalString)]
        case .retainer(let fee, let included, let markup):
            ["type": "retainer", "fee": .string(fee.decimalString), "included": .string(included.decimalString),
             "overage_markup_percent": .string(markup.decimalString)]
        }
    }
}
