/// A LiteLLM per-token price field name, decoded: which token kind, above which context
/// length, for which service tier.
///
/// Names are `<base>[_above_<N>k_tokens][_<tier>]`, for example
/// `input_cost_per_token_above_272k_tokens_priority` or `cache_read_input_token_cost_batches`.
/// Fields for other units (audio, image, per second, per character, 12-hour cache writes)
/// are not token prices in Tally's taxonomy and are not decoded.
struct LiteLLMPriceField: Sendable, Hashable {
    var kind: TokenKind
    var aboveInputTokens: Int64?
    var serviceTier: ServiceTier
    /// DeepSeek's `input_cost_per_token_cache_hit` duplicates `cache_read_input_token_cost`
    /// and gives way to it when both are present.
    var isSecondary: Bool

    /// Base names, longest first so that a base never matches a longer one's prefix.
    static let bases: [(name: String, kind: TokenKind, secondary: Bool)] = [
        ("cache_creation_input_token_cost_above_1hr", .cacheWrite1h, false),
        ("cache_creation_input_token_cost", .cacheWrite5m, false),
        ("cache_read_input_token_cost", .cacheRead, false),
        ("input_cost_per_token_cache_hit", .cacheRead, true),
        ("output_cost_per_reasoning_token", .reasoning, false),
        ("output_cost_per_token", .output, false),
        ("input_cost_per_token", .input, false),
    ]

    static func parse(_ name: String) -> LiteLLMPriceField? {
        for base in bases where name.hasPrefix(base.name) {
            guard let (threshold, tier) = parseSuffix(name.dropFirst(base.name.count)) else { return nil }
            return LiteLLMPriceField(kind: base.kind, aboveInputTokens: threshold, serviceTier: tier, isSecondary: base.secondary)
        }
        return nil
    }

    /// `[_above_<N>k_tokens][_<tier>]`, where a tier is lower-case letters only.
    private static func parseSuffix(_ suffix: Substring) -> (Int64?, ServiceTier)? {
        var rest = suffix
        var threshold: Int64?
        if rest.hasPrefix("_above_") {
            let afterAbove = rest.dropFirst("_above_".count)
            let digits = afterAbove.prefix(while: \.isASCIIDigit)
            let afterDigits = afterAbove.dropFirst(digits.count)
            guard !digits.isEmpty, digits.count <= 6, afterDigits.hasPrefix("k_tokens"), let thousands = Int64(digits) else {
                return nil
            }
            threshold = thousands * 1000
            rest = afterDigits.dropFirst("k_tokens".count)
        }
        if rest.isEmpty { return (threshold, .standard) }
        guard rest.first == "_" else { return nil }
        let tierName = rest.dropFirst()
        guard !tierName.isEmpty, tierName.allSatisfy({ ("a"..."z").contains($0) }) else { return nil }
        return (threshold, ServiceTier(normalizing: String(tierName)))
    }
}
