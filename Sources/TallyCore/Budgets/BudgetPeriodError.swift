/// Why a budget period cannot be built; ``field`` names the offending request field.
public enum BudgetPeriodError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The time zone is not an identifier the system's tz database knows ("Mars/Olympus").
    case invalidTimeZone(String)
    /// The anchor is outside ``BudgetPeriodKind/anchorRange`` for the kind.
    case anchorOutOfRange(kind: BudgetPeriodKind, anchor: Int, range: ClosedRange<Int>)

    /// The request field at fault, as named on the wire: "timezone" or "anchor".
    public var field: String {
        switch self {
        case .invalidTimeZone: return "timezone"
        case .anchorOutOfRange: return "anchor"
        }
    }

    public var description: String {
        switch self {
        case .invalidTimeZone(let name):
            return "timezone: unknown IANA timezone '\(name)' (e.g. 'Europe/Berlin', 'America/New_York')"
        case .anchorOutOfRange(let kind, let anchor, let range):
            let meaning = kind == .week ? "an ISO weekday, 1 = Monday ... 7 = Sunday" : "a day of the month"
            return "anchor: \(anchor) is outside \(range.lowerBound)...\(range.upperBound) for a \(kind.rawValue) period (\(meaning))"
        }
    }
}
