/// Why a usage object was rejected. Every case names the field and the value.
public enum TokenUsageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The usage is not a JSON object.
    case notAnObject(typeName: String)
    /// A member that is not one of the usage fields (a typo would otherwise drop tokens).
    case unknownField(String)
    /// A field whose value is not a whole number.
    case notAnInteger(field: String, value: String)
    /// A field with a negative count.
    case negative(field: String, value: Int64)
    /// `reasoning_tokens` is larger than `output_tokens`, of which it is a part.
    case reasoningExceedsOutput(reasoning: Int64, output: Int64)
    /// Counts so large that their sum does not fit in 64 bits.
    case overflow

    public var description: String {
        switch self {
        case .notAnObject(let typeName):
            return "usage must be an object, got \(typeName)"
        case .unknownField(let name):
            let known = TokenUsage.Field.allCases.map(\.rawValue).joined(separator: ", ")
            return "usage has unknown field \"\(name)\" (known fields: \(known))"
        case .notAnInteger(let field, let value):
            return "usage.\(field) must be a non-negative integer, got \(value)"
        case .negative(let field, let value):
            return "usage.\(field) must not be negative, got \(value)"
        case .reasoningExceedsOutput(let reasoning, let output):
            return "usage.reasoning_tokens (\(reasoning)) is part of output_tokens and cannot exceed it (\(output))"
        case .overflow:
            return "usage counts are too large to add up"
        }
    }
}
