import CLua
import CTallyLua
import TallyJSON

/// A rule set's files loaded into one fresh Lua state: lookup tables registered, each module's
/// top-level code run, and its entry points kept as registry references (faster than a global
/// lookup, and out of the script's reach).
struct CompiledRules {
    let vm: LuaVM
    /// Registry reference of `attribute`.
    let attribute: Int32
    /// Registry reference of `on_spend`, when `alerts.lua` exists.
    let onSpend: Int32?
    /// Where the entry points are defined, for errors about their results.
    let attributeLine: Int?
    let onSpendLine: Int?

    init(source: RuleSetSource, limits: RuleLimits) throws(RuleError) {
        for name in source.fileNames where !RuleSetSource.isRuleFile(name) {
            throw RuleError(
                kind: .invalidRuleSet,
                message: "unexpected file; a rule set holds attribution.lua, alerts.lua and <name>.json lookup tables", file: name)
        }
        guard let attribution = source.files[RuleSetSource.attributionFile] else {
            throw RuleError(kind: .invalidRuleSet, message: "the rule set has no \(RuleSetSource.attributionFile)")
        }
        for (name, text) in source.files where text.utf8.count > limits.maximumFileSize {
            throw RuleError(kind: .invalidRuleSet, message: "the file has \(text.utf8.count) bytes; the limit is \(limits.maximumFileSize)", file: name)
        }
        let vm = try LuaVM(limits: limits)
        // Lookups first, so that top-level code may already read them.
        for name in source.fileNames {
            guard let lookup = RuleSetSource.lookupName(of: name) else { continue }
            try Self.addLookup(name: lookup, file: name, text: source.files[name]!, to: vm, limits: limits)
        }
        let deadline = limits.loadDeadline.tallyNanoseconds
        (attribute, attributeLine) = try Self.loadModule(
            file: RuleSetSource.attributionFile, text: attribution, function: "attribute", into: vm, deadline: deadline, limits: limits)
        if let alerts = source.files[RuleSetSource.alertsFile] {
            let (reference, line) = try Self.loadModule(
                file: RuleSetSource.alertsFile, text: alerts, function: "on_spend", into: vm, deadline: deadline, limits: limits)
            onSpend = reference
            onSpendLine = line
        } else {
            onSpend = nil
            onSpendLine = nil
        }
        self.vm = vm
    }

    private static func addLookup(name: String, file: String, text: String, to vm: LuaVM, limits: RuleLimits) throws(RuleError) {
        let value: JSONValue
        do {
            value = try JSONCodec.parse(text)
        } catch {
            throw RuleError(kind: .invalidRuleSet, message: "not valid JSON: \(error.reason)", file: file, line: error.line > 0 ? error.line : nil)
        }
        guard case .object = value else {
            throw RuleError(kind: .invalidRuleSet, message: "a lookup file must hold a JSON object (key -> value), not a \(value.typeName)", file: file, line: 1)
        }
        vm.push(value)
        let status = tally_vm_add_lookup(vm.handle, name)
        guard status == Int32(TALLY_CALL_OK.rawValue) else {
            throw vm.error(status: status, file: file, limits: limits)
        }
    }

    /// Runs one module file and returns a reference to its entry point and the line it is defined on.
    private static func loadModule(
        file: String, text: String, function: String, into vm: LuaVM, deadline: UInt64, limits: RuleLimits
    ) throws(RuleError) -> (Int32, Int?) {
        var text = text
        let status = text.withUTF8 { bytes in
            tally_vm_load(vm.handle, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), bytes.count, "@" + file, deadline)
        }
        guard status == Int32(TALLY_CALL_OK.rawValue) else {
            throw vm.error(status: status, file: file, limits: limits)
        }
        let state = vm.state
        defer { lua_settop(state, 0) }
        guard lua_type(state, -1) == LUA_TTABLE else {
            throw RuleError(
                kind: .invalidRuleSet,
                message: "the file must return its module table (end it with 'return M'), not a \(vm.typeName(at: -1))", file: file)
        }
        guard vm.rawField(-1, function) == LUA_TFUNCTION else {
            throw RuleError(
                kind: .invalidRuleSet,
                message: "the module has no function '\(function)' (define 'function M.\(function)(...)')", file: file)
        }
        let line = Int(tally_vm_function_line(vm.handle, -1))
        let reference = luaL_ref(state, tally_lua_registryindex())
        return (reference, line > 0 ? line : nil)
    }
}
