import CLua
import CTallyLua
import TallyCore
import TallyJSON

/// A value that rules can receive as their argument (an event, a budget status) without first
/// being turned into a ``JSONValue``.
///
/// The rules see it as a table whose fields are converted when first read. Conforming a typed
/// event (one call per field, static keys) is the fast path for ingest: no dictionary is built
/// and nothing the rules do not read is converted. `JSONValue` conforms too.
///
/// ```swift
/// extension UsageEvent: RuleArgument {
///     var ruleArgumentID: String? { id }
///     func writeMembers(to writer: inout RuleArgumentWriter) {
///         writer.string("id", id)
///         writer.string("provider", provider)
///         writer.object("workflow") { workflow in
///             workflow.string("id", workflowID)
///             workflow.string("name", workflowName)
///         }
///         writer.json("metadata", .object(metadata))
///     }
/// }
/// ```
public protocol RuleArgument {
    /// Writes the top-level members. Absent (nil) values are skipped, as JSON null is.
    func writeMembers(to writer: inout RuleArgumentWriter)
    /// Names the argument in errors (an event's `id`).
    var ruleArgumentID: String? { get }
}

extension RuleArgument {
    public var ruleArgumentID: String? { nil }
}

extension JSONValue: RuleArgument {
    public func writeMembers(to writer: inout RuleArgumentWriter) {
        guard case .object(let members) = self else { return }
        members.forEachMember { key, value in writer.json(key, value) }
    }

    public var ruleArgumentID: String? { self["id"]?.stringValue }
}

/// Writes the members of a ``RuleArgument`` into the rule engine, during
/// ``RuleArgument/writeMembers(to:)`` only.
///
/// Keys are `StaticString`s so they are copied without building a `String`; use
/// ``json(_:_:)-(String,_)`` for keys only known at run time.
public struct RuleArgumentWriter {
    private unowned(unsafe) let source: EventSource
    private let handle: OpaquePointer

    init(source: EventSource) {
        self.source = source
        self.handle = source.handle
    }

    @inline(__always)
    private func withKey(_ key: StaticString, _ body: (UnsafePointer<CChar>?, Int) -> Void) {
        key.withUTF8Buffer { bytes in body(UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), bytes.count) }
    }

    public mutating func string(_ key: StaticString, _ value: String?) {
        guard var value else { return }
        withKey(key) { keyPointer, keyLength in
            value.withUTF8 { bytes in
                tally_event_add_string(handle, keyPointer, keyLength, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), bytes.count)
            }
        }
    }

    public mutating func integer(_ key: StaticString, _ value: Int64?) {
        guard let value else { return }
        withKey(key) { tally_event_add_scalar(handle, $0, $1, Int32(TALLY_VALUE_INTEGER.rawValue), lua_Integer(value), 0) }
    }

    public mutating func integer(_ key: StaticString, _ value: Int?) {
        integer(key, value.map(Int64.init))
    }

    public mutating func number(_ key: StaticString, _ value: Double?) {
        guard let value else { return }
        withKey(key) { tally_event_add_scalar(handle, $0, $1, Int32(TALLY_VALUE_NUMBER.rawValue), 0, value) }
    }

    public mutating func bool(_ key: StaticString, _ value: Bool?) {
        guard let value else { return }
        let type = value ? TALLY_VALUE_TRUE.rawValue : TALLY_VALUE_FALSE.rawValue
        withKey(key) { tally_event_add_scalar(handle, $0, $1, Int32(type), 0, 0) }
    }

    /// An instant, read by the rules as its RFC 3339 string (``Timestamp/rfc3339``), which is
    /// formatted only if a rule reads it.
    public mutating func timestamp(_ key: StaticString, _ value: Timestamp?) {
        guard let value else { return }
        guard Self.fourDigitYears.contains(value.microsecondsSinceEpoch) else { return string(key, value.rfc3339) }
        withKey(key) { tally_event_add_timestamp(handle, $0, $1, value.microsecondsSinceEpoch) }
    }

    /// 0000-01-01T00:00:00Z up to 10000-01-01T00:00:00Z, the years the C formatter writes.
    static let fourDigitYears: Range<Int64> = -62_167_219_200_000_000..<253_402_300_800_000_000

    /// Any JSON value; objects and arrays are converted only if the rules read them.
    public mutating func json(_ key: StaticString, _ value: JSONValue?) {
        guard let value else { return }
        withKey(key) { source.add(value, key: $0, length: $1) }
    }

    /// A member whose name is only known at run time (e.g. copied from a JSON object).
    public mutating func json(_ key: String, _ value: JSONValue) {
        source.add(value, key: key)
    }

    /// A nested object written in place: `writer.object("workflow") { $0.string("name", name) }`.
    public mutating func object(_ key: StaticString, _ body: (inout RuleArgumentWriter) -> Void) {
        let object = tally_event_begin_object(handle)
        var nested = RuleArgumentWriter(source: source)
        body(&nested)
        tally_event_end_object(handle)
        withKey(key) { tally_event_add_object(handle, $0, $1, object) }
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// Visits every member. Much faster than `for (key, value) in self`, which copies each
    /// `(String, JSONValue)` pair through generic code (about 150 ns a member, measured).
    @inline(__always)
    func forEachMember(_ body: (String, JSONValue) -> Void) {
        var index = startIndex
        while index != endIndex {
            body(keys[index], values[index])
            formIndex(after: &index)
        }
    }
}
