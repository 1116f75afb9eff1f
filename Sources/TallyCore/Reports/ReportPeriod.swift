/// The time range a report covers, in UTC: a calendar month ("2026-11"), a day ("2026-11-05"),
/// or any half-open range.
public struct ReportPeriod: Sendable, Hashable {
    /// "2026-11", "2026-11-05", or "FROM..TO" for a range.
    public var label: String
    public var from: Timestamp
    public var to: Timestamp
    /// The period just before, of the same kind (the previous month, day, or a range as long).
    public var previous: ReportPeriod { previousPeriod() }

    private enum Kind: Hashable { case month(year: Int, month: Int), day(UTCDate), range }
    private var kind: Kind

    /// Why a period text is not acceptable.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var text: String
        public var description: String { "'\(text)' is not a period: use a month 'YYYY-MM' or a day 'YYYY-MM-DD' (UTC)" }
    }

    /// The month `year`-`month`.
    public static func month(year: Int, month: Int) -> ReportPeriod? {
        guard let first = UTCDate(year: year, month: month, day: 1) else { return nil }
        let next = month == 12 ? UTCDate(year: year + 1, month: 1, day: 1) : UTCDate(year: year, month: month + 1, day: 1)
        guard let next else { return nil }
        let label = "\(Self.pad(year, 4))-\(Self.pad(month, 2))"
        return ReportPeriod(label: label, from: first.start, to: next.start, kind: .month(year: year, month: month))
    }

    /// The UTC day `date`.
    public static func day(_ date: UTCDate) -> ReportPeriod {
        ReportPeriod(label: date.description, from: date.start,
                     to: date.start.advanced(byMicroseconds: Timestamp.microsecondsPerDay), kind: .day(date))
    }

    /// A half-open range `[from, to)`.
    public static func range(from: Timestamp, to: Timestamp) -> ReportPeriod {
        ReportPeriod(label: "\(from.rfc3339)..\(to.rfc3339)", from: from, to: to, kind: .range)
    }

    /// The month containing `instant` (UTC).
    public static func month(containing instant: Timestamp) -> ReportPeriod {
        let date = instant.utcDate
        return month(year: date.year, month: date.month)!
    }

    /// Reads "YYYY-MM" or "YYYY-MM-DD".
    public static func parse(_ text: String) throws(ParseError) -> ReportPeriod {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let numbers = parts.map { part in part.allSatisfy(\.isASCII) ? Int(part) : nil }
        switch (parts.count, numbers.count) {
        case (2, 2) where parts[0].count == 4 && parts[1].count == 2:
            if let year = numbers[0], let monthNumber = numbers[1], let period = Self.month(year: year, month: monthNumber) { return period }
        case (3, 3) where parts[0].count == 4 && parts[1].count == 2 && parts[2].count == 2:
            if let year = numbers[0], let month = numbers[1], let day = numbers[2], let date = UTCDate(year: year, month: month, day: day) {
                return .day(date)
            }
        default: break
        }
        throw ParseError(text: text)
    }

    private func previousPeriod() -> ReportPeriod {
        switch kind {
        case .month(let year, let month):
            return month == 1 ? Self.month(year: year - 1, month: 12)! : Self.month(year: year, month: month - 1)!
        case .day(let date):
            return .day(date.adding(days: -1))
        case .range:
            let length = to.microsecondsSinceEpoch - from.microsecondsSinceEpoch
            return .range(from: from.advanced(byMicroseconds: -length), to: from)
        }
    }

    private static func pad(_ number: Int, _ width: Int) -> String {
        let text = String(number)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
