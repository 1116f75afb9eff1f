import TallyJSON
import Testing

@testable import TallyCore

@Suite("Provider usage: Google Gemini and Vertex AI")
struct GeminiUsageTests {
    @Test("thinking tokens are outside candidates; output is their sum")
    func thinking() throws {
        let mapped = try mapUsage("gemini", """
            {"usageMetadata": {"promptTokenCount": 11, "candidatesTokenCount": 150, "totalTokenCount": 1031,
              "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 11}], "thoughtsTokenCount": 870}}
            """)
        #expect(mapped.format == .gemini)
        #expect(mapped.usage == TokenUsage(inputTokens: 11, outputTokens: 1020, reasoningTokens: 870))
    }

    @Test("cached content is inside the prompt; tool-use prompt tokens are extra input")
    func cachedAndTools() throws {
        let mapped = try mapUsage("google", """
            {"promptTokenCount": 12000, "cachedContentTokenCount": 10000, "candidatesTokenCount": 500,
             "thoughtsTokenCount": 100, "toolUsePromptTokenCount": 300, "totalTokenCount": 12900,
             "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 10000}]}
            """)
        #expect(mapped.usage == TokenUsage(inputTokens: 2300, cacheReadTokens: 10_000, outputTokens: 600, reasoningTokens: 100))
    }

    @Test("the Python SDK's snake_case spelling")
    func snakeCase() throws {
        let mapped = try mapUsage("vertex_ai", """
            {"prompt_token_count": 40, "cached_content_token_count": 30, "candidates_token_count": 5, "total_token_count": 45}
            """)
        #expect(mapped.usage == TokenUsage(inputTokens: 10, cacheReadTokens: 30, outputTokens: 5))
    }

    @Test("rejects cached content larger than the prompt")
    func rejects() throws {
        #expect(
            try usageError("google", #"{"promptTokenCount": 10, "cachedContentTokenCount": 20}"#)
                == .partExceedsWhole(part: "usageMetadata.cachedContentTokenCount", partValue: 20, whole: "usageMetadata.promptTokenCount", wholeValue: 10))
        #expect(try usageError("google", #"{"candidatesTokenCount": 10}"#) == .missingField("usageMetadata.promptTokenCount"))
    }
}
