import TallyJSON
import Testing

@testable import TallyCore

@Suite("Provider usage: Anthropic")
struct AnthropicUsageTests {
    @Test("input_tokens excludes cache reads and writes; writes split by lifetime")
    func messages() throws {
        let mapped = try mapUsage("anthropic", """
            {"input_tokens": 21, "cache_creation_input_tokens": 1500, "cache_read_input_tokens": 188086,
             "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 500},
             "output_tokens": 393, "service_tier": "standard",
             "server_tool_use": {"web_search_requests": 2, "web_fetch_requests": 0}}
            """)
        #expect(mapped.format == .anthropic)
        #expect(mapped.usage == TokenUsage(
            inputTokens: 21, cacheReadTokens: 188_086, cacheWrite5mTokens: 1000, cacheWrite1hTokens: 500,
            outputTokens: 393, webSearchCalls: 2))
        #expect(mapped.serviceTier == .standard)
    }

    @Test("a cache write total without the split is the default 5-minute kind")
    func olderShape() throws {
        let mapped = try mapUsage("anthropic", """
            {"input_tokens": 12, "cache_creation_input_tokens": 2048, "cache_read_input_tokens": 0, "output_tokens": 7}
            """)
        #expect(mapped.usage == TokenUsage(inputTokens: 12, cacheWrite5mTokens: 2048, outputTokens: 7))
        let minimal = try mapUsage("anthropic", #"{"input_tokens": 10, "output_tokens": 20}"#)
        #expect(minimal.usage == TokenUsage(inputTokens: 10, outputTokens: 20))
        #expect(minimal.format == .anthropic)
    }

    @Test("batch and priority tiers are reported in usage")
    func serviceTier() throws {
        #expect(try mapUsage("anthropic", #"{"input_tokens": 1, "output_tokens": 1, "service_tier": "batch"}"#).serviceTier == .batch)
        #expect(try mapUsage("anthropic", #"{"input_tokens": 1, "output_tokens": 1, "service_tier": "priority"}"#).serviceTier == .priority)
    }

    @Test("Claude through Bedrock InvokeModel and Vertex AI has the same shape")
    func claudeElsewhere() throws {
        let text = #"{"input_tokens": 5, "cache_read_input_tokens": 100, "output_tokens": 9}"#
        #expect(try mapUsage("bedrock", text).usage == TokenUsage(inputTokens: 5, cacheReadTokens: 100, outputTokens: 9))
        #expect(try mapUsage("vertex_ai", text).format == .anthropic)
    }

    @Test("rejects a split that contradicts its total")
    func rejects() throws {
        #expect(
            try usageError("anthropic", """
                {"input_tokens": 1, "output_tokens": 1, "cache_creation_input_tokens": 100,
                 "cache_creation": {"ephemeral_5m_input_tokens": 10, "ephemeral_1h_input_tokens": 20}}
                """)
                == .inconsistentCounts(
                    "usage.cache_creation.ephemeral_5m_input_tokens (10) + usage.cache_creation.ephemeral_1h_input_tokens (20) must equal usage.cache_creation_input_tokens (100)"))
        #expect(try usageError("anthropic", #"{"output_tokens": 1, "cache_read_input_tokens": 3}"#) == .missingField("usage.input_tokens"))
        #expect(try usageError("anthropic", #"{"input_tokens": 1, "server_tool_use": {"web_search_requests": -1}}"#)
            == .negativeCount(field: "usage.server_tool_use.web_search_requests", value: -1))
    }
}
