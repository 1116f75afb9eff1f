import TallyJSON

/// One line of a cost: quantity × unit price = amount, exactly.
public struct CostLine: Sendable, Hashable {
    public var component: CostComponent
    public var quantity: Int64
    /// pico-USD per token, or per call for fees.
    public var unitPrice: PicoPrice
    public var amount: Money

    public init(component: CostComponent, quantity: Int64, unitPrice: PicoPrice) {
        self.component = component
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.amount = unitPrice.cost(of: quantity)
    }
}

/// The exact cost of a usage at a price, with its lines and any assumptions made.
public struct CostBreakdown: Sendable, Hashable {
    /// The sum of the lines, in pico-USD.
    public var total: Money
    /// One line per component with a non-zero quantity, in ``CostComponent`` order.
    public var lines: [CostLine]
    /// The service tier requested for the event.
    public var serviceTier: ServiceTier
    /// The context-length tier applied (its "above" threshold), `nil` below every threshold.
    public var contextTier: Int64?
    /// Assumptions made for missing prices; empty when every price was listed.
    public var notes: [PricingNote]

    /// Whether any price was assumed (see ``notes``).
    public var isEstimate: Bool { !notes.isEmpty }

    /// The amount of one component (zero when it has no line).
    public func amount(of component: CostComponent) -> Money {
        Money.sum(lines.filter { $0.component == component }.map(\.amount))
    }

    /// The wire and storage form; money as decimal USD strings, unit prices as integers of
    /// pico-USD.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "total": total.jsonValue,
            "service_tier": .string(serviceTier.rawValue),
            "lines": .array(lines.map { line in
                .object([
                    "component": .string(line.component.rawValue),
                    "quantity": .integer(line.quantity),
                    "unit_price_pico": .integer(line.unitPrice.picoUSD),
                    "amount": line.amount.jsonValue,
                ])
            }),
            "estimate": .bool(isEstimate),
        ]
        if let contextTier { members["context_tier_above"] = .integer(contextTier) }
        if !notes.isEmpty { members["notes"] = .array(notes.map(\.jsonValue)) }
        return .object(members)
    }
}
