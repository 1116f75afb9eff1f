import TallyJSON

extension TokenUsage {
    /// Reads a usage in Tally's canonical form, e.g.
    /// `{"input_tokens": 900, "cache_read_tokens": 100, "output_tokens": 50}`.
    ///
    /// Missing fields and `null` take their defaults (`requests` 1, the rest 0). Unknown
    /// members are rejected, because a misspelt field would silently drop tokens from the
    /// cost. Integral reals (`12.0`) are accepted as integers; anything else is an error
    /// naming the field.
    public static func decode(_ json: JSONValue) throws(TokenUsageError) -> TokenUsage {
        guard let members = json.objectValue else { throw .notAnObject(typeName: json.typeName) }
        for name in members.keys.sorted() where Field(rawValue: name) == nil {
            throw .unknownField(name)
        }
        var usage = TokenUsage.zero
        for field in Field.allCases {
            guard let value = members[field.rawValue], !value.isNull else {
                usage[field] = field.defaultValue
                continue
            }
            guard let count = value.int64Value else {
                throw .notAnInteger(field: field.rawValue, value: value.errorText)
            }
            usage[field] = count
        }
        try usage.validate()
        return usage
    }

    /// The canonical JSON form with every field present, for storage and the wire.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [:]
        for field in Field.allCases { members[field.rawValue] = .integer(self[field]) }
        return .object(members)
    }
}
