/// An instant in UTC, as microseconds since 1970-01-01T00:00:00Z.
///
/// Tally stores every time in UTC; local time exists only where a budget period is computed.
/// Microseconds keep the order of events that share a second and still span ±292,000 years
/// in an `Int64`. Leap seconds are not represented (as in POSIX time).
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let microsecondsPerSecond: Int64 = 1_000_000
    public static let microsecondsPerDay: Int64 = 86_400 * microsecondsPerSecond

    /// Microseconds since the Unix epoch; negative before 1970.
    public var microsecondsSinceEpoch: Int64

    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    public init(secondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = secondsSinceEpoch * Self.microsecondsPerSecond
    }

    /// Whole seconds since the epoch, rounded toward the past.
    public var secondsSinceEpoch: Int64 {
        Self.floorDivide(microsecondsSinceEpoch, Self.microsecondsPerSecond)
    }

    /// The UTC calendar day this instant falls on.
    public var utcDate: UTCDate {
        UTCDate(daysSinceEpoch: Self.floorDivide(microsecondsSinceEpoch, Self.microsecondsPerDay))
    }

    /// This instant moved by a number of microseconds.
    public func advanced(byMicroseconds delta: Int64) -> Timestamp {
        Timestamp(microsecondsSinceEpoch: microsecondsSinceEpoch + delta)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }

    public var description: String { rfc3339 }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}
