import CLua
import CTallyLua
import TallyCore
import TallyJSON

/// Pushes the one member a script reads from a typed event (see ``EventSource``): each method
/// pushes the value and returns true, or pushes nothing and returns false for an absent (nil)
/// value, which the script reads as nil.
///
/// Runs inside a call with the memory cap lifted, so its pushes cannot raise a Lua error.
struct RuleMemberPusher {
    unowned(unsafe) let source: EventSource
    let state: OpaquePointer
    let handle: OpaquePointer

    mutating func string(_ value: String?) -> Bool {
        guard var value else { return false }
        value.withUTF8 { bytes in
            _ = lua_pushlstring(state, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        return true
    }

    mutating func integer(_ value: Int64) -> Bool {
        lua_pushinteger(state, lua_Integer(value))
        return true
    }

    /// The RFC 3339 text of ``Timestamp/rfc3339``, formatted in C.
    mutating func timestamp(_ value: Timestamp) -> Bool {
        guard RuleArgumentWriter.fourDigitYears.contains(value.microsecondsSinceEpoch) else { return string(value.rfc3339) }
        tally_lua_push_timestamp(state, value.microsecondsSinceEpoch)
        return true
    }

    /// A nested typed object, itself answered member by member.
    mutating func object(_ object: UsageEvent.RuleObject) -> Bool {
        tally_vm_push_host_object(handle, object.rawValue)
        return true
    }

    /// A JSON value: an object as an event object (a table to scripts), an array as a table.
    mutating func json(_ value: JSONValue?) -> Bool {
        guard let value, !value.isNull else { return false }
        source.push(value, depth: 1)
        return true
    }

    /// A JSON object, absent (nil) when empty: most events carry no `metadata`, and a table
    /// made for nothing costs as much as the rest of a typical rule's reads.
    mutating func object(_ members: [String: JSONValue]) -> Bool {
        !members.isEmpty && json(.object(members))
    }
}
