/// Chat Completions `usage`, as OpenAI, Azure OpenAI, xAI, DeepSeek, Mistral, OpenRouter and
/// other OpenAI-compatible APIs return it.
///
/// `prompt_tokens` includes `prompt_tokens_details.cached_tokens` and (OpenRouter, Azure)
/// `prompt_tokens_details.cache_write_tokens`; DeepSeek reports `prompt_cache_hit_tokens`
/// and `prompt_cache_miss_tokens` instead. Cache writes without a lifetime are the default
/// 5-minute kind. `completion_tokens` includes `completion_tokens_details.reasoning_tokens`
/// except at xAI (see ``outputIncludingReasoning(output:reasoning:prompt:total:reasoningOutsideByDefault:)``).
enum OpenAIChatUsage {
    static func map(_ usage: UsageObject, reasoningOutsideByDefault: Bool) throws(ProviderUsageError) -> TokenUsage {
        let prompt = try usage.requiredCount("prompt_tokens")
        let completion = try usage.count("completion_tokens") ?? 0
        let promptDetails = try usage.object("prompt_tokens_details")
        let completionDetails = try usage.object("completion_tokens_details")

        var cached = (name: "usage.prompt_tokens_details.cached_tokens", value: try promptDetails?.count("cached_tokens") ?? 0)
        if let hit = try usage.count("prompt_cache_hit_tokens") {
            // DeepSeek's own fields: hit + miss = prompt.
            cached = (usage.field("prompt_cache_hit_tokens"), hit)
            if let miss = try usage.count("prompt_cache_miss_tokens"), hit + miss != prompt {
                throw .inconsistentCounts(
                    "\(usage.field("prompt_cache_hit_tokens")) (\(hit)) + \(usage.field("prompt_cache_miss_tokens")) (\(miss)) must equal \(usage.field("prompt_tokens")) (\(prompt))")
            }
        }
        let cacheWrite = (name: "usage.prompt_tokens_details.cache_write_tokens", value: try promptDetails?.count("cache_write_tokens") ?? 0)
        let input = try usage.remainder(of: (usage.field("prompt_tokens"), prompt), minus: [cached, cacheWrite])
        let reasoning = try completionDetails?.count("reasoning_tokens") ?? 0
        let output = outputIncludingReasoning(
            output: completion, reasoning: reasoning, prompt: prompt,
            total: try usage.count("total_tokens"), reasoningOutsideByDefault: reasoningOutsideByDefault)
        return TokenUsage(
            inputTokens: input, cacheReadTokens: cached.value, cacheWrite5mTokens: cacheWrite.value,
            outputTokens: output, reasoningTokens: reasoning)
    }
}
