import TallyJSON

extension JSONValue {
    /// The value as JSON text for error messages, scalars included (`1.5`, `"12"`, `true`);
    /// long texts are cut so that a hostile value cannot blow up a message.
    var errorText: String {
        let text: String
        switch self {
        case .null: text = "null"
        case .bool(let flag): text = flag ? "true" : "false"
        case .integer(let value): text = String(value)
        case .number(let value): text = value.description
        case .string(let value): text = "\"" + value + "\""
        case .array, .object: text = jsonText
        }
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}
