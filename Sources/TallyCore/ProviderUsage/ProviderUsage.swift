import TallyJSON

/// Translates a provider's usage object, exactly as its API returned it, into Tally's
/// canonical ``TokenUsage``.
///
/// The shape is chosen from the provider and confirmed by the object's fields, so that an
/// OpenAI-compatible host (Groq, Together, Fireworks...) or Claude through Bedrock or Vertex
/// maps without configuration. An object that matches no shape is an error, never zero usage.
public enum ProviderUsage {
    /// Maps `usage` reported by `provider` (any spelling ``ProviderName`` knows, or another
    /// provider name for OpenAI-compatible and Anthropic-compatible APIs).
    ///
    /// Gemini's `usageMetadata` may be given as the object itself or wrapped in a
    /// `{"usageMetadata": ...}` response. OpenRouter's `cost` (and BYOK upstream cost) are
    /// returned as ``MappedUsage/reportedCost``.
    public static func map(provider: String, usage: JSONValue) throws(ProviderUsageError) -> MappedUsage {
        let canonical = ProviderName.normalize(provider)
        var root = try UsageObject(usage, path: "usage")
        if let metadata = root.members["usageMetadata"], metadata.objectValue != nil {
            root = try UsageObject(metadata, path: "usageMetadata")
        }
        guard let format = detect(root, provider: canonical) else {
            throw .unrecognizedShape(provider: canonical, fields: root.members.keys.sorted())
        }
        if format == .gemini {
            // Errors name Gemini's fields by the name its documentation uses.
            root = UsageObject(members: root.members, path: "usageMetadata")
        }
        var mapped = try map(format: format, object: root, provider: canonical)
        if canonical == ProviderName.openRouter {
            try readOpenRouterCost(root, into: &mapped)
        }
        return mapped
    }

    /// Maps `usage` read as an explicit `format`, for callers that know the API used.
    public static func map(format: UsageFormat, usage: JSONValue, provider: String = "") throws(ProviderUsageError) -> MappedUsage {
        let canonical = ProviderName.normalize(provider)
        let root = try UsageObject(usage, path: format == .gemini ? "usageMetadata" : "usage")
        var mapped = try map(format: format, object: root, provider: canonical)
        if canonical == ProviderName.openRouter {
            try readOpenRouterCost(root, into: &mapped)
        }
        return mapped
    }

    /// The shape `usage` would be read as for `provider`, or `nil` if none fits.
    public static func detectFormat(provider: String, usage: JSONValue) -> UsageFormat? {
        guard var root = try? UsageObject(usage, path: "usage") else { return nil }
        if let metadata = root.members["usageMetadata"], let inner = try? UsageObject(metadata, path: "usageMetadata") {
            root = inner
        }
        return detect(root, provider: ProviderName.normalize(provider))
    }

    /// Providers whose `input_tokens`/`output_tokens` objects are Anthropic's shape rather than
    /// OpenAI Responses (Claude is served through all of these).
    static let anthropicShapedProviders: Set<String> = [ProviderName.anthropic, ProviderName.bedrock, ProviderName.google]

    static func detect(_ usage: UsageObject, provider: String) -> UsageFormat? {
        let has = usage.has
        if has("promptTokenCount") || has("candidatesTokenCount") || has("prompt_token_count") || has("totalTokenCount") {
            return .gemini
        }
        if has("inputTokens") || has("outputTokens") { return .bedrockConverse }
        if has("prompt_tokens") { return .openAIChat }
        let anthropicFields = has("cache_creation_input_tokens") || has("cache_read_input_tokens")
            || has("cache_creation") || has("server_tool_use")
        let responsesFields = has("input_tokens_details") || has("output_tokens_details")
        // Also without input_tokens, so that the error names the missing field.
        if has("input_tokens") || has("output_tokens") || anthropicFields || responsesFields {
            if anthropicFields && !responsesFields { return .anthropic }
            if responsesFields && !anthropicFields { return .openAIResponses }
            // Bare input/output counts read the same either way; follow the provider.
            return anthropicShapedProviders.contains(provider) ? .anthropic : .openAIResponses
        }
        return nil
    }

    static func map(format: UsageFormat, object: UsageObject, provider: String) throws(ProviderUsageError) -> MappedUsage {
        // xAI documents reasoning tokens as reported beside completion tokens, not inside.
        let reasoningOutside = provider == ProviderName.xAI
        let mapped: MappedUsage
        switch format {
        case .openAIChat:
            mapped = MappedUsage(usage: try OpenAIChatUsage.map(object, reasoningOutsideByDefault: reasoningOutside), format: format)
        case .openAIResponses:
            mapped = MappedUsage(usage: try OpenAIResponsesUsage.map(object, reasoningOutsideByDefault: reasoningOutside), format: format)
        case .anthropic:
            let (usage, tier) = try AnthropicUsage.map(object)
            mapped = MappedUsage(usage: usage, format: format, serviceTier: tier)
        case .gemini:
            mapped = MappedUsage(usage: try GeminiUsage.map(object), format: format)
        case .bedrockConverse:
            mapped = MappedUsage(usage: try BedrockConverseUsage.map(object), format: format)
        }
        do {
            try mapped.usage.validate()
        } catch {
            throw .invalidUsage(error)
        }
        return mapped
    }

    /// OpenRouter's `cost` and `cost_details.upstream_inference_cost`: credits as JSON reals,
    /// read through their shortest decimal description (exact for what OpenRouter wrote).
    static func readOpenRouterCost(_ usage: UsageObject, into mapped: inout MappedUsage) throws(ProviderUsageError) {
        func money(_ value: JSONValue?, field: String) throws(ProviderUsageError) -> Money? {
            guard let value, !value.isNull else { return nil }
            do {
                return try Money.parse(json: value)
            } catch {
                throw .invalidCost(field: field, reason: error)
            }
        }
        mapped.reportedCost = try money(usage.members["cost"], field: usage.field("cost"))
        if let details = try usage.object("cost_details") {
            mapped.reportedUpstreamCost = try money(details.members["upstream_inference_cost"], field: details.field("upstream_inference_cost"))
        }
    }
}
