/// The prices of one model at one provider, in force from one instant on.
///
/// A model's price history is several `ModelPrice` values with different
/// ``effectiveFrom``; an event is priced with the one in force at its timestamp.
public struct ModelPrice: Sendable, Hashable {
    /// Canonical provider name (see ``ProviderName``).
    public var provider: String
    /// The model name as listed; lookups ignore case.
    public var model: String
    /// When these prices start to apply; `nil` means they apply to all earlier events too
    /// (the shipped baseline, whose sources publish no start dates).
    public var effectiveFrom: Timestamp?
    /// Standard-tier prices, with context-length tiers.
    public var standard: TierPrices
    /// Prices of other service tiers (batch, priority, flex...); never contains `.standard`.
    public var serviceTiers: [ServiceTier: TierPrices]
    /// A fee per model request, if the model has one.
    public var perRequest: PicoPrice?
    /// A fee per server-side web search call, if the model offers web search.
    public var perWebSearchCall: PicoPrice?
    /// The source's mode ("chat", "completion", "responses"), for reference only.
    public var mode: String?

    public init(
        provider: String, model: String, effectiveFrom: Timestamp? = nil,
        standard: TierPrices, serviceTiers: [ServiceTier: TierPrices] = [:],
        perRequest: PicoPrice? = nil, perWebSearchCall: PicoPrice? = nil, mode: String? = nil
    ) {
        self.provider = ProviderName.normalize(provider)
        self.model = model
        self.effectiveFrom = effectiveFrom
        self.standard = standard
        self.serviceTiers = serviceTiers.filter { $0.key != .standard }
        self.perRequest = perRequest
        self.perWebSearchCall = perWebSearchCall
        self.mode = mode
    }

    /// The prices of a service tier: ``standard`` for `.standard`, `nil` when the model has
    /// no such tier.
    public func prices(for tier: ServiceTier) -> TierPrices? {
        tier == .standard ? standard : serviceTiers[tier]
    }

    /// The service tiers this model has prices for, standard first.
    public var availableServiceTiers: [ServiceTier] {
        [.standard] + serviceTiers.keys.sorted()
    }
}
