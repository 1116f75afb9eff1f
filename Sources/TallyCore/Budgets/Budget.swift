import TallyJSON

/// A client's spending limit for a recurring period, with the thresholds that raise alerts.
///
/// A budget may be narrowed to one workflow, provider or model within the client; it then
/// counts only that part of the client's spend.
public struct Budget: Sendable, Hashable {
    /// What happens when spend reaches the amount.
    public enum Policy: String, Sendable, Hashable, CaseIterable {
        /// Only warn.
        case alert
        /// Warn, and `budgets.check` denies calls that would go over.
        case block
    }

    /// The budget's identifier, unique in the agency (defaults to the client and scope).
    public var id: String
    public var client: String
    public var amount: Money
    public var kind: BudgetPeriodKind
    public var anchor: Int
    /// IANA time zone of the period boundaries.
    public var timeZone: String
    public var thresholds: [BudgetThreshold]
    public var policy: Policy
    public var workflow: String?
    public var provider: String?
    public var model: String?

    public init(id: String, client: String, amount: Money, kind: BudgetPeriodKind, anchor: Int, timeZone: String,
                thresholds: [BudgetThreshold], policy: Policy, workflow: String? = nil, provider: String? = nil, model: String? = nil) {
        self.id = id
        self.client = client
        self.amount = amount
        self.kind = kind
        self.anchor = anchor
        self.timeZone = timeZone
        self.thresholds = thresholds
        self.policy = policy
        self.workflow = workflow
        self.provider = provider
        self.model = model
    }

    /// The thresholds a new budget gets: 50, 75, 90 and 100 percent.
    public static let defaultThresholds: [BudgetThreshold] = ["0.5", "0.75", "0.9", "1"].map { .ratio(try! Money.parse($0)) }

    /// Whether an event of this client, workflow, provider and model counts against the budget.
    public func covers(client: String?, workflow: String?, provider: String?, model: String?) -> Bool {
        guard client == self.client else { return false }
        if let scoped = self.workflow, scoped != workflow { return false }
        if let scoped = self.provider, scoped != provider { return false }
        if let scoped = self.model, scoped != model { return false }
        return true
    }

    /// The budget's period rules (kind, anchor, zone).
    public func period() throws -> BudgetPeriod {
        try BudgetPeriod(kind: kind, anchor: anchor, timeZone: timeZone)
    }

    /// Thresholds whose level `spent` has reached, lowest first.
    public func crossed(by spent: Money) -> [BudgetThreshold] {
        thresholds.filter { spent >= $0.level(of: amount) }.sorted { $0.level(of: amount) < $1.level(of: amount) }
    }
}

/// A level of spend that raises an alert: a ratio of the budget's amount or an absolute amount.
public enum BudgetThreshold: Sendable, Hashable {
    /// A ratio, held as a decimal with 12 fraction digits (as pico-units of 1), so 0.9 is exact.
    case ratio(Money)
    case amount(Money)

    /// The spend at which the threshold is reached.
    public func level(of budget: Money) -> Money {
        switch self {
        case .ratio(let ratio): Money(picoUSD: budget.picoUSD * ratio.picoUSD / Money.picoPerUSD)
        case .amount(let amount): amount
        }
    }

    /// A short stable name: "50%" for a ratio, "$900" for an amount; alert keys are built on it.
    public var label: String {
        switch self {
        case .ratio(let ratio): Money(picoUSD: ratio.picoUSD * 100).decimalString + "%"
        case .amount(let amount): "$" + amount.decimalString
        }
    }

    public var jsonValue: JSONValue {
        switch self {
        case .ratio(let ratio): .object(["ratio": .string(ratio.decimalString), "label": .string(label)])
        case .amount(let amount): .object(["amount": amount.jsonValue, "label": .string(label)])
        }
    }

    /// Reads `0.5` (a ratio), `"0.5"`, `{"ratio": 0.5}` or `{"amount": "900"}`.
    public static func decode(_ value: JSONValue) -> BudgetThreshold? {
        switch value {
        case .object(let members):
            if let ratio = members["ratio"], let parsed = decimal(ratio), parsed > .zero { return .ratio(parsed) }
            if let amount = members["amount"], let parsed = decimal(amount), parsed > .zero { return .amount(parsed) }
            return nil
        default:
            guard let parsed = decimal(value), parsed > .zero else { return nil }
            return .ratio(parsed)
        }
    }

    private static func decimal(_ value: JSONValue) -> Money? {
        switch value {
        case .string(let text): return try? Money.parse(text)
        case .integer(let number): return Money(picoUSD: Int128(number) * Money.picoPerUSD)
        case .number(let number):
            // A JSON number such as 0.75 arrives as a double; its shortest decimal form is exact.
            return try? Money.parseRoundingToPico("\(number)")
        default: return nil
        }
    }
}
