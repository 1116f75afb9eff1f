/// Why a provider's usage object could not be mapped. Fields are named by their path in the
/// provider's object ("usage.prompt_tokens_details.cached_tokens").
public enum ProviderUsageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A value that must be an object is not.
    case notAnObject(field: String, typeName: String)
    /// A required count is missing.
    case missingField(String)
    /// A count that is not a whole number.
    case notACount(field: String, value: String)
    /// A negative count.
    case negativeCount(field: String, value: Int64)
    /// A count that is part of another is larger than it (cached tokens above the prompt).
    case partExceedsWhole(part: String, partValue: Int64, whole: String, wholeValue: Int64)
    /// Counts that contradict each other; the message names them and their values.
    case inconsistentCounts(String)
    /// A reported cost that is not an exact decimal amount.
    case invalidCost(field: String, reason: MoneyParseError)
    /// The object matches no known usage shape for this provider.
    case unrecognizedShape(provider: String, fields: [String])
    /// The mapped usage breaks an invariant of ``TokenUsage``.
    case invalidUsage(TokenUsageError)

    public var description: String {
        switch self {
        case .notAnObject(let field, let typeName):
            return "\(field) must be an object, got \(typeName)"
        case .missingField(let field):
            return "\(field) is required"
        case .notACount(let field, let value):
            return "\(field) must be a non-negative integer, got \(value)"
        case .negativeCount(let field, let value):
            return "\(field) must not be negative, got \(value)"
        case .partExceedsWhole(let part, let partValue, let whole, let wholeValue):
            return "\(part) (\(partValue)) cannot exceed \(whole) (\(wholeValue)), which includes it"
        case .inconsistentCounts(let detail):
            return detail
        case .invalidCost(let field, let reason):
            return "\(field): \(reason)"
        case .unrecognizedShape(let provider, let fields):
            let list = fields.isEmpty ? "no fields" : "fields " + fields.joined(separator: ", ")
            return "usage for provider \"\(provider)\" matches no known usage shape (\(list)); send canonical usage instead"
        case .invalidUsage(let error):
            return error.description
        }
    }
}
