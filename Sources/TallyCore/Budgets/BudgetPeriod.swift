import Foundation

/// A half-open span of time `[start, end)` in UTC: one budget period.
public typealias BudgetInterval = (start: Timestamp, end: Timestamp)

/// A recurring budget period (daily, weekly, monthly or quarterly) in a local time zone.
///
/// Periods are computed from local calendar dates and turned into UTC instants only at their
/// boundaries, so a period follows the wall clock of the zone: a day period in
/// America/New_York on 2026-03-08 is 23 hours long and on 2026-11-01 25 hours.
///
/// Rules:
/// - **Boundaries** are the start of the local day (00:00) on the period's first date. An
///   instant exactly on a boundary belongs to the period that starts there.
/// - **Nonexistent midnight.** Where clocks jump forward at midnight (America/Santiago,
///   America/Havana, Asia/Beirut), 00:00 does not exist that day and the period starts at the
///   first instant of the local day (01:00 local, the instant of the jump).
/// - **Repeated midnight.** Where clocks fall back at midnight (America/Santiago in April), the
///   day starts at the later 00:00, as Foundation's `Calendar.startOfDay` and the day buckets
///   of `spend.query` do, so a budget day and a spend.query day of the same zone agree.
/// - **Week:** `anchor` is the ISO weekday the week starts on, 1 = Monday ... 7 = Sunday.
/// - **Month:** `anchor` is the day of the month the period starts on, 1...31. A month that is
///   shorter than the anchor starts on its last day instead: anchor 31 starts on 2027-02-28,
///   2028-02-29 and 2026-04-30; anchor 30 on 2027-02-28; anchor 29 on 2027-02-28 and
///   2028-02-29. The next period again starts on the anchor day when the month has it.
/// - **Quarter:** three-month periods starting in January, April, July and October on the
///   anchor day (clamped like months): anchor 15 gives Jan 15, Apr 15, Jul 15, Oct 15.
/// - **Day:** the anchor has no meaning and is stored as 1.
///
/// The time zone is whatever `TimeZone(identifier:)` accepts, the same test `spend.query`
/// applies to its `timezone` parameter.
public struct BudgetPeriod: Sendable, Hashable, CustomStringConvertible {
    /// How long a period is.
    public let kind: BudgetPeriodKind
    /// The ISO weekday (week) or day of the month (month, quarter) a period starts on; 1 for day.
    public let anchor: Int
    /// The IANA time zone identifier, exactly as given ("America/New_York").
    public let timeZone: String

    /// A Gregorian calendar in `timeZone`; all local-date questions go through it.
    private let calendar: Calendar

    /// A period, or an error naming the field (`anchor`, `timezone`) that is invalid.
    public init(kind: BudgetPeriodKind, anchor: Int = 1, timeZone: String = "UTC") throws(BudgetPeriodError) {
        guard let zone = TimeZone(identifier: timeZone) else { throw .invalidTimeZone(timeZone) }
        if kind != .day, !kind.anchorRange.contains(anchor) {
            throw .anchorOutOfRange(kind: kind, anchor: anchor, range: kind.anchorRange)
        }
        self.kind = kind
        // A day has no anchor; storing 1 keeps equal periods equal.
        self.anchor = kind == .day ? 1 : anchor
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.calendar = calendar
    }

    // Equality is the configuration; the calendar is derived from it.
    public static func == (lhs: BudgetPeriod, rhs: BudgetPeriod) -> Bool {
        lhs.kind == rhs.kind && lhs.anchor == rhs.anchor && lhs.timeZone == rhs.timeZone
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(anchor)
        hasher.combine(timeZone)
    }

    /// "month anchor 15 America/New_York".
    public var description: String { "\(kind.rawValue) anchor \(anchor) \(timeZone)" }

    // MARK: - Intervals

    /// The period `[start, end)` that contains `instant`.
    public func interval(containing instant: Timestamp) -> BudgetInterval {
        var first = firstDate(onOrBefore: localDate(of: instant))
        var start = startOfLocalDay(first)
        // The local date of an instant in a repeated hour can lie after the period it belongs
        // to has started or before; step until the boundaries enclose the instant. Two steps
        // suffice for any real zone; the bound only guards against a broken tz database.
        var steps = 0
        while instant < start, steps < 4 {
            first = firstDate(onOrBefore: first.adding(days: -1))
            start = startOfLocalDay(first)
            steps += 1
        }
        var next = firstDate(after: first)
        var end = startOfLocalDay(next)
        steps = 0
        while instant >= end, steps < 4 {
            first = next
            start = end
            next = firstDate(after: first)
            end = startOfLocalDay(next)
            steps += 1
        }
        return (start, end)
    }

    /// The period just before `interval` (which ends where `interval` starts).
    public func previous(_ interval: BudgetInterval) -> BudgetInterval {
        self.interval(containing: interval.start.advanced(byMicroseconds: -1))
    }

    /// The period just after `interval` (which starts where `interval` ends).
    public func next(after interval: BudgetInterval) -> BudgetInterval {
        self.interval(containing: interval.end)
    }

    /// A storage key for the period: its first local date, "2026-11-15".
    ///
    /// Keys are unique and sort in time order among the periods of one configuration (kind,
    /// anchor, time zone), so they are meaningful only stored next to that configuration.
    public func key(for interval: BudgetInterval) -> String {
        localDate(of: interval.start).description
    }

    /// The storage key of the period containing `instant`; see ``key(for:)``.
    public func key(containing instant: Timestamp) -> String {
        key(for: interval(containing: instant))
    }

    // MARK: - Local calendar

    /// The local calendar date of an instant. `UTCDate` serves as a plain proleptic Gregorian
    /// date here; its day arithmetic is exact and needs no time zone.
    func localDate(of instant: Timestamp) -> UTCDate {
        // Boundaries fall on whole seconds (tz offsets are whole seconds), so the second
        // containing the instant has the instant's local date; Date holds it exactly.
        let seconds = instant.secondsSinceEpoch
        let offset = Int64(calendar.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
        return UTCDate(daysSinceEpoch: Timestamp.floorDivide(seconds + offset, 86_400))
    }

    /// The first instant of a local date: midnight, or the first instant after a skipped one.
    func startOfLocalDay(_ date: UTCDate) -> Timestamp {
        // Midday exists on every real local day; startOfDay then finds the day's first instant.
        let components = DateComponents(year: date.year, month: date.month, day: date.day, hour: 12)
        guard let midday = calendar.date(from: components) else {
            // Unreachable for valid dates; fall back to the UTC offset at UTC midnight.
            let offset = Int64(calendar.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(date.start.secondsSinceEpoch))))
            return date.start.advanced(byMicroseconds: -offset * Timestamp.microsecondsPerSecond)
        }
        let start = calendar.startOfDay(for: midday)
        return Timestamp(secondsSinceEpoch: Int64(start.timeIntervalSince1970.rounded(.down)))
    }

    /// The first date of the period that contains local date `date`.
    func firstDate(onOrBefore date: UTCDate) -> UTCDate {
        switch kind {
        case .day:
            return date
        case .week:
            // 1970-01-01 was a Thursday (ISO weekday 4).
            let shifted = date.daysSinceEpoch + 3
            let isoWeekday = Int(shifted - Timestamp.floorDivide(shifted, 7) * 7) + 1
            let back = (isoWeekday - anchor + 7) % 7
            return date.adding(days: Int64(-back))
        case .month, .quarter:
            let step = kind == .month ? 1 : 3
            // The first month of the candidate period: this month, or for quarters the first
            // month of the calendar quarter (January, April, July, October).
            var year = date.year
            var month = (date.month - 1) / step * step + 1
            var first = anchored(year: year, month: month)
            if date < first {
                (year, month) = Self.addMonths(-step, year: year, month: month)
                first = anchored(year: year, month: month)
            }
            return first
        }
    }

    /// The first date of the period after the one starting on `first`.
    func firstDate(after first: UTCDate) -> UTCDate {
        switch kind {
        case .day: return first.adding(days: 1)
        case .week: return first.adding(days: 7)
        case .month, .quarter:
            let (year, month) = Self.addMonths(kind == .month ? 1 : 3, year: first.year, month: first.month)
            return anchored(year: year, month: month)
        }
    }

    /// The anchor day in a month, or the month's last day when the month is shorter.
    private func anchored(year: Int, month: Int) -> UTCDate {
        let day = min(anchor, UTCDate.daysInMonth(year: year, month: month))
        // Valid by construction for years 0...9999; beyond that fall back to the exact day count.
        return UTCDate(year: year, month: month, day: day)
            ?? UTCDate(daysSinceEpoch: Self.daysSinceEpoch(year: year, month: month, day: day))
    }

    private static func addMonths(_ count: Int, year: Int, month: Int) -> (year: Int, month: Int) {
        let index = year * 12 + (month - 1) + count
        let yearOut = index >= 0 ? index / 12 : (index - 11) / 12
        return (yearOut, index - yearOut * 12 + 1)
    }

    /// Days since 1970-01-01 for any proleptic Gregorian date (Hinnant's days_from_civil).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * Int64((month + 9) % 12) + 2) / 5 + Int64(day) - 1
        return era * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468
    }
}
