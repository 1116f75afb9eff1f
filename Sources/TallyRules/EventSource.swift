import CLua
import CTallyLua
import TallyCore
import TallyJSON

/// Hands a call's argument to the C side's event objects, which scripts see as tables whose
/// fields are read on demand (Sources/CTallyLua/tally_event.c).
///
/// A JSON or ``RuleArgument`` argument has its top-level members registered before the call
/// (keys, scalars and string bytes are copied into the VM's arena; nested objects and arrays
/// are kept here and given a host id). The C side answers field reads itself and calls back
/// only to open a nested object (registered the same way) or to push an array.
///
/// A ``UsageEvent`` (ingest's hot path) registers nothing: the C side calls back for each field
/// a rule reads, and this class answers from the event, which the caller keeps alive and
/// unchanged for the call (``pushEvent(at:)``). Rules read a handful of an event's two dozen
/// fields, so this costs a fraction of registering them all.
final class EventSource {
    /// Nested objects and arrays of the current argument, by host id. Only this class touches
    /// it, one call at a time, so the dynamic exclusivity check is skipped on the hot path.
    @exclusivity(unchecked) private var nested: [JSONValue] = []
    let handle: OpaquePointer
    private let state: OpaquePointer
    /// The typed event of the current call, between ``pushEvent(at:)`` and ``endEvent()``.
    @exclusivity(unchecked) private var event: UnsafePointer<UsageEvent>?

    init(handle: OpaquePointer, state: OpaquePointer) {
        self.handle = handle
        self.state = state
        nested.reserveCapacity(8)
    }

    /// Pushes the event at `event` as an event object answered field by field. The event must stay
    /// valid and unchanged until ``endEvent()``, called once the results are read (reading
    /// them may convert the table).
    func pushEvent(at event: UnsafePointer<UsageEvent>) {
        if !nested.isEmpty { nested.removeAll(keepingCapacity: true) }
        self.event = event
        tally_vm_begin_argument(handle)
        tally_vm_push_host_object(handle, UsageEvent.RuleObject.event.rawValue)
    }

    /// Forgets the event of ``pushEvent(at:)``: its tables then read as empty.
    func endEvent() {
        event = nil
    }

    /// Pushes a call's argument: an object as an event object, anything else directly.
    func pushArgument(_ value: JSONValue) {
        if !nested.isEmpty { nested.removeAll(keepingCapacity: true) }
        tally_vm_begin_argument(handle)
        push(value, depth: 0)
    }

    /// Pushes a typed argument as an event object: it writes its own members.
    func pushArgument(_ argument: some RuleArgument) {
        if !nested.isEmpty { nested.removeAll(keepingCapacity: true) }
        tally_vm_begin_argument(handle)
        let object = tally_event_begin_object(handle)
        var writer = RuleArgumentWriter(source: self)
        argument.writeMembers(to: &writer)
        tally_event_end_object(handle)
        tally_vm_push_lazy_object(handle, object)
    }

    func push(_ value: JSONValue, depth: Int) {
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

    /// Called by the C side when a script first reads nested object `host`, or iterates a
    /// typed event's object: registers it.
    fileprivate func open(host: Int32) -> Int32 {
        if host < 0 {
            let object = tally_event_begin_object(handle)
            if let event, let typed = UsageEvent.RuleObject(rawValue: host) {
                var writer = RuleArgumentWriter(source: self)
                event.pointee.writeRuleMembers(of: typed, to: &writer)
            }
            tally_event_end_object(handle)
            return object
        }
        guard Int(host) < nested.count, case .object(let members) = nested[Int(host)] else { return register([:]) }
        return register(members)
    }

    /// Called by the C side when a script reads member `key` of a typed event's object: pushes
    /// it, or returns false when the event has no such member.
    fileprivate func field(host: Int32, key: RuleMemberKey) -> Bool {
        guard let event, let typed = UsageEvent.RuleObject(rawValue: host) else { return false }
        var pusher = RuleMemberPusher(source: self, state: state, handle: handle)
        return UsageEvent.pushRuleMember(of: typed, named: key, in: event, to: &pusher)
    }

    /// Called by the C side when a script first reads nested array `host`.
    fileprivate func pushArray(host: Int) {
        guard host < nested.count, lua_checkstack(state, 4) != 0 else { return lua_pushnil(state) }
        push(nested[host], depth: 1)
    }

    /// Installs the callbacks. The VM owns `self`, so the unretained context outlives their use.
    func install() {
        let open: tally_open_fn = { context, _, host in
            Unmanaged<EventSource>.fromOpaque(context!)._withUnsafeGuaranteedRef { $0.open(host: host) }
        }
        let pushArray: tally_push_array_fn = { context, _, host in
            Unmanaged<EventSource>.fromOpaque(context!)._withUnsafeGuaranteedRef { $0.pushArray(host: Int(host)) }
        }
        let field: tally_field_fn = { context, _, host, key, length in
            let key = RuleMemberKey(bytes: UnsafeRawBufferPointer(start: key, count: length))
            return Unmanaged<EventSource>.fromOpaque(context!)._withUnsafeGuaranteedRef { $0.field(host: host, key: key) } ? 1 : 0
        }
        tally_vm_set_event_source(handle, Unmanaged.passUnretained(self).toOpaque(), open, pushArray, field)
    }
}
