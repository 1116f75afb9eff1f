/// The kinds of tokens that carry their own price.
///
/// Reasoning tokens are output tokens; a model prices them apart only when its catalog entry
/// has a `reasoning` price, otherwise they cost the output price.
public enum TokenKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case input
    case cacheRead = "cache_read"
    case cacheWrite5m = "cache_write_5m"
    case cacheWrite1h = "cache_write_1h"
    case output
    case reasoning

    public var description: String { rawValue }

    /// The kind whose price stands in when a model has no price of this kind, and whether that
    /// is an estimate worth a note.
    ///
    /// Reasoning is output by definition, so that substitution is exact. A cache read or a
    /// 5-minute cache write without its own price costs the input price: that is how a provider
    /// without a cache discount bills them (OpenAI bills cache writes as ordinary input), and
    /// it errs toward more cost, never toward $0. A 1-hour write has no stand-in: its price is
    /// twice the input price at Anthropic, so any guess would be wrong.
    var substitute: (kind: TokenKind, isEstimate: Bool)? {
        switch self {
        case .reasoning: (.output, false)
        case .cacheRead, .cacheWrite5m: (.input, true)
        case .input, .output, .cacheWrite1h: nil
        }
    }
}
