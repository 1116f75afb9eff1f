/// A catalog entry found for a model name, and how the name was matched.
public struct PriceMatch: Sendable, Hashable {
    /// The entry in force at the event's time.
    public var price: ModelPrice
    /// How the event's model name led to the entry.
    public var rule: ModelMatchRule

    public init(price: ModelPrice, rule: ModelMatchRule) {
        self.price = price
        self.rule = rule
    }
}

/// How a model name as reported was matched to a catalog entry, from the most to the least
/// certain. Anything but ``exact`` is worth showing next to the cost.
public enum ModelMatchRule: Sendable, Hashable, CustomStringConvertible {
    /// The same name, ignoring case.
    case exact
    /// The same model under another spelling: a provider prefix ("openai/gpt-4o",
    /// "models/gemini-2.5-pro"), a Bedrock region prefix ("us.anthropic..."), an OpenRouter
    /// routing suffix (":nitro").
    case alias
    /// A dated snapshot, version or alias priced as its base entry: "gpt-4o-mini-2024-07-18",
    /// "claude-3-5-sonnet-20241022", "claude-3-5-sonnet@20240620", "mistral-large-latest".
    case baseModel
    /// An OpenRouter model with no OpenRouter entry, priced at its upstream provider's list
    /// price (OpenRouter passes provider prices through); the response's own `cost` remains
    /// the better number when present.
    case upstreamProvider(String)

    public var description: String {
        switch self {
        case .exact: "exact"
        case .alias: "alias"
        case .baseModel: "base_model"
        case .upstreamProvider(let provider): "upstream:\(provider)"
        }
    }
}
