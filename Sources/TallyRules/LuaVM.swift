import CLua
import CTallyLua
import TallyJSON

/// One sandboxed Lua state (Sources/CTallyLua) and the conversions between it and Swift.
///
/// Confined to one thread at a time, like the ``RuleRuntime`` that owns it. Swift touches the
/// state only with raw operations that cannot run script code (no metamethods): pushes onto
/// fresh tables, `lua_rawget`, `lua_next`. Such operations can fail only for lack of memory, and
/// the C allocator never refuses the host (see tally_lua.h), so no Lua error can unwind through
/// these Swift frames. Everything else goes through `tally_vm_call`, which is protected.
final class LuaVM {
    let handle: OpaquePointer
    let state: OpaquePointer
    /// The data behind the current call's event objects.
    let events: EventSource

    /// JSON nesting pushed into Lua; deeper values become nil (the JSON parser stops at 64 anyway).
    static let maximumDepth = 64
    /// Most entries read back from one Lua table.
    static let maximumTableEntries = 10_000

    init(limits: RuleLimits) throws(RuleError) {
        guard let handle = tally_vm_new(max(0, limits.memoryLimit)) else {
            throw RuleError(kind: .unavailable, message: "could not create the Lua sandbox (out of memory, or the watchdog thread could not start)")
        }
        self.handle = handle
        self.state = tally_vm_state(handle)
        self.events = EventSource(handle: handle, state: state)
        tally_vm_set_log_limit(handle, Int32(clamping: limits.logLinesPerCall))
        events.install()
    }

    deinit {
        tally_vm_free(handle)
    }

    var memoryInUse: Int { tally_vm_memory_in_use(handle) }

    // MARK: Swift to Lua

    @inline(__always)
    func pushString(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            _ = lua_pushlstring(state, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), bytes.count)
        }
    }

    /// Pushes a JSON value as plain Lua tables (for lookup files): objects and arrays become
    /// tables (arrays 1-based), `null` becomes nil (so a null member is simply absent),
    /// integers stay integers.
    func push(_ value: JSONValue, depth: Int = 0) {
        switch value {
        case .null:
            lua_pushnil(state)
        case .bool(let flag):
            lua_pushboolean(state, flag ? 1 : 0)
        case .integer(let number):
            lua_pushinteger(state, lua_Integer(number))
        case .number(let number):
            lua_pushnumber(state, number)
        case .string(let text):
            pushString(text)
        case .array(let elements):
            guard depth < Self.maximumDepth, lua_checkstack(state, 4) != 0 else { return lua_pushnil(state) }
            lua_createtable(state, Int32(clamping: elements.count), 0)
            var index: lua_Integer = 0
            for element in elements {
                index += 1
                push(element, depth: depth + 1)
                lua_rawseti(state, -2, index)
            }
        case .object(let members):
            guard depth < Self.maximumDepth, lua_checkstack(state, 4) != 0 else { return lua_pushnil(state) }
            lua_createtable(state, 0, Int32(clamping: members.count))
            members.forEachMember { key, member in
                if case .null = member { return }
                pushString(key)
                push(member, depth: depth + 1)
                lua_rawset(state, -3)
            }
        }
    }

    // MARK: Lua to Swift

    /// The string at `index`, or nil when the value is not a string (numbers are not converted).
    func string(at index: Int32) -> String? {
        var length = 0
        guard let pointer = tally_lua_string(state, index, &length) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    /// Byte length of the string at `index` (0 when not a string).
    func stringLength(at index: Int32) -> Int {
        var length = 0
        return tally_lua_string(state, index, &length) == nil ? 0 : length
    }

    /// The type of the value at `index` as scripts see it (event objects are tables).
    func typeName(at index: Int32) -> String {
        let type = lua_type(state, index)
        return String(cString: lua_typename(state, type == LUA_TLIGHTUSERDATA ? LUA_TTABLE : type))
    }

    /// Replaces an event object at `index` (a light userdata that scripts see as a table) with a
    /// plain table of its members and what the script wrote, so that it can be read with raw
    /// operations; other values stay. False for an event object of an earlier call.
    func copyEventObject(at index: Int32) -> Bool {
        guard lua_type(state, index) == LUA_TLIGHTUSERDATA else { return true }
        let index = lua_absindex(state, index)
        switch tally_vm_push_lazy_copy(handle, index) {
        case 1:
            lua_copy(state, -1, index)
            lua_settop(state, -2)
            return true
        case -1:
            return false
        default:
            return true
        }
    }

    /// Pushes `table[key]` without metamethods and returns its Lua type.
    @discardableResult
    func rawField(_ table: Int32, _ key: String) -> Int32 {
        let table = lua_absindex(state, table)
        pushString(key)
        return lua_rawget(state, table)
    }

    /// Why a Lua value could not become JSON.
    struct ConversionFailure: Error {
        var message: String
    }

    /// The Lua value at `index` as JSON. Tables with keys 1...n become arrays, other tables
    /// objects (integer keys as strings); an empty table is `{}`. Read-only proxies (lookup
    /// tables) are read through. Functions and other non-data values are refused.
    func json(at index: Int32, depth: Int = 0) throws(ConversionFailure) -> JSONValue {
        switch lua_type(state, index) {
        case LUA_TNIL:
            return .null
        case LUA_TBOOLEAN:
            return .bool(lua_toboolean(state, index) != 0)
        case LUA_TNUMBER:
            if lua_isinteger(state, index) != 0 { return .integer(Int64(lua_tointegerx(state, index, nil))) }
            let number = lua_tonumberx(state, index, nil)
            guard number.isFinite else { throw ConversionFailure(message: "a number that is not finite (\(number))") }
            return .number(number)
        case LUA_TSTRING:
            return .string(string(at: index) ?? "")
        case LUA_TTABLE:
            guard depth < 32 else { throw ConversionFailure(message: "a table nested more than 32 levels deep (a cycle?)") }
            return try tableJSON(at: index, depth: depth)
        case LUA_TLIGHTUSERDATA:
            // An event object: a table to the script, converted from a plain copy.
            guard depth < 32 else { throw ConversionFailure(message: "a table nested more than 32 levels deep (a cycle?)") }
            guard lua_checkstack(state, 2) != 0 else { throw ConversionFailure(message: "nested too deeply") }
            lua_pushvalue(state, index)
            defer { lua_settop(state, -2) }
            guard copyEventObject(at: -1) else { throw ConversionFailure(message: "an event table from an earlier call") }
            guard lua_type(state, -1) == LUA_TTABLE else {
                throw ConversionFailure(message: "a \(typeName(at: -1)) value, which has no JSON form")
            }
            return try tableJSON(at: -1, depth: depth)
        default:
            throw ConversionFailure(message: "a \(typeName(at: index)) value, which has no JSON form")
        }
    }

    private func tableJSON(at index: Int32, depth: Int) throws(ConversionFailure) -> JSONValue {
        let base = lua_gettop(state)
        defer { lua_settop(state, base) }
        guard lua_checkstack(state, 6) != 0 else { throw ConversionFailure(message: "nested too deeply") }
        var table = lua_absindex(state, index)
        var stringKeyed: [String: JSONValue] = [:]
        // A read-only proxy is empty; its data is its metatable's __index.
        if lua_getmetatable(state, table) != 0 {
            if rawField(-1, "__readonly") != LUA_TNIL, rawField(-2, "__index") == LUA_TTABLE {
                table = lua_gettop(state)
            }
        }
        var integerKeyed: [(Int64, JSONValue)] = []
        var count = 0
        lua_pushnil(state)
        while lua_next(state, table) != 0 {
            count += 1
            guard count <= Self.maximumTableEntries else {
                throw ConversionFailure(message: "a table with more than \(Self.maximumTableEntries) entries")
            }
            let value = try json(at: -1, depth: depth + 1)
            switch lua_type(state, -2) {
            case LUA_TSTRING:
                stringKeyed[string(at: -2) ?? ""] = value
            case LUA_TNUMBER where lua_isinteger(state, -2) != 0:
                integerKeyed.append((Int64(lua_tointegerx(state, -2, nil)), value))
            default:
                throw ConversionFailure(message: "a table key of type \(typeName(at: -2)); JSON keys are strings")
            }
            lua_settop(state, -2)
        }
        if stringKeyed.isEmpty, !integerKeyed.isEmpty {
            integerKeyed.sort { $0.0 < $1.0 }
            if integerKeyed.enumerated().allSatisfy({ $0.offset + 1 == $0.element.0 }) {
                return .array(integerKeyed.map(\.1))
            }
        }
        for (key, value) in integerKeyed { stringKeyed[String(key)] = value }
        return .object(stringKeyed)
    }

    // MARK: Calls and errors

    /// Turns a failed `tally_vm_call`/`tally_vm_load` (message on top of the stack) into a
    /// ``RuleError``, and clears the stack.
    func error(status: Int32, file defaultFile: String, limits: RuleLimits, eventID: String? = nil) -> RuleError {
        defer { lua_settop(state, 0) }
        let raw = string(at: -1) ?? "(no error message)"
        let capturedSource = String(cString: tally_vm_error_source(handle))
        let capturedLine = Int(tally_vm_error_line(handle))
        var file: String? = capturedSource.isEmpty ? nil : capturedSource
        var line: Int? = capturedLine > 0 ? capturedLine : nil
        var message = raw
        if let located = RuleError.splitLocation(raw) {
            file = located.file
            line = located.line
            message = located.message
        }
        let kind: RuleError.Kind
        switch UInt32(status) {
        case TALLY_CALL_TIMEOUT.rawValue:
            kind = .timeout
            if !message.hasPrefix("exceeded the time limit") { message = "exceeded the time limit (\(message))" }
        case TALLY_CALL_MEMORY.rawValue:
            kind = .memory
            message = "exceeded the memory limit of \(Self.describe(bytes: limits.memoryLimit)) (\(message))"
        case TALLY_CALL_SYNTAX.rawValue:
            kind = .syntax
        default:
            kind = .runtime
        }
        tally_vm_push_traceback(handle)
        let traceback = string(at: -1)
        return RuleError(kind: kind, message: message, file: file ?? defaultFile, line: line, eventID: eventID, traceback: traceback)
    }

    static func describe(bytes: Int) -> String {
        if bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }

    // MARK: Logs

    /// Whether the last call logged anything (cheap; checked after every call).
    var hasLogs: Bool { tally_vm_log_count(handle) > 0 || tally_vm_log_dropped(handle) > 0 }

    /// The lines logged by the last call, and how many were dropped over the per-call limit.
    func logs() -> (lines: [RuleLogLine], dropped: Int) {
        let count = tally_vm_log_count(handle)
        var lines: [RuleLogLine] = []
        lines.reserveCapacity(Int(count))
        for index in 0..<count {
            var length = 0
            let text = tally_vm_log_message(handle, index, &length)!
            let message = String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
            let level: RuleLogLine.Level
            switch UInt32(tally_vm_log_level(handle, index)) {
            case TALLY_LOG_DEBUG.rawValue: level = .debug
            case TALLY_LOG_WARNING.rawValue: level = .warning
            case TALLY_LOG_ERROR.rawValue: level = .error
            default: level = .info
            }
            lines.append(RuleLogLine(level: level, message: message))
        }
        return (lines, Int(tally_vm_log_dropped(handle)))
    }
}
