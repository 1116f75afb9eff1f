import TallyJSON

/// Imports LiteLLM's `model_prices_and_context_window.json`, the de facto exchange format for
/// LLM prices, into catalog entries (for `prices.import`; the shipped catalog is built from
/// the same file by `scripts/build-price-catalog.py`, which follows the same rules).
///
/// Rules:
/// - Only `mode` chat, completion and responses with both `input_cost_per_token` and
///   `output_cost_per_token` are kept; everything else is listed in ``LiteLLMImportResult/skipped``.
/// - Prices are JSON reals in USD per token, read through their shortest round-trip
///   description (`1.5e-07` → 150,000 pico-USD); anything finer than 1e-12 USD is rounded
///   half to even and listed in ``LiteLLMImportResult/roundedPrices``.
/// - Token prices: `input_cost_per_token`, `output_cost_per_token`, `cache_read_input_token_cost`
///   (or DeepSeek's `input_cost_per_token_cache_hit`), `cache_creation_input_token_cost` (5-minute
///   writes), `cache_creation_input_token_cost_above_1hr` (1-hour writes),
///   `output_cost_per_reasoning_token`; each with `_above_<N>k_tokens` context tiers and
///   `_batches` / `_priority` / `_flex` (or other) service tiers.
/// - Fees: `input_cost_per_request`; `search_context_cost_per_query` (the medium context size)
///   per web search call.
/// - Providers are normalised with ``ProviderName`` (gemini and vertex_ai are google...); a
///   key's leading "<provider>/" is dropped from the model name. When several keys land on
///   the same provider and model, the native section wins (gemini over vertex_ai, bedrock_converse
///   over bedrock, mistral over codestral), then a prefixed key, then the first key in order.
public enum LiteLLMImport {
    /// Modes that are priced per chat token.
    public static let supportedModes: Set<String> = ["chat", "completion", "responses"]

    /// For providers fed by several LiteLLM sections, the sections in order of preference.
    static let sectionPreference: [String: [String]] = [
        ProviderName.google: ["gemini", "vertex_ai-language-models", "vertex_ai"],
        ProviderName.bedrock: ["bedrock_converse", "bedrock"],
        ProviderName.mistral: ["mistral", "codestral", "text-completion-codestral"],
        ProviderName.openAI: ["openai", "text-completion-openai"],
        ProviderName.azure: ["azure", "azure_text"],
    ]

    /// Imports every model of a parsed LiteLLM file; `effectiveFrom` is given to every entry.
    public static func importPrices(_ json: JSONValue, effectiveFrom: Timestamp? = nil) -> LiteLLMImportResult {
        var skipped: [LiteLLMSkippedEntry] = []
        var rounded: [LiteLLMRoundedPrice] = []
        guard let members = json.objectValue else {
            return LiteLLMImportResult(
                entries: [], skipped: [LiteLLMSkippedEntry(key: "", reason: .notAnObject(typeName: json.typeName))], roundedPrices: [])
        }

        struct Candidate {
            var key: String
            var section: String
            var prefixed: Bool
            var price: ModelPrice
        }
        var groups: [PriceCatalog.Key: [Candidate]] = [:]

        for key in members.keys.sorted() {
            let value = members[key]!
            switch convert(key: key, value: value, effectiveFrom: effectiveFrom, rounded: &rounded) {
            case .failure(let reason):
                skipped.append(LiteLLMSkippedEntry(key: key, reason: reason))
            case .success(let (price, section, prefixed)):
                groups[PriceCatalog.Key(provider: price.provider, model: price.model), default: []]
                    .append(Candidate(key: key, section: section, prefixed: prefixed, price: price))
            }
        }

        var entries: [ModelPrice] = []
        for (_, candidates) in groups {
            let ranked = candidates.sorted { lhs, rhs in
                let order = sectionPreference[lhs.price.provider] ?? []
                let lhsRank = order.firstIndex(of: lhs.section) ?? order.count
                let rhsRank = order.firstIndex(of: rhs.section) ?? order.count
                if lhsRank != rhsRank { return lhsRank < rhsRank }
                if lhs.prefixed != rhs.prefixed { return lhs.prefixed }
                return lhs.key < rhs.key
            }
            entries.append(ranked[0].price)
            for loser in ranked.dropFirst() {
                skipped.append(LiteLLMSkippedEntry(key: loser.key, reason: .duplicate(of: ranked[0].key)))
            }
        }
        entries.sort { ($0.provider, $0.model.lowercased()) < ($1.provider, $1.model.lowercased()) }
        skipped.sort { $0.key < $1.key }
        return LiteLLMImportResult(entries: entries, skipped: skipped, roundedPrices: rounded)
    }

    /// One LiteLLM entry as a catalog entry, its LiteLLM section, and whether its key had a
    /// provider prefix.
    static func convert(
        key: String, value: JSONValue, effectiveFrom: Timestamp?, rounded: inout [LiteLLMRoundedPrice]
    ) -> Result<(ModelPrice, String, Bool), LiteLLMSkipReason> {
        guard let fields = value.objectValue else { return .failure(.notAnObject(typeName: value.typeName)) }
        if key == "sample_spec" { return .failure(.documentation) }
        let mode = fields["mode"]?.stringValue
        guard let mode, supportedModes.contains(mode) else { return .failure(.unsupportedMode(mode)) }
        guard let section = fields["litellm_provider"]?.stringValue, !section.isEmpty else {
            return .failure(.missingProvider)
        }
        let provider = ProviderName.normalize(section)

        var model = key
        var prefixed = false
        if let slash = key.firstIndex(of: "/"), ProviderName.normalize(String(key[..<slash])) == provider {
            model = String(key[key.index(after: slash)...])
            prefixed = true
        }

        func price(_ field: String, _ raw: JSONValue) -> Result<PicoPrice?, LiteLLMSkipReason> {
            if raw.isNull { return .success(nil) }
            if case .bool = raw { return .failure(.invalidPrice(field: field, reason: .notANumber(typeName: "boolean"))) }
            do {
                let conversion = try PicoPrice.convert(usdPerUnitJSON: raw)
                if conversion.wasRounded {
                    rounded.append(LiteLLMRoundedPrice(key: key, field: field, original: conversion.text, rounded: conversion.price))
                }
                return .success(conversion.price)
            } catch {
                return .failure(.invalidPrice(field: field, reason: error))
            }
        }

        // tier -> (level -> prices); level nil is the base.
        var tiers: [ServiceTier: [Int64?: TokenPrices]] = [:]
        var secondary: [ServiceTier: [Int64?: TokenPrices]] = [:]
        for name in fields.keys.sorted() {
            guard let field = LiteLLMPriceField.parse(name) else { continue }
            switch price(name, fields[name]!) {
            case .failure(let reason): return .failure(reason)
            case .success(nil): continue
            case .success(let value?):
                if field.isSecondary {
                    secondary[field.serviceTier, default: [:]][field.aboveInputTokens, default: TokenPrices()][field.kind] = value
                } else {
                    tiers[field.serviceTier, default: [:]][field.aboveInputTokens, default: TokenPrices()][field.kind] = value
                }
            }
        }
        for (tier, levels) in secondary {
            for (level, prices) in levels {
                tiers[tier, default: [:]][level, default: TokenPrices()] = tiers[tier]?[level].map { prices.overlaidUnder($0) } ?? prices
            }
        }
        guard let base = tiers[.standard]?[nil], base.input != nil, base.output != nil else {
            return .failure(.noTokenPrices)
        }

        func tierPrices(_ levels: [Int64?: TokenPrices]) -> TierPrices {
            let contextTiers = levels.compactMap { level, prices in level.map { ContextTier(aboveInputTokens: $0, prices: prices) } }
            return TierPrices(prices: levels[nil] ?? TokenPrices(), contextTiers: contextTiers)
        }
        var serviceTiers: [ServiceTier: TierPrices] = [:]
        for (tier, levels) in tiers where tier != .standard {
            serviceTiers[tier] = tierPrices(levels)
        }

        var perRequest: PicoPrice?
        if let raw = fields["input_cost_per_request"] {
            switch price("input_cost_per_request", raw) {
            case .failure(let reason): return .failure(reason)
            case .success(let value): perRequest = value
            }
        }
        var perWebSearch: PicoPrice?
        if let raw = fields["search_context_cost_per_query"] {
            // Per-query prices by search context size; the medium size is the default one.
            let chosen: (String, JSONValue)?
            if let sizes = raw.objectValue {
                chosen = ["search_context_size_medium", "search_context_size_low", "search_context_size_high"]
                    .lazy.compactMap { size in sizes[size].map { ("search_context_cost_per_query.\(size)", $0) } }.first
            } else {
                chosen = ("search_context_cost_per_query", raw)
            }
            if let (field, value) = chosen {
                switch price(field, value) {
                case .failure(let reason): return .failure(reason)
                case .success(let value): perWebSearch = value
                }
            }
        }

        let entry = ModelPrice(
            provider: provider, model: model, effectiveFrom: effectiveFrom,
            standard: tierPrices(tiers[.standard] ?? [:]), serviceTiers: serviceTiers,
            perRequest: perRequest, perWebSearchCall: perWebSearch, mode: mode)
        return .success((entry, section, prefixed))
    }
}

extension TokenPrices {
    /// These prices where `primary` lacks a kind (the opposite of ``overlaid(on:)``).
    func overlaidUnder(_ primary: TokenPrices) -> TokenPrices { primary.overlaid(on: self) }
}
