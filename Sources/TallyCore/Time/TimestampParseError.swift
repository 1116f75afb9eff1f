/// Why a text is not an RFC 3339 timestamp or an ISO 8601 calendar date.
///
/// Every case carries the text, so the message can be returned to the sender as it is.
public enum TimestampParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is empty.
    case empty
    /// The text does not follow the layout; `expected` names what should be at `offset`.
    case invalidFormat(String, expected: String, offset: Int)
    /// A field is outside its range, such as month 13 or an offset of +25:00.
    case outOfRange(String, field: String, value: Int, range: ClosedRange<Int>)
    /// The day does not exist in that month and year ("2026-02-29").
    case nonexistentDay(String)
    /// Second 60: leap seconds cannot be placed on the UTC time line Tally uses.
    case leapSecond(String)
    /// More than nine fractional digits of a second.
    case tooManyFractionDigits(String)

    public var description: String {
        switch self {
        case .empty:
            return "empty timestamp: expected RFC 3339 such as \"2026-11-03T14:00:00Z\""
        case .invalidFormat(let text, let expected, let offset):
            return "\"\(text)\" is not an RFC 3339 timestamp: expected \(expected) at offset \(offset)"
        case .outOfRange(let text, let field, let value, let range):
            return "\"\(text)\": \(field) \(value) is outside \(range.lowerBound)...\(range.upperBound)"
        case .nonexistentDay(let text):
            return "\"\(text)\": no such day in the calendar"
        case .leapSecond(let text):
            return "\"\(text)\": leap second 60 is not supported; use :59 or the next second"
        case .tooManyFractionDigits(let text):
            return "\"\(text)\": more than 9 fractional digits of a second"
        }
    }
}
