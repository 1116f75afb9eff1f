import TallyJSON

@testable import TallyCore

/// A small catalog with hand-picked prices (pico-USD per token), written out in full so that
/// the expected costs in the tests can be checked by hand.
enum PricingTestCatalog {
    static let text = """
        {"format": "tally.price-catalog.v1", "version": "test-1", "models": [
         {"provider": "openai", "model": "gpt-4o-mini", "mode": "chat",
          "prices": {"input": 150000, "output": 600000, "cache_read": 75000},
          "service_tiers": {"batch": {"prices": {"input": 75000, "output": 300000}},
                            "priority": {"prices": {"input": 250000, "output": 1000000, "cache_read": 125000}}},
          "per_web_search_call": 25000000000},
         {"provider": "openai", "model": "gpt-4o", "prices": {"input": 2500000, "output": 10000000, "cache_read": 1250000}},
         {"provider": "openai", "model": "gpt-4o-2024-05-13", "prices": {"input": 5000000, "output": 15000000}},
         {"provider": "openai", "model": "gpt-5", "prices": {"input": 1250000, "output": 10000000, "cache_read": 125000}},
         {"provider": "anthropic", "model": "claude-sonnet-4-5",
          "prices": {"input": 3000000, "output": 15000000, "cache_read": 300000, "cache_write_5m": 3750000, "cache_write_1h": 6000000},
          "service_tiers": {"batch": {"prices": {"input": 1500000, "output": 7500000, "cache_read": 150000, "cache_write_5m": 1875000}}},
          "per_web_search_call": 10000000000},
         {"provider": "anthropic", "model": "claude-3-5-sonnet-20241022", "prices": {"input": 3000000, "output": 15000000}},
         {"provider": "google", "model": "gemini-2.5-pro",
          "prices": {"input": 1250000, "output": 10000000, "cache_read": 125000},
          "context_tiers": [{"above_input_tokens": 200000, "prices": {"input": 2500000, "output": 15000000, "cache_read": 250000}}],
          "service_tiers": {"batch": {"prices": {"input": 625000, "output": 5000000}}}},
         {"provider": "vertex_ai", "model": "claude-sonnet-4-5", "prices": {"input": 3300000, "output": 16500000}},
         {"provider": "bedrock", "model": "anthropic.claude-3-5-sonnet-20241022-v2:0", "prices": {"input": 3000000, "output": 15000000}},
         {"provider": "mistral", "model": "mistral-large-latest", "prices": {"input": 500000, "output": 1500000}},
         {"provider": "openrouter", "model": "openai/gpt-4o", "prices": {"input": 2600000, "output": 10400000}},
         {"provider": "acme", "model": "acme-1", "prices": {"input": 1000000, "output": 2000000}},
         {"provider": "acme", "model": "acme-1", "effective_from": "2026-11-15", "prices": {"input": 500000, "output": 1000000}},
         {"provider": "perplexity", "model": "sonar", "prices": {"input": 1000000, "output": 1000000}, "per_request": 5000000000},
         {"provider": "dashscope", "model": "qwen-plus", "prices": {"input": 400000, "output": 1200000, "reasoning": 4000000}}
        ]}
        """

    static var catalog: PriceCatalog {
        get throws { try PriceCatalog.decode(try JSONCodec.parse(text)) }
    }

    static func price(_ provider: String, _ model: String, at time: String = "2026-11-20T12:00:00Z") throws -> ModelPrice? {
        try catalog.entry(provider: provider, model: model, at: try Timestamp(rfc3339: time))
    }
}
