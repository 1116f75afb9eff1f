/// The identifier of an agency, Tally's tenant.
///
/// It names the agency's SQLite file and rules folder, so it is restricted to a safe alphabet:
/// lowercase ASCII letters, digits, `-` and `_`, starting with a letter or digit, 1 to 63 characters.
public struct AgencyID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// Validates `rawValue`; returns `nil` when it is not a valid agency id.
    public init?(_ rawValue: String) {
        guard Self.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: AgencyID, rhs: AgencyID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// What a valid id looks like, for error messages.
    public static let rule = "1 to 63 characters of a-z, 0-9, '-' or '_', starting with a letter or digit"

    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        for (index, byte) in bytes.enumerated() {
            let isAlphanumeric = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            if index == 0 && !isAlphanumeric { return false }
            if !isAlphanumeric && byte != UInt8(ascii: "-") && byte != UInt8(ascii: "_") { return false }
        }
        return true
    }
}
