import CLua
import CTallyLua
import Logging
import TallyCore
import TallyJSON

/// A rule set compiled into its own sandboxed Lua state, smoke-tested and ready to serve.
///
/// Creating one compiles every file, runs the top-level code, and calls `attribute` (and
/// `on_spend`, if `alerts.lua` exists) on synthetic inputs under the limits; it throws if any
/// of that fails, so an instance always holds a working rule set.
///
/// **Not thread-safe, on purpose.** A Lua state must never be used from two threads at once, so
/// this class is not `Sendable`: keep each instance on one serial executor (``AgencyRules`` is an
/// actor that does exactly that). Calls are synchronous and take microseconds.
///
/// A failed call throws a ``RuleError`` for that call only. After a timeout or a memory error the
/// state is rebuilt from the same source, since a script interrupted at an arbitrary point may
/// have left its module-level data half-updated; module-level data is therefore not durable.
public final class RuleRuntime {
    /// The files this runtime was compiled from.
    public let source: RuleSetSource
    /// The SHA-256 of ``source``.
    public var version: RuleVersion { source.version }
    public let limits: RuleLimits
    /// Whether the set has `alerts.lua` (otherwise ``onSpend(_:)`` returns no alerts).
    public var hasAlerts: Bool { compiled.onSpend != nil }
    /// Lines logged by the last call (for dry runs); also forwarded to the logger.
    public private(set) var lastLogs: [RuleLogLine] = []
    /// How many times the state was rebuilt after a timeout or a memory error.
    public private(set) var rebuildCount = 0

    private var compiled: CompiledRules
    private var logForwarder: LogForwarder
    private let callDeadline: UInt64
    private let loadDeadline: UInt64

    /// Compiles and smoke-tests `source`. Throws the first problem found, with file and line.
    public init(source: RuleSetSource, limits: RuleLimits = .default, logger: Logger = Logger(label: "tally.rules")) throws(RuleError) {
        self.source = source
        self.limits = limits
        self.callDeadline = limits.callDeadline.tallyNanoseconds
        self.loadDeadline = limits.loadDeadline.tallyNanoseconds
        self.logForwarder = LogForwarder(logger: logger, perSecond: limits.logLinesPerSecond)
        self.compiled = try CompiledRules(source: source, limits: limits)
        for event in SmokeTest.events {
            _ = try attribute(event, deadline: loadDeadline)
        }
        if hasAlerts {
            for status in SmokeTest.statuses {
                _ = try onSpend(status, deadline: loadDeadline)
            }
        }
    }

    /// Bytes held by the Lua state.
    public var memoryInUse: Int { compiled.vm.memoryInUse }

    // MARK: Attribution

    /// Runs `attribute(event)` from `attribution.lua`: which client this event's spend belongs to.
    ///
    /// One pcall into a state kept warm, the event passed as a table whose fields are converted
    /// only when the rule reads them, and no hook armed unless the deadline passes. Ingest's
    /// validated events take ``attribute(_:)-(UsageEvent)``, which builds no `JSONValue`.
    public func attribute(_ event: JSONValue) throws(RuleError) -> Attribution {
        try attribute(event, deadline: callDeadline)
    }

    /// Runs `attribute(event)` on a validated event: the hot path of ingest. Nothing is
    /// converted up front; each field is pushed when the rule first reads it.
    public func attribute(_ event: UsageEvent) throws(RuleError) -> Attribution {
        try withUnsafePointer(to: event) { (event) throws(RuleError) -> Attribution in try attribute(at: event) }
    }

    /// Runs `attribute(event)` on the event at `event`, which must stay valid and unchanged
    /// until this returns. Batches go through the array's buffer this way: passing each event
    /// by value can copy it, a retain and a release per field, which costs as much as the rules.
    public func attribute(at event: UnsafePointer<UsageEvent>) throws(RuleError) -> Attribution {
        let compiled = self.compiled
        let vm = compiled.vm
        lua_settop(vm.state, 0)
        lua_rawgeti(vm.state, tally_lua_registryindex(), lua_Integer(compiled.attribute))
        vm.events.pushEvent(at: event)
        defer { vm.events.endEvent() }
        return try finishAttribute(vm, deadline: callDeadline, eventID: event.pointee.id)
    }

    /// Runs `attribute(event)` on a typed event that writes its own fields (see ``RuleArgument``),
    /// with no `JSONValue` built per event.
    public func attribute(_ event: some RuleArgument) throws(RuleError) -> Attribution {
        let compiled = self.compiled
        let vm = compiled.vm
        lua_settop(vm.state, 0)
        lua_rawgeti(vm.state, tally_lua_registryindex(), lua_Integer(compiled.attribute))
        vm.events.pushArgument(event)
        return try finishAttribute(vm, deadline: callDeadline, eventID: event.ruleArgumentID)
    }

    private func attribute(_ event: JSONValue, deadline: UInt64) throws(RuleError) -> Attribution {
        let compiled = self.compiled
        let vm = compiled.vm
        lua_settop(vm.state, 0)
        lua_rawgeti(vm.state, tally_lua_registryindex(), lua_Integer(compiled.attribute))
        vm.events.pushArgument(event)
        return try finishAttribute(vm, deadline: deadline, eventID: event.ruleArgumentID)
    }

    /// Calls `attribute` (pushed with its argument) and reads its results.
    private func finishAttribute(_ vm: LuaVM, deadline: UInt64, eventID: @autoclosure () -> String?) throws(RuleError) -> Attribution {
        let status = tally_vm_call(vm.handle, 1, 3, deadline)
        collectLogs(vm, file: RuleSetSource.attributionFile)
        guard status == Int32(TALLY_CALL_OK.rawValue) else {
            throw failure(status, file: RuleSetSource.attributionFile, eventID: eventID())
        }
        defer { lua_settop(vm.state, 0) }
        return try readAttribution(vm, eventID: eventID)
    }

    /// Reads `client, reason, tags` (stack slots 1 to 3).
    private func readAttribution(_ vm: LuaVM, eventID: () -> String?) throws(RuleError) -> Attribution {
        let state = vm.state
        var attribution = Attribution(client: nil)
        switch lua_type(state, 1) {
        case LUA_TNIL:
            break
        case LUA_TSTRING:
            let length = vm.stringLength(at: 1)
            guard length > 0, length <= Attribution.maximumClientLength else {
                throw invalidResult(
                    length == 0 ? "attribute returned an empty client id; return nil for unattributed"
                        : "attribute returned a client id of \(length) bytes; the limit is \(Attribution.maximumClientLength)",
                    eventID: eventID)
            }
            attribution.client = vm.string(at: 1)
        default:
            throw invalidResult("attribute must return a client id (string) or nil, not a \(vm.typeName(at: 1))", eventID: eventID)
        }
        switch lua_type(state, 2) {
        case LUA_TNIL:
            break
        case LUA_TSTRING:
            guard vm.stringLength(at: 2) <= Attribution.maximumReasonLength else {
                throw invalidResult("attribute's reason is longer than \(Attribution.maximumReasonLength) bytes", eventID: eventID)
            }
            attribution.reason = vm.string(at: 2)
        default:
            throw invalidResult("attribute's second result (the reason) must be a string or nil, not a \(vm.typeName(at: 2))", eventID: eventID)
        }
        guard vm.copyEventObject(at: 3) else {
            throw invalidResult("attribute's tags are an event table from an earlier call", eventID: eventID)
        }
        switch lua_type(state, 3) {
        case LUA_TNIL:
            break
        case LUA_TTABLE:
            attribution.tags = try readTags(vm, eventID: eventID)
        default:
            throw invalidResult("attribute's third result (the tags) must be a table or nil, not a \(vm.typeName(at: 3))", eventID: eventID)
        }
        return attribution
    }

    private func readTags(_ vm: LuaVM, eventID: () -> String?) throws(RuleError) -> [String: String] {
        let state = vm.state
        var tags: [String: String] = [:]
        lua_pushnil(state)
        while lua_next(state, 3) != 0 {
            guard lua_type(state, -2) == LUA_TSTRING else {
                throw invalidResult("tag names must be strings, not a \(vm.typeName(at: -2))", eventID: eventID)
            }
            let value: String
            switch lua_type(state, -1) {
            case LUA_TSTRING:
                value = vm.string(at: -1)!
            case LUA_TNUMBER:
                value = (try? vm.json(at: -1))?.jsonText ?? ""
            case LUA_TBOOLEAN:
                value = lua_toboolean(state, -1) != 0 ? "true" : "false"
            default:
                throw invalidResult("tag '\(vm.string(at: -2)!)' must be a string, not a \(vm.typeName(at: -1))", eventID: eventID)
            }
            let name = vm.string(at: -2)!
            guard tags.count < Attribution.maximumTagCount else {
                throw invalidResult("attribute returned more than \(Attribution.maximumTagCount) tags", eventID: eventID)
            }
            guard name.utf8.count <= Attribution.maximumTagLength, value.utf8.count <= Attribution.maximumTagLength else {
                throw invalidResult("tag '\(name.prefix(40))' is longer than \(Attribution.maximumTagLength) bytes", eventID: eventID)
            }
            tags[name] = value
            lua_settop(state, -2)
        }
        return tags
    }

    // MARK: Alerts

    /// Runs `on_spend(status)` from `alerts.lua` and returns its alerts (none without `alerts.lua`).
    ///
    /// `status` is the budget status the budgets module computed for one client (see docs/rules.md).
    public func onSpend(_ status: JSONValue) throws(RuleError) -> [RuleAlert] {
        try onSpend(status, deadline: callDeadline)
    }

    private func onSpend(_ status: JSONValue, deadline: UInt64) throws(RuleError) -> [RuleAlert] {
        guard let function = compiled.onSpend else { return [] }
        let vm = compiled.vm
        let state = vm.state
        lua_settop(state, 0)
        lua_rawgeti(state, tally_lua_registryindex(), lua_Integer(function))
        vm.events.pushArgument(status)
        let status = tally_vm_call(vm.handle, 1, 1, deadline)
        collectLogs(vm, file: RuleSetSource.alertsFile)
        guard status == Int32(TALLY_CALL_OK.rawValue) else {
            throw failure(status, file: RuleSetSource.alertsFile, eventID: nil)
        }
        defer { lua_settop(state, 0) }
        guard vm.copyEventObject(at: 1) else { throw alertError("on_spend returned a table from an earlier call") }
        switch lua_type(state, 1) {
        case LUA_TNIL:
            return []
        case LUA_TTABLE:
            break
        default:
            throw alertError("on_spend must return a list of alerts or nil, not a \(vm.typeName(at: 1))")
        }
        let count = Int(lua_rawlen(state, 1))
        guard count <= RuleAlert.maximumCount else {
            throw alertError("on_spend returned \(count) alerts; the limit is \(RuleAlert.maximumCount)")
        }
        var alerts: [RuleAlert] = []
        alerts.reserveCapacity(count)
        for index in stride(from: 1, through: count, by: 1) {
            lua_rawgeti(state, 1, lua_Integer(index))
            guard vm.copyEventObject(at: -1) else { throw alertError("alert \(index) is a table from an earlier call") }
            guard lua_type(state, -1) == LUA_TTABLE else {
                throw alertError("alert \(index) must be a table {key=, level=, message=, data=}, not a \(vm.typeName(at: -1))")
            }
            alerts.append(try readAlert(at: lua_gettop(state), index: index))
            lua_settop(state, 1)
        }
        return alerts
    }

    private func readAlert(at table: Int32, index: Int) throws(RuleError) -> RuleAlert {
        let vm = compiled.vm
        func text(_ field: String, required: Bool) throws(RuleError) -> String? {
            defer { lua_settop(vm.state, table) }
            switch vm.rawField(table, field) {
            case LUA_TSTRING:
                let value = vm.string(at: -1)!
                guard !value.isEmpty || !required else { throw alertError("alert \(index): '\(field)' is empty") }
                return value
            case LUA_TNIL where !required:
                return nil
            default:
                throw alertError("alert \(index): '\(field)' must be a string, not a \(vm.typeName(at: -1))")
            }
        }
        let key = try text("key", required: true)!
        let message = try text("message", required: true)!
        let levelName = try text("level", required: false) ?? RuleAlert.Level.warning.rawValue
        guard let level = RuleAlert.Level(rawValue: levelName) else {
            throw alertError("alert \(index): level must be \"info\", \"warning\" or \"critical\", not \"\(levelName)\"")
        }
        vm.rawField(table, "data")
        defer { lua_settop(vm.state, table) }
        let data: JSONValue
        do {
            data = lua_type(vm.state, -1) == LUA_TNIL ? .object([:]) : try vm.json(at: -1)
        } catch {
            throw alertError("alert \(index): 'data' cannot be stored as JSON: \(error.message)")
        }
        return RuleAlert(key: key, level: level, message: message, data: data)
    }

    // MARK: Failures

    private func invalidResult(_ message: String, eventID: () -> String?) -> RuleError {
        lua_settop(compiled.vm.state, 0)
        return RuleError(
            kind: .invalidResult, message: message, file: RuleSetSource.attributionFile,
            line: compiled.attributeLine, eventID: eventID())
    }

    private func alertError(_ message: String) -> RuleError {
        lua_settop(compiled.vm.state, 0)
        return RuleError(kind: .invalidResult, message: message, file: RuleSetSource.alertsFile, line: compiled.onSpendLine)
    }

    private func failure(_ status: Int32, file: String, eventID: String?) -> RuleError {
        let error = compiled.vm.error(status: status, file: file, limits: limits, eventID: eventID)
        switch error.kind {
        case .timeout, .memory:
            rebuild(after: error)
        default:
            break
        }
        return error
    }

    /// A fresh state from the same (already validated) source. If even that fails, the old
    /// state is kept after a full collection: it still answers, as it did before the error.
    private func rebuild(after error: RuleError) {
        do {
            compiled = try CompiledRules(source: source, limits: limits)
            rebuildCount += 1
        } catch {
            tally_vm_collect_garbage(compiled.vm.handle)
            logForwarder.logger.error("could not rebuild the rule state", metadata: ["rules.version": "\(version.short)", "rules.error": "\(error)"])
        }
    }

    private func collectLogs(_ vm: LuaVM, file: String) {
        guard vm.hasLogs else {
            if !lastLogs.isEmpty { lastLogs = [] }
            return
        }
        let (lines, dropped) = vm.logs()
        lastLogs = lines
        logForwarder.forward(lines, dropped: dropped, version: version, file: file)
    }
}
