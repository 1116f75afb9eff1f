/// Google Gemini API and Vertex AI `usageMetadata`.
///
/// `promptTokenCount` includes `cachedContentTokenCount`; `toolUsePromptTokenCount` (tool
/// results fed back to the model) is input on top of the prompt. `candidatesTokenCount`
/// excludes `thoughtsTokenCount`, so output is their sum and the thoughts are the reasoning.
/// Zero counts are often omitted. The snake_case spellings of the Python SDK are accepted too.
enum GeminiUsage {
    static func map(_ usage: UsageObject) throws(ProviderUsageError) -> TokenUsage {
        func count(_ camel: String, _ snake: String) throws(ProviderUsageError) -> (name: String, value: Int64) {
            if let found = try usage.count(anyOf: [camel, snake]) { return (usage.field(found.name), found.value) }
            return (usage.field(camel), 0)
        }
        guard usage.has("promptTokenCount") || usage.has("prompt_token_count") else {
            throw .missingField(usage.field("promptTokenCount"))
        }
        let prompt = try count("promptTokenCount", "prompt_token_count")
        let cached = try count("cachedContentTokenCount", "cached_content_token_count")
        let toolPrompt = try count("toolUsePromptTokenCount", "tool_use_prompt_token_count")
        let candidates = try count("candidatesTokenCount", "candidates_token_count")
        let thoughts = try count("thoughtsTokenCount", "thoughts_token_count")
        let uncached = try usage.remainder(of: prompt, minus: [cached])
        return TokenUsage(
            inputTokens: uncached + toolPrompt.value, cacheReadTokens: cached.value,
            outputTokens: candidates.value + thoughts.value, reasoningTokens: thoughts.value)
    }
}
