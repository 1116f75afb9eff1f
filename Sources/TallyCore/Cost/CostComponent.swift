/// One line of a cost: a token kind, or a per-call fee.
public enum CostComponent: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Uncached input tokens.
    case input
    case cacheRead = "cache_read"
    case cacheWrite5m = "cache_write_5m"
    case cacheWrite1h = "cache_write_1h"
    /// Output tokens other than reasoning.
    case output
    /// Reasoning tokens (priced as output unless the model prices them apart).
    case reasoning
    /// The per-request fee.
    case requests
    /// The per-call fee of server-side web search.
    case webSearchCalls = "web_search_calls"

    public var description: String { rawValue }

    /// The token kind this component prices, `nil` for fees.
    public var tokenKind: TokenKind? { TokenKind(rawValue: rawValue) }
}
