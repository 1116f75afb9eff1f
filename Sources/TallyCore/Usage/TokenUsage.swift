/// The tokens and billable calls of one LLM call (or an aggregate), in Tally's one canonical
/// taxonomy.
///
/// Every provider reports usage differently (OpenAI counts cached tokens inside its input,
/// Anthropic reports them apart, Gemini keeps thinking tokens out of its candidates); the
/// mappers in ``ProviderUsage`` translate into this shape, and pricing reads only this shape.
/// The token kinds are disjoint except ``reasoningTokens``, which is a part of
/// ``outputTokens`` kept for reporting (and for models that price reasoning apart).
public struct TokenUsage: Sendable, Hashable {
    /// Uncached input tokens: the prompt minus cache reads and cache writes.
    public var inputTokens: Int64
    /// Input tokens read from the provider's prompt cache.
    public var cacheReadTokens: Int64
    /// Input tokens written to the cache with the default (5 minute) lifetime.
    public var cacheWrite5mTokens: Int64
    /// Input tokens written to the cache with the 1 hour lifetime.
    public var cacheWrite1hTokens: Int64
    /// Output tokens, reasoning included.
    public var outputTokens: Int64
    /// The part of ``outputTokens`` spent on reasoning.
    public var reasoningTokens: Int64
    /// Model requests (1 for one call; more for an aggregate).
    public var requests: Int64
    /// Server-side tool calls billed per call, such as web searches.
    public var webSearchCalls: Int64

    public init(
        inputTokens: Int64 = 0,
        cacheReadTokens: Int64 = 0,
        cacheWrite5mTokens: Int64 = 0,
        cacheWrite1hTokens: Int64 = 0,
        outputTokens: Int64 = 0,
        reasoningTokens: Int64 = 0,
        requests: Int64 = 1,
        webSearchCalls: Int64 = 0
    ) {
        self.inputTokens = inputTokens
        self.cacheReadTokens = cacheReadTokens
        self.cacheWrite5mTokens = cacheWrite5mTokens
        self.cacheWrite1hTokens = cacheWrite1hTokens
        self.outputTokens = outputTokens
        self.reasoningTokens = reasoningTokens
        self.requests = requests
        self.webSearchCalls = webSearchCalls
    }

    /// No tokens and no requests: the identity for ``+``.
    public static let zero = TokenUsage(requests: 0)

    /// All input the model read: uncached, cache reads and cache writes. Context-length price
    /// tiers ("above 200k tokens") are chosen by this number.
    public var promptTokens: Int64 {
        inputTokens + cacheReadTokens + cacheWrite5mTokens + cacheWrite1hTokens
    }

    /// Prompt plus output tokens.
    public var totalTokens: Int64 { promptTokens + outputTokens }

    /// Output tokens that are not reasoning.
    public var visibleOutputTokens: Int64 { outputTokens - reasoningTokens }

    /// Checks the invariants every usage must hold: no negative count, and reasoning not
    /// more than output.
    public func validate() throws(TokenUsageError) {
        for field in Field.allCases where self[field] < 0 {
            throw .negative(field: field.rawValue, value: self[field])
        }
        if reasoningTokens > outputTokens {
            throw .reasoningExceedsOutput(reasoning: reasoningTokens, output: outputTokens)
        }
        // Counts near Int64.max are never real, but they must not trap when summed later.
        var sum: Int64 = 0
        for field in [Field.inputTokens, .cacheReadTokens, .cacheWrite5mTokens, .cacheWrite1hTokens, .outputTokens] {
            let (next, overflow) = sum.addingReportingOverflow(self[field])
            if overflow { throw .overflow }
            sum = next
        }
    }

    /// The sum of two usages (for rollups).
    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        var sum = lhs
        for field in Field.allCases { sum[field] = lhs[field] + rhs[field] }
        return sum
    }
}
