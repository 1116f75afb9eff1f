/// Anthropic Messages `usage` (also Claude on Bedrock InvokeModel and Vertex AI).
///
/// `input_tokens` excludes the cache: reads are `cache_read_input_tokens`, writes are
/// `cache_creation_input_tokens`, split by lifetime in `cache_creation` when present (a total
/// without the split is the default 5-minute kind). Thinking tokens are inside
/// `output_tokens` and not reported apart. Web searches are
/// `server_tool_use.web_search_requests`; `service_tier` is "standard", "priority" or "batch".
enum AnthropicUsage {
    static func map(_ usage: UsageObject) throws(ProviderUsageError) -> (TokenUsage, ServiceTier?) {
        let input = try usage.requiredCount("input_tokens")
        let output = try usage.count("output_tokens") ?? 0
        let cacheRead = try usage.count("cache_read_input_tokens") ?? 0
        let creationTotal = try usage.count("cache_creation_input_tokens")
        var write5m = creationTotal ?? 0
        var write1h: Int64 = 0
        if let creation = try usage.object("cache_creation") {
            write5m = try creation.count("ephemeral_5m_input_tokens") ?? 0
            write1h = try creation.count("ephemeral_1h_input_tokens") ?? 0
            if let creationTotal, creationTotal != write5m + write1h {
                throw .inconsistentCounts(
                    "\(creation.field("ephemeral_5m_input_tokens")) (\(write5m)) + \(creation.field("ephemeral_1h_input_tokens")) (\(write1h)) must equal \(usage.field("cache_creation_input_tokens")) (\(creationTotal))")
            }
        }
        let webSearches = try usage.object("server_tool_use")?.count("web_search_requests") ?? 0
        let tier = usage.string("service_tier").map(ServiceTier.init(normalizing:))
        let mapped = TokenUsage(
            inputTokens: input, cacheReadTokens: cacheRead, cacheWrite5mTokens: write5m, cacheWrite1hTokens: write1h,
            outputTokens: output, webSearchCalls: webSearches)
        return (mapped, tier)
    }
}
