import TallyJSON
import Testing

@testable import TallyCore

@Suite("LiteLLM import")
struct LiteLLMImportTests {
    /// Entries in LiteLLM's own shape (abridged copies of real ones, plus broken ones).
    static let source = """
        {
          "sample_spec": {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "litellm_provider": "one of https://docs.litellm.ai/docs/providers", "mode": "one of: chat, embedding"},
          "gpt-4o-mini": {"cache_read_input_token_cost": 7.5e-08, "cache_read_input_token_cost_priority": 1.25e-07,
            "input_cost_per_token": 1.5e-07, "input_cost_per_token_batches": 7.5e-08, "input_cost_per_token_priority": 2.5e-07,
            "litellm_provider": "openai", "mode": "chat", "output_cost_per_token": 6e-07, "output_cost_per_token_batches": 3e-07,
            "output_cost_per_token_priority": 1e-06, "supports_vision": true,
            "search_context_cost_per_query": {"search_context_size_high": 0.03, "search_context_size_low": 0.025, "search_context_size_medium": 0.0275}},
          "claude-sonnet-4-5": {"cache_creation_input_token_cost": 3.75e-06, "cache_creation_input_token_cost_above_1hr": 6e-06,
            "cache_read_input_token_cost": 3e-07, "input_cost_per_token": 3e-06, "cache_creation_input_token_cost_batches": 1.875e-06,
            "input_cost_per_token_batches": 1.5e-06, "litellm_provider": "anthropic", "mode": "chat", "output_cost_per_token": 1.5e-05,
            "output_cost_per_token_batches": 7.5e-06,
            "search_context_cost_per_query": {"search_context_size_high": 0.01, "search_context_size_low": 0.01, "search_context_size_medium": 0.01}},
          "gemini/gemini-2.5-pro": {"cache_read_input_token_cost": 1.25e-07, "cache_read_input_token_cost_above_200k_tokens": 2.5e-07,
            "input_cost_per_token": 1.25e-06, "input_cost_per_token_above_200k_tokens": 2.5e-06,
            "input_cost_per_token_priority": 2.25e-06, "input_cost_per_token_above_200k_tokens_priority": 4.5e-06,
            "input_cost_per_audio_token": 1e-06, "output_cost_per_image": 0.039,
            "litellm_provider": "gemini", "mode": "chat", "output_cost_per_token": 1e-05,
            "output_cost_per_token_above_200k_tokens": 1.5e-05, "output_cost_per_token_priority": 1.8e-05},
          "gemini-2.5-pro": {"input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05, "litellm_provider": "vertex_ai-language-models", "mode": "chat"},
          "vertex_ai/claude-sonnet-4-5@20250929": {"input_cost_per_token": 3.3e-06, "output_cost_per_token": 1.65e-05,
            "litellm_provider": "vertex_ai-anthropic_models", "mode": "chat"},
          "gpt-5.4": {"input_cost_per_token": 2.5e-06, "input_cost_per_token_above_272k_tokens": 5e-06,
            "output_cost_per_token": 1.5e-05, "output_cost_per_token_above_272k_tokens": 2.25e-05,
            "cache_creation_input_token_cost_above_12hr": 1e-05, "litellm_provider": "openai", "mode": "responses"},
          "deepseek/deepseek-chat": {"cache_creation_input_token_cost": 0.0, "input_cost_per_token_cache_hit": 2.8e-08,
            "input_cost_per_token": 2.8e-07, "litellm_provider": "deepseek", "mode": "chat", "output_cost_per_token": 4.2e-07},
          "codestral/codestral-latest": {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "litellm_provider": "codestral", "mode": "chat"},
          "mistral/codestral-latest": {"input_cost_per_token": 3e-07, "output_cost_per_token": 9e-07, "litellm_provider": "mistral", "mode": "chat"},
          "perplexity/sonar-small-online": {"input_cost_per_request": 0.005, "input_cost_per_token": 0.0, "output_cost_per_token": 2e-07,
            "litellm_provider": "perplexity", "mode": "chat"},
          "bigmodel/glm-5.3": {"input_cost_per_token": 1.1428571428571428e-06, "output_cost_per_token": 4e-06, "litellm_provider": "bigmodel", "mode": "chat"},
          "text-embedding-3-small": {"input_cost_per_token": 2e-08, "output_cost_per_token": 0.0, "litellm_provider": "openai", "mode": "embedding"},
          "dall-e-3": {"litellm_provider": "openai", "mode": "image_generation", "output_cost_per_image": 0.04},
          "no-prices": {"litellm_provider": "openai", "mode": "chat", "max_tokens": 8192},
          "broken": {"input_cost_per_token": -1e-06, "output_cost_per_token": 1e-06, "litellm_provider": "openai", "mode": "chat"},
          "stringly": {"input_cost_per_token": "0.000001", "output_cost_per_token": true, "litellm_provider": "openai", "mode": "chat"},
          "orphan": {"input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06, "mode": "chat"},
          "not-an-object": 3
        }
        """

    static func result() throws -> LiteLLMImportResult {
        LiteLLMImport.importPrices(try JSONCodec.parse(source), effectiveFrom: try UTCDate.parse("2026-11-29").start)
    }

    static func entry(_ result: LiteLLMImportResult, _ provider: String, _ model: String) throws -> ModelPrice {
        try #require(result.entries.first { $0.provider == provider && $0.model == model })
    }

    @Test("keeps chat, completion and responses models with token prices")
    func keeps() throws {
        let result = try Self.result()
        #expect(result.entries.map { "\($0.provider)/\($0.model)" } == [
            "anthropic/claude-sonnet-4-5", "bigmodel/glm-5.3", "deepseek/deepseek-chat", "google/claude-sonnet-4-5@20250929",
            "google/gemini-2.5-pro", "mistral/codestral-latest", "openai/gpt-4o-mini", "openai/gpt-5.4", "perplexity/sonar-small-online",
        ])
        #expect(result.entries.allSatisfy { $0.effectiveFrom == (try? UTCDate.parse("2026-11-29").start) })
    }

    @Test("converts prices, tiers and fees exactly")
    func converts() throws {
        let result = try Self.result()
        let mini = try Self.entry(result, "openai", "gpt-4o-mini")
        #expect(mini.standard.prices == TokenPrices(input: PicoPrice(picoUSD: 150_000), output: PicoPrice(picoUSD: 600_000), cacheRead: PicoPrice(picoUSD: 75_000)))
        #expect(mini.serviceTiers[.batch]?.prices == TokenPrices(input: PicoPrice(picoUSD: 75_000), output: PicoPrice(picoUSD: 300_000)))
        #expect(mini.serviceTiers[.priority]?.prices == TokenPrices(input: PicoPrice(picoUSD: 250_000), output: PicoPrice(picoUSD: 1_000_000), cacheRead: PicoPrice(picoUSD: 125_000)))
        #expect(mini.perWebSearchCall == PicoPrice(picoUSD: 27_500_000_000))  // the medium context size
        #expect(mini.mode == "chat")

        let claude = try Self.entry(result, "anthropic", "claude-sonnet-4-5")
        #expect(claude.standard.prices.cacheWrite5m == PicoPrice(picoUSD: 3_750_000))
        #expect(claude.standard.prices.cacheWrite1h == PicoPrice(picoUSD: 6_000_000))
        #expect(claude.serviceTiers[.batch]?.prices.cacheWrite5m == PicoPrice(picoUSD: 1_875_000))
        #expect(claude.perWebSearchCall == PicoPrice(picoUSD: 10_000_000_000))

        let gemini = try Self.entry(result, "google", "gemini-2.5-pro")
        #expect(gemini.standard.contextTiers == [ContextTier(
            aboveInputTokens: 200_000,
            prices: TokenPrices(input: PicoPrice(picoUSD: 2_500_000), output: PicoPrice(picoUSD: 15_000_000), cacheRead: PicoPrice(picoUSD: 250_000)))])
        #expect(gemini.serviceTiers[.priority]?.contextTiers.first?.prices.input == PicoPrice(picoUSD: 4_500_000))
        #expect(gemini.serviceTiers[.priority]?.prices.output == PicoPrice(picoUSD: 18_000_000))

        let gpt54 = try Self.entry(result, "openai", "gpt-5.4")
        #expect(gpt54.standard.contextTiers.map(\.aboveInputTokens) == [272_000])
        #expect(gpt54.standard.prices.cacheWrite5m == nil)  // the 12-hour write has no slot in the taxonomy

        let deepseek = try Self.entry(result, "deepseek", "deepseek-chat")
        #expect(deepseek.standard.prices.cacheRead == PicoPrice(picoUSD: 28_000))
        #expect(deepseek.standard.prices.cacheWrite5m == PicoPrice(picoUSD: 0))

        let sonar = try Self.entry(result, "perplexity", "sonar-small-online")
        #expect(sonar.perRequest == PicoPrice(picoUSD: 5_000_000_000))
        #expect(sonar.standard.prices.input == PicoPrice.zero)  // a listed zero is a price, unlike a missing one
    }

    @Test("merges google sections and keeps the native one on duplicates")
    func duplicates() throws {
        let result = try Self.result()
        #expect(result.skipped.contains(LiteLLMSkippedEntry(key: "gemini-2.5-pro", reason: .duplicate(of: "gemini/gemini-2.5-pro"))))
        #expect(result.skipped.contains(LiteLLMSkippedEntry(key: "codestral/codestral-latest", reason: .duplicate(of: "mistral/codestral-latest"))))
        #expect(try Self.entry(result, "mistral", "codestral-latest").standard.prices.input == PicoPrice(picoUSD: 300_000))
    }

    @Test("lists skipped keys with reasons and rounded prices")
    func reports() throws {
        let result = try Self.result()
        let reasons = Dictionary(uniqueKeysWithValues: result.skipped.map { ($0.key, $0.reason) })
        #expect(reasons["sample_spec"] == .documentation)
        #expect(reasons["text-embedding-3-small"] == .unsupportedMode("embedding"))
        #expect(reasons["dall-e-3"] == .unsupportedMode("image_generation"))
        #expect(reasons["no-prices"] == .noTokenPrices)
        #expect(reasons["broken"] == .invalidPrice(field: "input_cost_per_token", reason: .negative("-1e-06")))
        #expect(reasons["stringly"] == .invalidPrice(field: "output_cost_per_token", reason: .notANumber(typeName: "boolean")))
        #expect(reasons["orphan"] == .missingProvider)
        #expect(reasons["not-an-object"] == .notAnObject(typeName: "integer"))
        #expect(result.skipped.map(\.key) == result.skipped.map(\.key).sorted())
        #expect(result.roundedPrices == [LiteLLMRoundedPrice(
            key: "bigmodel/glm-5.3", field: "input_cost_per_token", original: "1.1428571428571428e-06", rounded: PicoPrice(picoUSD: 1_142_857))])
        #expect(LiteLLMSkipReason.unsupportedMode("embedding").description == "mode \"embedding\" is not chat, completion or responses")
    }

    @Test("the result is a catalog that prices events")
    func catalog() throws {
        let catalog = try Self.result().catalog(version: "import-1")
        let match = try #require(catalog.resolve(provider: "vertex_ai", model: "claude-sonnet-4-5@20250929", at: try Timestamp(rfc3339: "2026-11-29T10:00:00Z")))
        #expect(match.rule == .exact)
        #expect(catalog.resolve(provider: "openai", model: "gpt-4o-mini", at: try Timestamp(rfc3339: "2026-11-28T10:00:00Z")) == nil)  // before effective_from
    }

    @Test("field names decode into kind, context tier and service tier")
    func fieldNames() {
        #expect(LiteLLMPriceField.parse("input_cost_per_token_above_272k_tokens_priority")
            == LiteLLMPriceField(kind: .input, aboveInputTokens: 272_000, serviceTier: .priority, isSecondary: false))
        #expect(LiteLLMPriceField.parse("cache_creation_input_token_cost_above_1hr_above_200k_tokens")
            == LiteLLMPriceField(kind: .cacheWrite1h, aboveInputTokens: 200_000, serviceTier: .standard, isSecondary: false))
        #expect(LiteLLMPriceField.parse("cache_read_input_token_cost_batches")?.serviceTier == .batch)
        #expect(LiteLLMPriceField.parse("cache_creation_input_token_cost_above_12hr") == nil)
        #expect(LiteLLMPriceField.parse("input_cost_per_audio_token") == nil)
        #expect(LiteLLMPriceField.parse("input_cost_per_token_above_128k_tokens")?.aboveInputTokens == 128_000)
        #expect(LiteLLMPriceField.parse("output_cost_per_reasoning_token")?.kind == .reasoning)
    }
}
