/// Canonical provider names, so that "vertex_ai", "gemini" and "google" land on one ledger
/// line and one catalog section.
///
/// Canonical names: `openai`, `anthropic`, `google` (Gemini API and Vertex AI), `mistral`,
/// `deepseek`, `xai`, `azure` (Azure OpenAI), `bedrock` (AWS Bedrock), `openrouter`. Any other
/// name is kept as given, lower-cased and trimmed, so gateways and hosts such as `groq` or
/// `fireworks_ai` work without a code change.
///
/// `scripts/build-price-catalog.py` applies the same table to the shipped catalog; keep them
/// in step.
public enum ProviderName {
    public static let openAI = "openai"
    public static let anthropic = "anthropic"
    public static let google = "google"
    public static let mistral = "mistral"
    public static let deepSeek = "deepseek"
    public static let xAI = "xai"
    public static let azure = "azure"
    public static let bedrock = "bedrock"
    public static let openRouter = "openrouter"

    /// Aliases (LiteLLM provider names, SDK names, OpenRouter vendor slugs) to canonical names.
    static let aliases: [String: String] = [
        "openai": openAI, "text-completion-openai": openAI,
        "anthropic": anthropic,
        "google": google, "gemini": google, "vertex_ai": google, "vertex": google, "vertexai": google,
        "google_ai_studio": google, "google-vertex": google, "google-ai-studio": google,
        "mistral": mistral, "mistralai": mistral, "codestral": mistral, "text-completion-codestral": mistral,
        "deepseek": deepSeek,
        "xai": xAI, "x-ai": xAI, "grok": xAI,
        "azure": azure, "azure_openai": azure, "azure-openai": azure, "azure_text": azure,
        "bedrock": bedrock, "bedrock_converse": bedrock, "aws_bedrock": bedrock, "amazon_bedrock": bedrock,
        "aws-bedrock": bedrock, "amazon-bedrock": bedrock,
        "openrouter": openRouter,
    ]

    /// The canonical name for `raw`: an alias is replaced, anything else is lower-cased and
    /// trimmed. LiteLLM's "vertex_ai-anthropic_models" and similar sections are Google.
    public static func normalize(_ raw: String) -> String {
        let name = raw.trimmingASCIIWhitespace().lowercased()
        if let canonical = aliases[name] { return canonical }
        if name.hasPrefix("vertex_ai-") || name.hasPrefix("vertex_ai/") { return google }
        return name
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs and newlines (no Foundation).
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
