/// What ``LiteLLMImport`` made of a LiteLLM price file.
public struct LiteLLMImportResult: Sendable {
    /// One entry per provider and model (ignoring case), ordered by provider then model.
    public var entries: [ModelPrice]
    /// Keys not imported, with the reason, in key order.
    public var skipped: [LiteLLMSkippedEntry]
    /// Prices finer than 1e-12 USD per token that were rounded half to even.
    public var roundedPrices: [LiteLLMRoundedPrice]

    /// The entries as a catalog with `version`.
    public func catalog(version: String) throws(PriceCatalogError) -> PriceCatalog {
        try PriceCatalog(version: version, entries: entries)
    }
}

/// A LiteLLM key that was not imported.
public struct LiteLLMSkippedEntry: Sendable, Hashable, CustomStringConvertible {
    public var key: String
    public var reason: LiteLLMSkipReason

    public var description: String { "\(key): \(reason)" }
}

/// Why a LiteLLM key was not imported.
public enum LiteLLMSkipReason: Error, Sendable, Hashable, CustomStringConvertible {
    /// The value is not an object.
    case notAnObject(typeName: String)
    /// LiteLLM's `sample_spec`, which documents the format.
    case documentation
    /// Not a chat, completion or responses model (embeddings, images, audio...).
    case unsupportedMode(String?)
    /// No `litellm_provider`.
    case missingProvider
    /// No `input_cost_per_token` or no `output_cost_per_token`.
    case noTokenPrices
    /// A price field that is not a non-negative decimal.
    case invalidPrice(field: String, reason: MoneyParseError)
    /// Another key maps to the same provider and model and was preferred.
    case duplicate(of: String)

    /// A stable machine-readable code.
    public var code: String {
        switch self {
        case .notAnObject: "not_an_object"
        case .documentation: "documentation"
        case .unsupportedMode: "unsupported_mode"
        case .missingProvider: "missing_provider"
        case .noTokenPrices: "no_token_prices"
        case .invalidPrice: "invalid_price"
        case .duplicate: "duplicate"
        }
    }

    public var description: String {
        switch self {
        case .notAnObject(let typeName): "not an object (\(typeName))"
        case .documentation: "format documentation, not a model"
        case .unsupportedMode(let mode): "mode \(mode.map { "\"\($0)\"" } ?? "missing") is not chat, completion or responses"
        case .missingProvider: "no litellm_provider"
        case .noTokenPrices: "no input_cost_per_token and output_cost_per_token"
        case .invalidPrice(let field, let reason): "\(field): \(reason)"
        case .duplicate(let key): "same provider and model as \"\(key)\", which was kept"
        }
    }
}

/// A LiteLLM price that had digits below 1e-12 USD per token.
public struct LiteLLMRoundedPrice: Sendable, Hashable {
    public var key: String
    public var field: String
    /// The price as written (the shortest description of the JSON number).
    public var original: String
    public var rounded: PicoPrice
}
