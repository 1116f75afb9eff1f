/// Why a price catalog (or one of its entries) was rejected. `path` locates the value, for
/// example `models[12].service_tiers.batch.prices.input`.
public enum PriceCatalogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A value that should be an object is not.
    case notAnObject(path: String, typeName: String)
    /// A required member is missing.
    case missingField(path: String)
    /// A member the format does not define (a misspelt price would otherwise be ignored).
    case unknownField(path: String)
    /// A value of the wrong type or form; `expected` says what was wanted.
    case invalidValue(path: String, value: String, expected: String)
    /// A date or timestamp that does not parse.
    case invalidDate(path: String, reason: TimestampParseError)
    /// Two entries for the same provider, model and start.
    case duplicateEntry(provider: String, model: String, effectiveFrom: String)
    /// The document declares a format this code does not read.
    case unsupportedFormat(String)

    public var description: String {
        switch self {
        case .notAnObject(let path, let typeName):
            return "\(path) must be an object, got \(typeName)"
        case .missingField(let path):
            return "\(path) is required"
        case .unknownField(let path):
            return "\(path) is not a field of the price catalog format"
        case .invalidValue(let path, let value, let expected):
            return "\(path) must be \(expected), got \(value)"
        case .invalidDate(let path, let reason):
            return "\(path): \(reason)"
        case .duplicateEntry(let provider, let model, let effectiveFrom):
            return "duplicate price entry for \(provider)/\(model) effective from \(effectiveFrom)"
        case .unsupportedFormat(let format):
            return "unsupported price catalog format \"\(format)\" (this build reads \"\(PriceCatalog.formatName)\")"
        }
    }
}
