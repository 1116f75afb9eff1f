import Foundation

/// Wall-clock time in UTC, formatted as RFC 3339 (`2026-11-29T10:58:06Z`).
public enum UTCClock {
    public static func nowISO8601() -> String {
        format(Date())
    }

    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: TimeZone(identifier: "UTC")!))
    }
}

import TallyCore

extension Timestamp {
    /// The current time (the core stays clock-free; the stores and server read the clock).
    public static var now: Timestamp {
        Timestamp(microsecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()))
    }
}
