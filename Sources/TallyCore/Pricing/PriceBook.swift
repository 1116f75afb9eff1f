/// The prices an agency's events are priced with: its overrides over the shipped catalog.
///
/// Overrides win outright: the override catalog is searched with every name rule (exact,
/// alias, base model...) before the shipped one, so an override for "gpt-4o" also prices
/// "gpt-4o-2024-08-06" even when the shipped catalog lists that snapshot. An override not
/// yet in force at an event's time (its `effective_from` is later) leaves the event to the
/// shipped prices.
public struct PriceBook: Sendable {
    public let shipped: PriceCatalog
    public let overrides: PriceCatalog?

    public init(shipped: PriceCatalog, overrides: PriceCatalog? = nil) {
        self.shipped = shipped
        self.overrides = overrides
    }

    /// The version stamped on every entry priced with this book: the shipped version, plus
    /// the override version when there are overrides ("shipped-2026-11-29-1a2b3c4d+r7").
    public var version: String {
        guard let overrides, !overrides.isEmpty else { return shipped.version }
        return shipped.version + "+" + overrides.version
    }

    /// The price for a model as an event names it, at the event's time; `nil` when unknown.
    public func resolve(provider: String, model: String, at time: Timestamp) -> PriceResolution? {
        if let overrides, let match = overrides.resolve(provider: provider, model: model, at: time) {
            return PriceResolution(match: match, layer: .override, priceVersion: version)
        }
        if let match = shipped.resolve(provider: provider, model: model, at: time) {
            return PriceResolution(match: match, layer: .shipped, priceVersion: version)
        }
        return nil
    }

    /// Resolves the model and computes the cost: what the ingest pipeline calls per event.
    public func price(
        usage: TokenUsage, provider: String, model: String, at time: Timestamp,
        serviceTier: ServiceTier = .standard
    ) -> PricingOutcome {
        guard let resolution = resolve(provider: provider, model: model, at: time) else {
            return .unpriced(.unknownModel(provider: ProviderName.normalize(provider), model: model), priceVersion: version)
        }
        do {
            let cost = try CostCalculator.cost(of: usage, at: resolution.match.price, serviceTier: serviceTier)
            return .priced(PricedCost(cost: cost, resolution: resolution))
        } catch {
            return .unpriced(.costFailed(error, resolution: resolution), priceVersion: version)
        }
    }
}

/// Which catalog of a ``PriceBook`` a price came from.
public enum PriceLayer: String, Sendable, Hashable {
    case override
    case shipped
}

/// A resolved price: the entry, how the name matched, which layer, and the book's version.
public struct PriceResolution: Sendable, Hashable {
    public var match: PriceMatch
    public var layer: PriceLayer
    /// ``PriceBook/version`` at resolution, to stamp on the ledger entry.
    public var priceVersion: String

    public var price: ModelPrice { match.price }
}
