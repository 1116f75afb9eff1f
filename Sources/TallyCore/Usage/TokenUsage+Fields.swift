extension TokenUsage {
    /// The fields of a usage with their wire (snake_case JSON) names.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case inputTokens = "input_tokens"
        case cacheReadTokens = "cache_read_tokens"
        case cacheWrite5mTokens = "cache_write_5m_tokens"
        case cacheWrite1hTokens = "cache_write_1h_tokens"
        case outputTokens = "output_tokens"
        case reasoningTokens = "reasoning_tokens"
        case requests = "requests"
        case webSearchCalls = "web_search_calls"

        /// The value a missing field takes: one request, zero of everything else.
        public var defaultValue: Int64 { self == .requests ? 1 : 0 }
    }

    /// The count of one field.
    public subscript(field: Field) -> Int64 {
        get {
            switch field {
            case .inputTokens: inputTokens
            case .cacheReadTokens: cacheReadTokens
            case .cacheWrite5mTokens: cacheWrite5mTokens
            case .cacheWrite1hTokens: cacheWrite1hTokens
            case .outputTokens: outputTokens
            case .reasoningTokens: reasoningTokens
            case .requests: requests
            case .webSearchCalls: webSearchCalls
            }
        }
        set {
            switch field {
            case .inputTokens: inputTokens = newValue
            case .cacheReadTokens: cacheReadTokens = newValue
            case .cacheWrite5mTokens: cacheWrite5mTokens = newValue
            case .cacheWrite1hTokens: cacheWrite1hTokens = newValue
            case .outputTokens: outputTokens = newValue
            case .reasoningTokens: reasoningTokens = newValue
            case .requests: requests = newValue
            case .webSearchCalls: webSearchCalls = newValue
            }
        }
    }
}
