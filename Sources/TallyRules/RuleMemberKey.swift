#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The name of the member a script reads, borrowed from Lua for the read only.
///
/// Matched against literals without building a `String`: `switch key { case "model": ... }`.
struct RuleMemberKey {
    let bytes: UnsafeRawBufferPointer

    @inline(__always)
    static func ~= (pattern: StaticString, key: RuleMemberKey) -> Bool {
        pattern.utf8CodeUnitCount == key.bytes.count
            && (key.bytes.isEmpty || memcmp(pattern.utf8Start, key.bytes.baseAddress!, key.bytes.count) == 0)
    }
}
