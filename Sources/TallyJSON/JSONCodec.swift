import CJansson
#if canImport(Glibc)
import Glibc
#endif

/// Why a JSON text could not be read.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// jansson's own explanation, e.g. "'[' or '{' expected near 'x'".
    public var reason: String
    /// 1-based line of the offending byte, 0 when not known.
    public var line: Int
    /// 1-based column of the offending byte, 0 when not known.
    public var column: Int
    /// 0-based byte offset into the text.
    public var position: Int

    public var description: String {
        line > 0 ? "\(reason) at line \(line), column \(column)" : reason
    }
}

/// Reads and writes JSON texts with jansson.
///
/// Parsing rejects what a hostile peer could use against the server: duplicate object keys,
/// NUL bytes (also as `\u0000`), invalid UTF-8, integers beyond 64 bits, reals that overflow,
/// and nesting deeper than ``maximumDepth``.
public enum JSONCodec {
    /// The deepest nesting of arrays and objects accepted. Tally's own documents are a few levels deep.
    public static let maximumDepth = 64

    /// Parses one JSON text (any value at the top level).
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONParseError(reason: "empty message", line: 0, column: 0, position: 0)
        }
        var error = json_error_t()
        guard let root = json_loadb(base.assumingMemoryBound(to: CChar.self), bytes.count, tally_json_flags_parse(), &error) else {
            let reason = withUnsafeBytes(of: error.text) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            throw JSONParseError(reason: reason, line: Int(error.line), column: Int(error.column), position: Int(error.position))
        }
        defer { tally_json_decref(root) }
        return try convert(root, depth: 0)
    }

    /// Parses one JSON text from bytes.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try parse(UnsafeRawBufferPointer(buffer)) }
        } ?? Array(bytes).withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try parse(buffer) }
        }
        return try result.get()
    }

    /// Parses one JSON text from a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private static func convert(_ node: UnsafeMutablePointer<json_t>, depth: Int) throws(JSONParseError) -> JSONValue {
        switch json_type(rawValue: UInt32(tally_json_type(node))) {
        case JSON_OBJECT:
            guard depth < maximumDepth else { throw tooDeep() }
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(json_object_size(node))
            var iterator = json_object_iter(node)
            while let current = iterator {
                let key = String(cString: json_object_iter_key(current))
                members[key] = try convert(json_object_iter_value(current), depth: depth + 1)
                iterator = json_object_iter_next(node, current)
            }
            return .object(members)
        case JSON_ARRAY:
            guard depth < maximumDepth else { throw tooDeep() }
            let count = json_array_size(node)
            var elements: [JSONValue] = []
            elements.reserveCapacity(count)
            for index in 0..<count {
                elements.append(try convert(json_array_get(node, index), depth: depth + 1))
            }
            return .array(elements)
        case JSON_STRING:
            let length = json_string_length(node)
            let pointer = UnsafeRawPointer(json_string_value(node)!)
            return .string(String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self))
        case JSON_INTEGER:
            return .integer(Int64(json_integer_value(node)))
        case JSON_REAL:
            return .number(json_real_value(node))
        case JSON_TRUE:
            return .bool(true)
        case JSON_FALSE:
            return .bool(false)
        default:
            return .null
        }
    }

    private static func tooDeep() -> JSONParseError {
        JSONParseError(reason: "nesting deeper than \(maximumDepth) levels", line: 0, column: 0, position: 0)
    }

    /// Serializes a value as compact JSON with sorted keys (deterministic output, no raw newlines).
    public static func serialize(_ value: JSONValue) -> [UInt8] {
        let node = makeNode(value)
        defer { tally_json_decref(node) }
        // One pass: jansson writes into its own buffer, which is copied once.
        guard let text = json_dumps(node, tally_json_flags_compact_sorted()) else { return Array("null".utf8) }
        defer { free(text) }
        return Array(UnsafeRawBufferPointer(start: text, count: strlen(text)))
    }

    /// Serializes a value into a `String`.
    public static func serializeToString(_ value: JSONValue) -> String {
        String(decoding: serialize(value), as: UTF8.self)
    }

    private static func makeNode(_ value: JSONValue) -> UnsafeMutablePointer<json_t> {
        switch value {
        case .null: return json_null()
        case .bool(let flag): return flag ? json_true() : json_false()
        case .integer(let number): return json_integer(json_int_t(number))
        case .number(let number):
            // jansson cannot write NaN or infinity; JSON has no spelling for them.
            return number.isFinite ? json_real(number) : json_null()
        case .string(let text):
            var text = text
            return text.withUTF8 { utf8 in
                json_stringn_nocheck(UnsafeRawPointer(utf8.baseAddress!).assumingMemoryBound(to: CChar.self), utf8.count)
                    ?? json_string("")
            }
        case .array(let elements):
            let array = json_array()!
            for element in elements { json_array_append_new(array, makeNode(element)) }
            return array
        case .object(let members):
            let object = json_object()!
            for (key, member) in members { json_object_set_new_nocheck(object, key, makeNode(member)) }
            return object
        }
    }
}

extension JSONValue {
    /// Compact JSON text of this value.
    public var jsonText: String { JSONCodec.serializeToString(self) }
}
