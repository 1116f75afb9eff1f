import TallyJSON

/// Why a rule set could not be loaded, or why one call into it failed.
///
/// Every error names the file and line when Lua knows them, so an author can go straight to
/// the problem: `attribution.lua:12: attempt to index a nil value (field 'workflow')`.
/// A failed call affects that call only; the rule set keeps serving the next one.
public struct RuleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The category of a rule error; stable strings for the wire (`error.data.kind`).
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The source does not compile (or is not text: bytecode is refused).
        case syntax
        /// An error raised while running: `error(...)`, a bad argument, indexing nil, a stack overflow.
        case runtime
        /// The call ran past its deadline (``RuleLimits/callDeadline``) and was stopped.
        case timeout
        /// The rule set's memory cap (``RuleLimits/memoryLimit``) refused an allocation.
        case memory
        /// A rule function returned something Tally cannot use (e.g. a number as client id).
        case invalidResult = "invalid_result"
        /// The rule set itself is wrong: a missing `attribution.lua`, no `attribute` function,
        /// a lookup file that is not a JSON object, a file too large or unreadable.
        case invalidRuleSet = "invalid_rule_set"
        /// No good version is loaded, or the Lua state could not be created.
        case unavailable
    }

    public var kind: Kind
    /// What went wrong, without the location prefix.
    public var message: String
    /// The rule file, e.g. `attribution.lua` or `instances.json`, when known.
    public var file: String?
    /// The 1-based line in ``file``, when known.
    public var line: Int?
    /// The event being attributed (its `id`), when the error happened during a call.
    public var eventID: String?
    /// Lua's stack traceback at the point of the error, for runtime errors and timeouts.
    public var traceback: String?

    public init(kind: Kind, message: String, file: String? = nil, line: Int? = nil, eventID: String? = nil, traceback: String? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.line = line
        self.eventID = eventID
        self.traceback = traceback
    }

    /// `file:line: message`, the way Lua and compilers print it.
    public var description: String {
        var text = ""
        if let file {
            text += file
            if let line { text += ":\(line)" }
            text += ": "
        }
        text += message
        if let eventID { text += " (event \(eventID))" }
        return text
    }

    /// `{"kind", "message", "file", "line", "event_id"}` for `error.data` and reports
    /// (absent fields omitted; the traceback is left out: it is for logs, not for clients).
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = ["kind": .string(kind.rawValue), "message": .string(message)]
        if let file { members["file"] = .string(file) }
        if let line { members["line"] = .integer(Int64(line)) }
        if let eventID { members["event_id"] = .string(eventID) }
        return .object(members)
    }
}

extension RuleError {
    /// Splits Lua's `chunk:line: message` prefix off a message, if it has one.
    ///
    /// Rule chunks are named after their file (`@attribution.lua`), so the prefix is a plain
    /// file name without spaces or colons.
    static func splitLocation(_ text: String) -> (file: String, line: Int, message: String)? {
        let utf8 = text.utf8
        guard let firstColon = utf8.firstIndex(of: UInt8(ascii: ":")), firstColon != utf8.startIndex else { return nil }
        let file = utf8[utf8.startIndex..<firstColon]
        guard !file.contains(UInt8(ascii: " ")) else { return nil }
        var cursor = utf8.index(after: firstColon)
        var line = 0
        var digits = 0
        while cursor != utf8.endIndex, let digit = utf8[cursor].asciiDigit {
            line = line * 10 + digit
            digits += 1
            guard digits <= 9 else { return nil }
            cursor = utf8.index(after: cursor)
        }
        guard digits > 0, cursor != utf8.endIndex, utf8[cursor] == UInt8(ascii: ":") else { return nil }
        cursor = utf8.index(after: cursor)
        if cursor != utf8.endIndex, utf8[cursor] == UInt8(ascii: " ") { cursor = utf8.index(after: cursor) }
        return (String(Substring(file)), line, String(Substring(utf8[cursor...])))
    }
}

extension UInt8 {
    fileprivate var asciiDigit: Int? {
        self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") ? Int(self - UInt8(ascii: "0")) : nil
    }
}
