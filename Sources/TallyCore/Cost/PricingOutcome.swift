/// The result of pricing one event: a cost, or the reason there is none.
///
/// There is no third case: an event is never silently $0. An unpriced event is stored as
/// such, counted in every report and alert, and priced when a price arrives.
public enum PricingOutcome: Sendable, Hashable {
    case priced(PricedCost)
    /// No cost; `priceVersion` is the book version that could not price it (to retry later).
    case unpriced(UnpricedReason, priceVersion: String)

    /// The cost when priced.
    public var pricedCost: PricedCost? {
        if case .priced(let priced) = self { return priced }
        return nil
    }
}

/// A cost and the price that produced it.
public struct PricedCost: Sendable, Hashable {
    public var cost: CostBreakdown
    public var resolution: PriceResolution

    /// The version to stamp on the ledger entry.
    public var priceVersion: String { resolution.priceVersion }
}

/// Why an event could not be priced.
public enum UnpricedReason: Sendable, Hashable, CustomStringConvertible {
    /// No catalog entry matches the provider and model (under any name rule) at that time.
    case unknownModel(provider: String, model: String)
    /// The model is known but a price the usage needs is missing (or the usage is invalid).
    case costFailed(CostError, resolution: PriceResolution)

    /// A stable machine-readable code.
    public var code: String {
        switch self {
        case .unknownModel: "unknown_model"
        case .costFailed(.missingPrice, _): "missing_price"
        case .costFailed(.invalidUsage, _): "invalid_usage"
        case .costFailed(.overflow, _): "overflow"
        }
    }

    public var description: String {
        switch self {
        case .unknownModel(let provider, let model): "no price for \(provider)/\(model)"
        case .costFailed(let error, _): error.description
        }
    }
}
