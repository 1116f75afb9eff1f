/// The shapes of usage objects Tally reads.
public enum UsageFormat: String, Sendable, Hashable, CaseIterable {
    /// OpenAI Chat Completions `usage` (also Azure OpenAI, xAI, DeepSeek, Mistral, OpenRouter
    /// and most OpenAI-compatible hosts): `prompt_tokens` includes cached tokens,
    /// `completion_tokens` includes reasoning.
    case openAIChat = "openai_chat"
    /// OpenAI Responses API `usage`: `input_tokens` includes cached tokens, `output_tokens`
    /// includes reasoning.
    case openAIResponses = "openai_responses"
    /// Anthropic Messages `usage`: `input_tokens` excludes cache reads and writes.
    case anthropic
    /// Google Gemini / Vertex AI `usageMetadata`: `promptTokenCount` includes cached tokens,
    /// `candidatesTokenCount` excludes thinking tokens.
    case gemini
    /// AWS Bedrock Converse `usage`: `inputTokens` excludes cache reads and writes.
    case bedrockConverse = "bedrock_converse"
}
