/// Why a usage could not be priced. The ledger stores such an event as *unpriced* (never as
/// $0) and prices it when the catalog gains what was missing.
public enum CostError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The usage has tokens or calls of a component the model has no price for, and no
    /// stand-in price applies.
    case missingPrice(CostComponent, provider: String, model: String)
    /// The usage itself is invalid (negative counts, reasoning above output).
    case invalidUsage(TokenUsageError)
    /// The cost does not fit in 128 bits (counts near the 64-bit limit are never real).
    case overflow

    public var description: String {
        switch self {
        case .missingPrice(let component, let provider, let model):
            "no \(component) price for \(provider)/\(model)"
        case .invalidUsage(let error):
            error.description
        case .overflow:
            "cost overflows 128 bits"
        }
    }
}
