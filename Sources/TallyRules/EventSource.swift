import CLua
import CTallyLua
import TallyJSON

/// Registers a call's JSON argument with the C side's lazy tables (Sources/CTallyLua/tally_event.c).
///
/// The top-level object's members are registered before the call (keys, scalars and string
/// bytes are copied into the VM's arena; nested objects and arrays are kept here and given a
/// host id). The C side answers field reads itself and calls back only to open a nested object
/// (registered the same way) or to push an array, so a rule pays only for what it reads.
final class EventSource {
    /// Nested objects and arrays of the current argument, by host id.
    private var nested: [JSONValue] = []
    let handle: OpaquePointer
    private let state: OpaquePointer

    init(handle: OpaquePointer, state: OpaquePointer) {
        self.handle = handle
        self.state = state
        nested.reserveCapacity(8)
    }

    /// Pushes a call's argument: an object as a lazy table, anything else directly.
    func pushArgument(_ value: JSONValue) {
        if !nested.isEmpty { nested.removeAll(keepingCapacity: true) }
        tally_vm_begin_argument(handle)
        push(value, depth: 0)
    }

    /// Pushes a typed argument as a lazy table: it writes its own members.
    func pushArgument(_ argument: some RuleArgument) {
        if !nested.isEmpty { nested.removeAll(keepingCapacity: true) }
        tally_vm_begin_argument(handle)
        let object = tally_event_begin_object(handle)
        var writer = RuleArgumentWriter(source: self)
        argument.writeMembers(to: &writer)
        tally_event_end_object(handle)
        tally_vm_push_lazy_object(handle, object)
    }

    private func push(_ value: JSONValue, depth: Int) {
        switch value {
        case .object(let members):
            guard depth < LuaVM.maximumDepth else { return lua_pushnil(state) }
            tally_vm_push_lazy_object(handle, register(members))
        case .array(let elements):
            guard depth < LuaVM.maximumDepth, lua_checkstack(state, 4) != 0 else { return lua_pushnil(state) }
            lua_createtable(state, Int32(clamping: elements.count), 0)
            var index: lua_Integer = 0
            for element in elements {
                index += 1
                push(element, depth: depth + 1)
                lua_rawseti(state, -2, index)
            }
        case .null:
            lua_pushnil(state)
        case .bool(let flag):
            lua_pushboolean(state, flag ? 1 : 0)
        case .integer(let number):
            lua_pushinteger(state, lua_Integer(number))
        case .number(let number):
            lua_pushnumber(state, number)
        case .string(var text):
            text.withUTF8 { bytes in
                _ = lua_pushlstring(state, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), bytes.count)
            }
        }
    }

    /// Registers an object's members; returns its object index.
    private func register(_ members: [String: JSONValue]) -> Int32 {
        let object = tally_event_begin_object(handle)
        members.forEachMember { key, member in add(member, key: key) }
        tally_event_end_object(handle)
        return object
    }

    func add(_ member: JSONValue, key: String) {
        let registered: Void? = key.utf8.withContiguousStorageIfAvailable { keyBytes in
            add(member, key: UnsafeRawPointer(keyBytes.baseAddress)?.assumingMemoryBound(to: CChar.self), length: keyBytes.count)
        }
        if registered == nil {  // a bridged string without contiguous UTF-8
            var key = key
            key.withUTF8 { keyBytes in
                add(member, key: UnsafeRawPointer(keyBytes.baseAddress)?.assumingMemoryBound(to: CChar.self), length: keyBytes.count)
            }
        }
    }

    @inline(__always)
    func add(_ member: JSONValue, key: UnsafePointer<CChar>?, length: Int) {
        switch member {
        case .null:
            break  // absent, as in a plain conversion
        case .bool(let flag):
            tally_event_add_scalar(handle, key, length, Int32(flag ? TALLY_VALUE_TRUE.rawValue : TALLY_VALUE_FALSE.rawValue), 0, 0)
        case .integer(let number):
            tally_event_add_scalar(handle, key, length, Int32(TALLY_VALUE_INTEGER.rawValue), lua_Integer(number), 0)
        case .number(let number):
            tally_event_add_scalar(handle, key, length, Int32(TALLY_VALUE_NUMBER.rawValue), 0, number)
        case .string(var text):
            text.withUTF8 { valueBytes in
                tally_event_add_string(
                    handle, key, length, UnsafeRawPointer(valueBytes.baseAddress)?.assumingMemoryBound(to: CChar.self), valueBytes.count)
            }
        case .object:
            nested.append(member)
            tally_event_add_nested(handle, key, length, Int32(TALLY_VALUE_OBJECT.rawValue), Int32(nested.count - 1))
        case .array:
            nested.append(member)
            tally_event_add_nested(handle, key, length, Int32(TALLY_VALUE_ARRAY.rawValue), Int32(nested.count - 1))
        }
    }

    /// Called by the C side when a script first reads nested object `host`: registers it.
    fileprivate func open(host: Int) -> Int32 {
        guard host < nested.count, case .object(let members) = nested[host] else { return register([:]) }
        return register(members)
    }

    /// Called by the C side when a script first reads nested array `host`.
    fileprivate func pushArray(host: Int) {
        guard host < nested.count, lua_checkstack(state, 4) != 0 else { return lua_pushnil(state) }
        push(nested[host], depth: 1)
    }

    /// Installs the callbacks. The VM owns `self`, so the unretained context outlives their use.
    func install() {
        let open: tally_open_fn = { context, _, host in
            Unmanaged<EventSource>.fromOpaque(context!)._withUnsafeGuaranteedRef { $0.open(host: Int(host)) }
        }
        let pushArray: tally_push_array_fn = { context, _, host in
            Unmanaged<EventSource>.fromOpaque(context!)._withUnsafeGuaranteedRef { $0.pushArray(host: Int(host)) }
        }
        tally_vm_set_event_source(handle, Unmanaged.passUnretained(self).toOpaque(), open, pushArray)
    }
}
