/// Prices that apply when a request's prompt is longer than a threshold, such as Gemini's and
/// Anthropic's "above 200k tokens" or OpenAI's "above 272k tokens".
///
/// The prompt is all input the model read (``TokenUsage/promptTokens``: uncached, cache reads
/// and cache writes), and "above" is strict: a 200,000-token prompt is not above 200k. Kinds
/// without a price here keep the price below the threshold.
public struct ContextTier: Sendable, Hashable {
    /// The tier applies when the prompt has more tokens than this.
    public var aboveInputTokens: Int64
    public var prices: TokenPrices

    public init(aboveInputTokens: Int64, prices: TokenPrices) {
        self.aboveInputTokens = aboveInputTokens
        self.prices = prices
    }
}

/// The prices of one service tier: base prices and context-length tiers above them.
public struct TierPrices: Sendable, Hashable {
    public var prices: TokenPrices
    /// Ordered by threshold, ascending, one per threshold.
    public private(set) var contextTiers: [ContextTier]

    public init(prices: TokenPrices, contextTiers: [ContextTier] = []) {
        self.prices = prices
        var byThreshold: [Int64: ContextTier] = [:]
        for tier in contextTiers { byThreshold[tier.aboveInputTokens] = tier }
        self.contextTiers = byThreshold.values.sorted { $0.aboveInputTokens < $1.aboveInputTokens }
    }

    /// The highest context tier the prompt is above, if any.
    public func contextTier(forPromptTokens promptTokens: Int64) -> ContextTier? {
        contextTiers.last { promptTokens > $0.aboveInputTokens }
    }

    /// Whether there is no price at all.
    public var isEmpty: Bool { prices.isEmpty && contextTiers.allSatisfy { $0.prices.isEmpty } }
}
