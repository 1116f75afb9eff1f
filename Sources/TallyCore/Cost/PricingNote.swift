import TallyJSON

/// Something the cost calculation had to assume because the catalog lacked a price. A cost
/// with notes is an estimate; the notes say exactly where, so a report can show it and a
/// later price can correct it by repricing.
public enum PricingNote: Sendable, Hashable, CustomStringConvertible {
    /// The model has no prices for the requested service tier; standard prices were used.
    case serviceTierUnavailable(ServiceTier)
    /// The service tier has no price for this kind (at the prompt's context level); the
    /// standard price was used.
    case standardPriceUsed(TokenKind, serviceTier: ServiceTier)
    /// The model has no price for this kind; the price of another kind stood in (a cache read
    /// billed as input).
    case substitutePrice(TokenKind, usedPriceOf: TokenKind)

    /// A stable machine-readable code.
    public var code: String {
        switch self {
        case .serviceTierUnavailable: "service_tier_unavailable"
        case .standardPriceUsed: "standard_price_used"
        case .substitutePrice: "substitute_price"
        }
    }

    public var description: String {
        switch self {
        case .serviceTierUnavailable(let tier):
            "no \(tier) prices for this model; standard prices used"
        case .standardPriceUsed(let kind, let tier):
            "no \(tier) price for \(kind) tokens; the standard price used"
        case .substitutePrice(let kind, let other):
            "no price for \(kind) tokens; the \(other) price used"
        }
    }

    /// `{"code": "...", "message": "..."}` plus the kinds involved.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = ["code": .string(code), "message": .string(description)]
        switch self {
        case .serviceTierUnavailable(let tier):
            members["service_tier"] = .string(tier.rawValue)
        case .standardPriceUsed(let kind, let tier):
            members["token_kind"] = .string(kind.rawValue)
            members["service_tier"] = .string(tier.rawValue)
        case .substitutePrice(let kind, let other):
            members["token_kind"] = .string(kind.rawValue)
            members["price_of"] = .string(other.rawValue)
        }
        return .object(members)
    }
}
