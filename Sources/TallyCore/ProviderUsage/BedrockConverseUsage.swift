import TallyJSON

/// AWS Bedrock Converse `usage`: `inputTokens`, `outputTokens`, `totalTokens`,
/// `cacheReadInputTokens`, `cacheWriteInputTokens`, and `cacheDetails` (writes by lifetime:
/// `[{"ttl": "5m" | "1h", "inputTokens": n}]`).
///
/// `inputTokens` excludes cache reads and writes (as Anthropic's does), so `totalTokens` is
/// the sum of all four. When `totalTokens` is exactly input + output while cache counts are
/// present, the input included them and they are subtracted.
enum BedrockConverseUsage {
    static func map(_ usage: UsageObject) throws(ProviderUsageError) -> TokenUsage {
        let reportedInput = try usage.requiredCount("inputTokens")
        let output = try usage.count("outputTokens") ?? 0
        let cacheRead = try usage.count("cacheReadInputTokens") ?? 0
        let cacheWriteTotal = try usage.count("cacheWriteInputTokens")
        var write5m = cacheWriteTotal ?? 0
        var write1h: Int64 = 0
        if let details = usage.members["cacheDetails"], !details.isNull {
            guard let list = details.arrayValue else {
                throw .notAnObject(field: usage.field("cacheDetails"), typeName: details.typeName)
            }
            write5m = 0
            for (offset, element) in list.enumerated() {
                let detail = try UsageObject(element, path: "\(usage.field("cacheDetails"))[\(offset)]")
                let tokens = try detail.requiredCount("inputTokens")
                switch detail.string("ttl") {
                case "5m": write5m += tokens
                case "1h": write1h += tokens
                default:
                    throw .inconsistentCounts("\(detail.field("ttl")) must be \"5m\" or \"1h\", got \(detail.members["ttl"]?.errorText ?? "nothing")")
                }
            }
            if let cacheWriteTotal, cacheWriteTotal != write5m + write1h {
                throw .inconsistentCounts(
                    "the cacheDetails tokens (\(write5m + write1h)) must equal \(usage.field("cacheWriteInputTokens")) (\(cacheWriteTotal))")
            }
        }
        var input = reportedInput
        let cacheTotal = cacheRead + write5m + write1h
        if cacheTotal > 0, let total = try usage.count("totalTokens"), total == reportedInput + output {
            input = try usage.remainder(
                of: (usage.field("inputTokens"), reportedInput),
                minus: [("cache reads and writes", cacheTotal)])
        }
        return TokenUsage(
            inputTokens: input, cacheReadTokens: cacheRead, cacheWrite5mTokens: write5m, cacheWrite1hTokens: write1h,
            outputTokens: output)
    }
}
