/// Responses API `usage` (OpenAI, Azure OpenAI, xAI): `input_tokens` includes
/// `input_tokens_details.cached_tokens` (and `cache_write_tokens` where reported);
/// `output_tokens` includes `output_tokens_details.reasoning_tokens`.
enum OpenAIResponsesUsage {
    static func map(_ usage: UsageObject, reasoningOutsideByDefault: Bool) throws(ProviderUsageError) -> TokenUsage {
        let prompt = try usage.requiredCount("input_tokens")
        let completion = try usage.count("output_tokens") ?? 0
        let inputDetails = try usage.object("input_tokens_details")
        let outputDetails = try usage.object("output_tokens_details")
        let cached = (name: "usage.input_tokens_details.cached_tokens", value: try inputDetails?.count("cached_tokens") ?? 0)
        let cacheWrite = (name: "usage.input_tokens_details.cache_write_tokens", value: try inputDetails?.count("cache_write_tokens") ?? 0)
        let input = try usage.remainder(of: (usage.field("input_tokens"), prompt), minus: [cached, cacheWrite])
        let reasoning = try outputDetails?.count("reasoning_tokens") ?? 0
        let output = outputIncludingReasoning(
            output: completion, reasoning: reasoning, prompt: prompt,
            total: try usage.count("total_tokens"), reasoningOutsideByDefault: reasoningOutsideByDefault)
        return TokenUsage(
            inputTokens: input, cacheReadTokens: cached.value, cacheWrite5mTokens: cacheWrite.value,
            outputTokens: output, reasoningTokens: reasoning)
    }
}
