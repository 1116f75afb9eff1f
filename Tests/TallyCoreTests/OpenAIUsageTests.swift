import TallyJSON
import Testing

@testable import TallyCore

@Suite("Provider usage: OpenAI and OpenAI-shaped APIs")
struct OpenAIUsageTests {
    @Test("chat completions: prompt_tokens includes cached tokens, completion includes reasoning")
    func chatCompletions() throws {
        let mapped = try mapUsage("openai", """
            {"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
             "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0},
             "completion_tokens_details": {"reasoning_tokens": 192, "audio_tokens": 0,
               "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}
            """)
        #expect(mapped.format == .openAIChat)
        #expect(mapped.usage == TokenUsage(inputTokens: 86, cacheReadTokens: 1920, outputTokens: 300, reasoningTokens: 192))
        #expect(mapped.reportedCost == nil)
    }

    @Test("chat completions without details")
    func chatWithoutDetails() throws {
        let mapped = try mapUsage("openai", #"{"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21}"#)
        #expect(mapped.usage == TokenUsage(inputTokens: 9, outputTokens: 12))
    }

    @Test("Responses API: input_tokens includes cached tokens, output includes reasoning")
    func responses() throws {
        let mapped = try mapUsage("openai", """
            {"input_tokens": 5036, "input_tokens_details": {"cached_tokens": 4864},
             "output_tokens": 87, "output_tokens_details": {"reasoning_tokens": 64}, "total_tokens": 5123}
            """)
        #expect(mapped.format == .openAIResponses)
        #expect(mapped.usage == TokenUsage(inputTokens: 172, cacheReadTokens: 4864, outputTokens: 87, reasoningTokens: 64))
    }

    @Test("Azure OpenAI: the same shapes, cache writes reported in the details")
    func azure() throws {
        let chat = try mapUsage("azure_openai", """
            {"completion_tokens": 57, "prompt_tokens": 1569, "total_tokens": 1626,
             "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 1408},
             "completion_tokens_details": {"audio_tokens": 0, "reasoning_tokens": 0,
               "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}
            """)
        #expect(chat.usage == TokenUsage(inputTokens: 161, cacheReadTokens: 1408, outputTokens: 57))
        let responses = try mapUsage("azure", """
            {"input_tokens": 3000, "input_tokens_details": {"cached_tokens": 1000, "cache_write_tokens": 1500},
             "output_tokens": 200, "output_tokens_details": {"reasoning_tokens": 150}, "total_tokens": 3200}
            """)
        #expect(responses.usage == TokenUsage(inputTokens: 500, cacheReadTokens: 1000, cacheWrite5mTokens: 1500, outputTokens: 200, reasoningTokens: 150))
    }

    @Test("DeepSeek: prompt_cache_hit_tokens and prompt_cache_miss_tokens")
    func deepSeek() throws {
        let mapped = try mapUsage("deepseek", """
            {"prompt_tokens": 1024, "completion_tokens": 300, "total_tokens": 1324,
             "prompt_tokens_details": {"cached_tokens": 768},
             "prompt_cache_hit_tokens": 768, "prompt_cache_miss_tokens": 256,
             "completion_tokens_details": {"reasoning_tokens": 200}}
            """)
        #expect(mapped.usage == TokenUsage(inputTokens: 256, cacheReadTokens: 768, outputTokens: 300, reasoningTokens: 200))
        let older = try mapUsage("deepseek", """
            {"prompt_tokens": 64, "completion_tokens": 10, "total_tokens": 74,
             "prompt_cache_hit_tokens": 0, "prompt_cache_miss_tokens": 64}
            """)
        #expect(older.usage == TokenUsage(inputTokens: 64, outputTokens: 10))
        #expect(
            try usageError("deepseek", #"{"prompt_tokens": 100, "prompt_cache_hit_tokens": 60, "prompt_cache_miss_tokens": 60}"#)
                == .inconsistentCounts("usage.prompt_cache_hit_tokens (60) + usage.prompt_cache_miss_tokens (60) must equal usage.prompt_tokens (100)"))
    }

    @Test("xAI: reasoning tokens are reported beside completion tokens")
    func xAI() throws {
        let mapped = try mapUsage("xai", """
            {"prompt_tokens": 32, "completion_tokens": 9, "total_tokens": 135,
             "prompt_tokens_details": {"text_tokens": 32, "audio_tokens": 0, "image_tokens": 0, "cached_tokens": 6},
             "completion_tokens_details": {"reasoning_tokens": 94, "audio_tokens": 0,
               "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
             "num_sources_used": 0}
            """)
        #expect(mapped.usage == TokenUsage(inputTokens: 26, cacheReadTokens: 6, outputTokens: 103, reasoningTokens: 94))
        // Without total_tokens, xAI's documented behaviour applies.
        let noTotal = try mapUsage("x-ai", """
            {"prompt_tokens": 32, "completion_tokens": 9, "completion_tokens_details": {"reasoning_tokens": 5}}
            """)
        #expect(noTotal.usage.outputTokens == 14)
        // A total that says reasoning is inside wins over the default.
        let inside = try mapUsage("xai", """
            {"prompt_tokens": 32, "completion_tokens": 9, "total_tokens": 41, "completion_tokens_details": {"reasoning_tokens": 5}}
            """)
        #expect(inside.usage.outputTokens == 9)
    }

    @Test("Mistral and other OpenAI-compatible hosts")
    func mistralAndCompatible() throws {
        let mistral = try mapUsage("mistral", #"{"prompt_tokens": 16, "completion_tokens": 34, "total_tokens": 50}"#)
        #expect(mistral.usage == TokenUsage(inputTokens: 16, outputTokens: 34))
        let groq = try mapUsage("groq", """
            {"queue_time": 0.037, "prompt_tokens": 18, "prompt_time": 0.0007, "completion_tokens": 556,
             "completion_time": 0.46, "total_tokens": 574, "total_time": 0.46}
            """)
        #expect(groq.usage == TokenUsage(inputTokens: 18, outputTokens: 556))
        #expect(groq.format == .openAIChat)
    }

    @Test("rejects impossible counts, naming the fields")
    func rejects() throws {
        #expect(
            try usageError("openai", #"{"prompt_tokens": 40, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 50}}"#)
                == .partExceedsWhole(part: "usage.prompt_tokens_details.cached_tokens", partValue: 50, whole: "usage.prompt_tokens", wholeValue: 40))
        #expect(try usageError("openai", #"{"prompt_tokens": -4}"#) == .negativeCount(field: "usage.prompt_tokens", value: -4))
        #expect(try usageError("openai", #"{"prompt_tokens": "12"}"#) == .notACount(field: "usage.prompt_tokens", value: "\"12\""))
        #expect(try usageError("openai", #"{"prompt_tokens": 1.5}"#) == .notACount(field: "usage.prompt_tokens", value: "1.5"))
        #expect(try usageError("openai", #"{"prompt_tokens": 3, "prompt_tokens_details": 7}"#) == .notAnObject(field: "usage.prompt_tokens_details", typeName: "integer"))
        #expect(try usageError("openai", #"{"completion_tokens": 3}"#) == .unrecognizedShape(provider: "openai", fields: ["completion_tokens"]))
        #expect(try usageError("openai", "[1, 2]") == .notAnObject(field: "usage", typeName: "array"))
        #expect(try usageError("openai", #"{"input_tokens_details": {"cached_tokens": 3}, "output_tokens": 3}"#) == .missingField("usage.input_tokens"))
        let message = ProviderUsageError.partExceedsWhole(
            part: "usage.prompt_tokens_details.cached_tokens", partValue: 50, whole: "usage.prompt_tokens", wholeValue: 40
        ).description
        #expect(message == "usage.prompt_tokens_details.cached_tokens (50) cannot exceed usage.prompt_tokens (40), which includes it")
    }
}
