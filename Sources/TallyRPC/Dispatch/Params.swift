import TallyJSON

/// Typed access to a request's named params, with -32602 errors that name the field.
///
/// The dispatcher has already refused params the method does not declare, so a handler only
/// reads what it expects: `try params.string("token")`, `try params.optionalInt("limit")`.
public struct Params: Sendable {
    public let values: [String: JSONValue]

    public init(_ values: [String: JSONValue]) { self.values = values }

    public subscript(name: String) -> JSONValue? {
        guard let value = values[name], !value.isNull else { return nil }
        return value
    }

    public func has(_ name: String) -> Bool { self[name] != nil }

    public func string(_ name: String) throws(RPCError) -> String {
        guard let value = try optionalString(name) else { throw .missingParam(name) }
        return value
    }

    public func optionalString(_ name: String) throws(RPCError) -> String? {
        guard let value = self[name] else { return nil }
        guard case .string(let text) = value else { throw .invalidParam(name, "expected a string, got \(value.typeName)") }
        return text
    }

    public func int(_ name: String) throws(RPCError) -> Int64 {
        guard let value = try optionalInt(name) else { throw .missingParam(name) }
        return value
    }

    public func optionalInt(_ name: String, in range: ClosedRange<Int64>? = nil) throws(RPCError) -> Int64? {
        guard let value = self[name] else { return nil }
        guard case .integer(let number) = value else { throw .invalidParam(name, "expected an integer, got \(value.typeName)") }
        if let range, !range.contains(number) {
            throw .invalidParam(name, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        return number
    }

    public func optionalBool(_ name: String) throws(RPCError) -> Bool? {
        guard let value = self[name] else { return nil }
        guard case .bool(let flag) = value else { throw .invalidParam(name, "expected a boolean, got \(value.typeName)") }
        return flag
    }

    public func array(_ name: String) throws(RPCError) -> [JSONValue] {
        guard let value = self[name] else { throw .missingParam(name) }
        guard case .array(let elements) = value else { throw .invalidParam(name, "expected an array, got \(value.typeName)") }
        return elements
    }

    public func optionalObject(_ name: String) throws(RPCError) -> [String: JSONValue]? {
        guard let value = self[name] else { return nil }
        guard case .object(let members) = value else { throw .invalidParam(name, "expected an object, got \(value.typeName)") }
        return members
    }

    public func object(_ name: String) throws(RPCError) -> [String: JSONValue] {
        guard let members = try optionalObject(name) else { throw .missingParam(name) }
        return members
    }

    /// A string param restricted to a fixed set of values.
    public func optionalEnum<Value: RawRepresentable<String>>(_ name: String, as type: Value.Type) throws(RPCError) -> Value? where Value: CaseIterable {
        guard let text = try optionalString(name) else { return nil }
        guard let parsed = Value(rawValue: text) else {
            let allowed = Value.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw .invalidParam(name, "expected one of \(allowed), got '\(text)'")
        }
        return parsed
    }
}
