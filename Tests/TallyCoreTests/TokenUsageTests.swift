import TallyJSON
import Testing

@testable import TallyCore

@Suite("TokenUsage")
struct TokenUsageTests {
    @Test("decodes the canonical form with defaults")
    func decodes() throws {
        let usage = try TokenUsage.decode([
            "input_tokens": 900, "cache_read_tokens": 100, "cache_write_5m_tokens": 10, "cache_write_1h_tokens": 5,
            "output_tokens": 50, "reasoning_tokens": 20, "web_search_calls": 2,
        ])
        #expect(usage == TokenUsage(
            inputTokens: 900, cacheReadTokens: 100, cacheWrite5mTokens: 10, cacheWrite1hTokens: 5,
            outputTokens: 50, reasoningTokens: 20, requests: 1, webSearchCalls: 2))
        #expect(usage.promptTokens == 1015)
        #expect(usage.totalTokens == 1065)
        #expect(usage.visibleOutputTokens == 30)
        #expect(try TokenUsage.decode([:]) == TokenUsage())
        #expect(try TokenUsage.decode(["requests": 0, "output_tokens": .null]).requests == 0)
        #expect(try TokenUsage.decode(["input_tokens": 12.0]).inputTokens == 12)
    }

    @Test("round-trips through JSON")
    func roundTrips() throws {
        let usage = TokenUsage(inputTokens: 1, cacheReadTokens: 2, cacheWrite5mTokens: 3, cacheWrite1hTokens: 4, outputTokens: 6, reasoningTokens: 5, requests: 7, webSearchCalls: 8)
        #expect(try TokenUsage.decode(usage.jsonValue) == usage)
        #expect(usage.jsonValue["cache_write_1h_tokens"] == .integer(4))
    }

    @Test("rejects bad fields, naming the field and the value")
    func rejects() {
        #expect(throws: TokenUsageError.notAnObject(typeName: "array")) { try TokenUsage.decode([1]) }
        #expect(throws: TokenUsageError.negative(field: "input_tokens", value: -1)) { try TokenUsage.decode(["input_tokens": -1]) }
        #expect(throws: TokenUsageError.notAnInteger(field: "output_tokens", value: "1.5")) { try TokenUsage.decode(["output_tokens": 1.5]) }
        #expect(throws: TokenUsageError.notAnInteger(field: "output_tokens", value: "\"12\"")) { try TokenUsage.decode(["output_tokens": "12"]) }
        #expect(throws: TokenUsageError.reasoningExceedsOutput(reasoning: 10, output: 5)) {
            try TokenUsage.decode(["output_tokens": 5, "reasoning_tokens": 10])
        }
        #expect(throws: TokenUsageError.unknownField("input_token")) { try TokenUsage.decode(["input_token": 5]) }
        #expect(throws: TokenUsageError.overflow) {
            try TokenUsage.decode(["input_tokens": .integer(.max), "output_tokens": 1])
        }
        #expect(TokenUsageError.negative(field: "input_tokens", value: -1).description == "usage.input_tokens must not be negative, got -1")
    }

    @Test("adds up for rollups")
    func adds() {
        let sum = TokenUsage(inputTokens: 1, outputTokens: 2) + TokenUsage(inputTokens: 10, outputTokens: 20, webSearchCalls: 1)
        #expect(sum == TokenUsage(inputTokens: 11, outputTokens: 22, requests: 2, webSearchCalls: 1))
        #expect(TokenUsage.zero + TokenUsage() == TokenUsage())
    }
}
