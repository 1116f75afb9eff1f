import TallyJSON

/// An object of a provider's usage being read, with its path for error messages.
struct UsageObject {
    let members: [String: JSONValue]
    let path: String

    init(_ value: JSONValue, path: String) throws(ProviderUsageError) {
        guard let members = value.objectValue else { throw .notAnObject(field: path, typeName: value.typeName) }
        self.init(members: members, path: path)
    }

    init(members: [String: JSONValue], path: String) {
        self.members = members
        self.path = path
    }

    func field(_ name: String) -> String { "\(path).\(name)" }

    /// Whether the member is present and not null.
    func has(_ name: String) -> Bool {
        guard let value = members[name] else { return false }
        return !value.isNull
    }

    /// A count, or `nil` when absent or null (providers omit zero counts).
    func count(_ name: String) throws(ProviderUsageError) -> Int64? {
        guard let value = members[name], !value.isNull else { return nil }
        guard let count = value.int64Value else { throw .notACount(field: field(name), value: value.errorText) }
        guard count >= 0 else { throw .negativeCount(field: field(name), value: count) }
        return count
    }

    /// The first of several spellings that is present (camelCase REST, snake_case SDK dumps).
    func count(anyOf names: [String]) throws(ProviderUsageError) -> (name: String, value: Int64)? {
        for name in names {
            if let value = try count(name) { return (name, value) }
        }
        return nil
    }

    func requiredCount(_ name: String) throws(ProviderUsageError) -> Int64 {
        guard let value = try count(name) else { throw .missingField(field(name)) }
        return value
    }

    func object(_ name: String) throws(ProviderUsageError) -> UsageObject? {
        guard let value = members[name], !value.isNull else { return nil }
        return try UsageObject(value, path: field(name))
    }

    func string(_ name: String) -> String? { members[name]?.stringValue }

    /// `whole - parts`, refusing parts larger than the whole.
    func remainder(
        of whole: (name: String, value: Int64), minus parts: [(name: String, value: Int64)]
    ) throws(ProviderUsageError) -> Int64 {
        var remaining = whole.value
        for part in parts {
            guard part.value <= remaining else {
                throw .partExceedsWhole(part: part.name, partValue: part.value, whole: whole.name, wholeValue: whole.value)
            }
            remaining -= part.value
        }
        return remaining
    }
}

/// Whether an OpenAI-style output count already includes its reasoning tokens.
///
/// OpenAI counts reasoning inside `completion_tokens`/`output_tokens`; xAI reports it beside
/// them. `total_tokens` tells which: prompt + output, or prompt + output + reasoning. Without
/// a decisive total the provider's documented behaviour applies; a reasoning count larger than
/// the output cannot be inside it.
func outputIncludingReasoning(
    output: Int64, reasoning: Int64, prompt: Int64, total: Int64?, reasoningOutsideByDefault: Bool
) -> Int64 {
    guard reasoning > 0 else { return output }
    var inside = !reasoningOutsideByDefault
    if let total {
        if total == prompt + output { inside = true } else if total == prompt + output + reasoning { inside = false }
    }
    if reasoning > output { inside = false }
    return inside ? output : output + reasoning
}
