import TallyJSON
import Testing

@testable import TallyCore

@Suite("Provider usage: OpenRouter and Bedrock Converse")
struct OpenRouterAndBedrockUsageTests {
    @Test("OpenRouter: OpenAI-shaped counts, cache writes inside the prompt, and its own cost")
    func openRouter() throws {
        let mapped = try mapUsage("openrouter", """
            {"prompt_tokens": 194, "completion_tokens": 2, "total_tokens": 196,
             "cost": 0.95, "is_byok": true, "cost_details": {"upstream_inference_cost": 19},
             "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 100, "audio_tokens": 0},
             "completion_tokens_details": {"reasoning_tokens": 0}}
            """)
        #expect(mapped.usage == TokenUsage(inputTokens: 94, cacheWrite5mTokens: 100, outputTokens: 2))
        #expect(mapped.reportedCost == (try Money.parse("0.95")))
        #expect(mapped.reportedUpstreamCost == Money(wholeUSD: 19))
    }

    @Test("OpenRouter's floating-point cost converts exactly via its decimal description")
    func openRouterCost() throws {
        let mapped = try mapUsage("openrouter", """
            {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500, "cost": 0.0001851,
             "prompt_tokens_details": {"cached_tokens": 1000}, "completion_tokens_details": {"reasoning_tokens": 120}}
            """)
        #expect(mapped.reportedCost == Money(picoUSD: 185_100_000))
        #expect(mapped.reportedCost?.decimalString == "0.0001851")
        #expect(mapped.usage == TokenUsage(inputTokens: 200, cacheReadTokens: 1000, outputTokens: 300, reasoningTokens: 120))
        #expect(
            try usageError("openrouter", #"{"prompt_tokens": 1, "cost": "lots"}"#)
                == .invalidCost(field: "usage.cost", reason: .unexpectedCharacter("lots", character: "l", offset: 0)))
        // Other providers' "cost" members are not read as a provider-reported cost.
        #expect(try mapUsage("openai", #"{"prompt_tokens": 1, "cost": 5}"#).reportedCost == nil)
    }

    @Test("Bedrock Converse: inputTokens excludes the cache; cacheDetails splits writes by lifetime")
    func bedrockConverse() throws {
        let mapped = try mapUsage("bedrock", """
            {"inputTokens": 12, "outputTokens": 100, "totalTokens": 1612,
             "cacheReadInputTokens": 1000, "cacheWriteInputTokens": 500,
             "cacheDetails": [{"ttl": "1h", "inputTokens": 500}]}
            """)
        #expect(mapped.format == .bedrockConverse)
        #expect(mapped.usage == TokenUsage(inputTokens: 12, cacheReadTokens: 1000, cacheWrite1hTokens: 500, outputTokens: 100))
        let plain = try mapUsage("aws_bedrock", #"{"inputTokens": 30, "outputTokens": 628, "totalTokens": 658}"#)
        #expect(plain.usage == TokenUsage(inputTokens: 30, outputTokens: 628))
        let noDetails = try mapUsage("bedrock", #"{"inputTokens": 3, "outputTokens": 4, "totalTokens": 307, "cacheWriteInputTokens": 300}"#)
        #expect(noDetails.usage == TokenUsage(inputTokens: 3, cacheWrite5mTokens: 300, outputTokens: 4))
    }

    @Test("Bedrock Converse: a total equal to input + output means the input included the cache")
    func bedrockInclusiveTotal() throws {
        let mapped = try mapUsage("bedrock", """
            {"inputTokens": 1512, "outputTokens": 100, "totalTokens": 1612, "cacheReadInputTokens": 1000, "cacheWriteInputTokens": 500}
            """)
        #expect(mapped.usage == TokenUsage(inputTokens: 12, cacheReadTokens: 1000, cacheWrite5mTokens: 500, outputTokens: 100))
    }

    @Test("Bedrock Converse: rejects unknown lifetimes and contradictory totals")
    func bedrockRejects() throws {
        #expect(
            try usageError("bedrock", #"{"inputTokens": 1, "cacheDetails": [{"ttl": "2h", "inputTokens": 5}]}"#)
                == .inconsistentCounts("usage.cacheDetails[0].ttl must be \"5m\" or \"1h\", got \"2h\""))
        #expect(
            try usageError("bedrock", #"{"inputTokens": 1, "cacheWriteInputTokens": 9, "cacheDetails": [{"ttl": "5m", "inputTokens": 5}]}"#)
                == .inconsistentCounts("the cacheDetails tokens (5) must equal usage.cacheWriteInputTokens (9)"))
    }

    @Test("explicit formats and detection")
    func formats() throws {
        let json = try JSONCodec.parse(#"{"input_tokens": 10, "output_tokens": 2}"#)
        #expect(ProviderUsage.detectFormat(provider: "openai", usage: json) == .openAIResponses)
        #expect(ProviderUsage.detectFormat(provider: "anthropic", usage: json) == .anthropic)
        #expect(ProviderUsage.detectFormat(provider: "openai", usage: ["foo": 1]) == nil)
        let mapped = try ProviderUsage.map(format: .anthropic, usage: json)
        #expect(mapped.usage == TokenUsage(inputTokens: 10, outputTokens: 2))
    }
}
