import TallyJSON

/// The `id` of a JSON-RPC request: a string, a number or null, echoed exactly in the response.
public enum RequestID: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case null

    /// Reads an id member; `nil` when the value is not a valid id type (object, array, boolean).
    public init?(_ value: JSONValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .integer(let number): self = .integer(number)
        case .number(let number): self = .number(number)
        case .null: self = .null
        default: return nil
        }
    }

    public var jsonValue: JSONValue {
        switch self {
        case .string(let text): .string(text)
        case .integer(let number): .integer(number)
        case .number(let number): .number(number)
        case .null: .null
        }
    }
}
