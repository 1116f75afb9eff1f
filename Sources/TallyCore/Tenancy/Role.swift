/// What a token may do within its agency.
///
/// `admin` may do everything; `read` may query; `ingest` may send usage and ask budget pre-flights.
public enum Role: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case ingest
    case read
    case admin

    public var description: String { rawValue }

    /// Whether a caller with this role may call a method that requires `required`.
    public func satisfies(_ required: Role) -> Bool {
        self == .admin || self == required
    }
}
