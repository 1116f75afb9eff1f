import Testing

@testable import TallyCore

/// Expected values are exact UTC instants worked out by hand from the tz rules (New York:
/// EST -05:00, EDT -04:00 from 2026-03-08 07:00Z to 2026-11-01 06:00Z).
@Suite("Budget periods")
struct BudgetPeriodTests {
    private func at(_ text: String) throws -> Timestamp { try Timestamp(rfc3339: text) }

    /// "start/end" in RFC 3339, so a failure shows both boundaries readably.
    private func span(_ interval: BudgetInterval) -> String { "\(interval.start)/\(interval.end)" }

    private func span(_ period: BudgetPeriod, _ instant: String) throws -> String {
        span(period.interval(containing: try at(instant)))
    }

    @Test("month anchored on the 15th; an instant on the boundary starts the new period")
    func monthAnchor15() throws {
        let period = try BudgetPeriod(kind: .month, anchor: 15)
        #expect(try span(period, "2026-11-14T23:59:59.999999Z") == "2026-10-15T00:00:00Z/2026-11-15T00:00:00Z")
        #expect(try span(period, "2026-11-15T00:00:00Z") == "2026-11-15T00:00:00Z/2026-12-15T00:00:00Z")
        #expect(try span(period, "2026-12-31T12:00:00Z") == "2026-12-15T00:00:00Z/2027-01-15T00:00:00Z")
        #expect(try period.key(containing: at("2026-11-15T00:00:00Z")) == "2026-11-15")
        #expect(try period.key(containing: at("2026-11-14T23:59:59.999999Z")) == "2026-10-15")
    }

    @Test("boundary and one microsecond before it, in a zone west of UTC")
    func boundaryInNewYork() throws {
        let period = try BudgetPeriod(kind: .month, anchor: 15, timeZone: "America/New_York")
        // 2026-11-15 00:00 EST is 05:00Z.
        #expect(try span(period, "2026-11-15T05:00:00Z") == "2026-11-15T05:00:00Z/2026-12-15T05:00:00Z")
        #expect(try span(period, "2026-11-15T04:59:59.999999Z") == "2026-10-15T04:00:00Z/2026-11-15T05:00:00Z")
        #expect(try period.key(containing: at("2026-11-15T04:59:59.999999Z")) == "2026-10-15")
        #expect(try period.key(containing: at("2026-11-15T05:00:00Z")) == "2026-11-15")
    }

    @Test("day periods across New York's DST changes are 23 and 25 hours")
    func dayAcrossDST() throws {
        let period = try BudgetPeriod(kind: .day, timeZone: "America/New_York")
        let spring = period.interval(containing: try at("2026-03-08T12:00:00Z"))
        #expect(span(spring) == "2026-03-08T05:00:00Z/2026-03-09T04:00:00Z")
        #expect(spring.end.microsecondsSinceEpoch - spring.start.microsecondsSinceEpoch == 23 * 3_600_000_000)
        let fall = period.interval(containing: try at("2026-11-01T12:00:00Z"))
        #expect(span(fall) == "2026-11-01T04:00:00Z/2026-11-02T05:00:00Z")
        #expect(fall.end.microsecondsSinceEpoch - fall.start.microsecondsSinceEpoch == 25 * 3_600_000_000)
        // Local 23:30 on 2026-03-08 (EDT) is still that day.
        #expect(try span(period, "2026-03-09T03:30:00Z") == "2026-03-08T05:00:00Z/2026-03-09T04:00:00Z")
    }

    @Test("week periods across New York's DST changes")
    func weekAcrossDST() throws {
        let mondays = try BudgetPeriod(kind: .week, anchor: 1, timeZone: "America/New_York")
        // 2026-03-08 is a Sunday: the Monday week is Mar 2 (EST) to Mar 9 (EDT), 167 hours.
        #expect(try span(mondays, "2026-03-08T12:00:00Z") == "2026-03-02T05:00:00Z/2026-03-09T04:00:00Z")
        #expect(try span(mondays, "2026-11-01T12:00:00Z") == "2026-10-26T04:00:00Z/2026-11-02T05:00:00Z")
        let sundays = try BudgetPeriod(kind: .week, anchor: 7, timeZone: "America/New_York")
        #expect(try span(sundays, "2026-11-01T04:00:00Z") == "2026-11-01T04:00:00Z/2026-11-08T05:00:00Z")
        #expect(try span(sundays, "2026-11-01T03:59:59.999999Z") == "2026-10-25T04:00:00Z/2026-11-01T04:00:00Z")
    }

    @Test("week anchor picks the ISO weekday the week starts on")
    func weekAnchor() throws {
        // 2026-11-18 is a Wednesday (ISO 3).
        let expected = [
            1: "2026-11-16", 2: "2026-11-17", 3: "2026-11-18", 4: "2026-11-12", 5: "2026-11-13", 6: "2026-11-14", 7: "2026-11-15",
        ]
        for (anchor, first) in expected {
            let period = try BudgetPeriod(kind: .week, anchor: anchor)
            let interval = period.interval(containing: try at("2026-11-18T10:00:00Z"))
            #expect(period.key(for: interval) == first, "anchor \(anchor)")
            #expect(interval.end.microsecondsSinceEpoch - interval.start.microsecondsSinceEpoch == 7 * Timestamp.microsecondsPerDay)
        }
    }

    @Test("month periods across New York's DST changes")
    func monthAcrossDST() throws {
        let period = try BudgetPeriod(kind: .month, timeZone: "America/New_York")
        #expect(try span(period, "2026-03-15T12:00:00Z") == "2026-03-01T05:00:00Z/2026-04-01T04:00:00Z")
        #expect(try span(period, "2026-11-15T12:00:00Z") == "2026-11-01T04:00:00Z/2026-12-01T05:00:00Z")
        // 2026-04-01 03:59:59.999999Z is still March 31 local.
        #expect(try span(period, "2026-04-01T03:59:59.999999Z") == "2026-03-01T05:00:00Z/2026-04-01T04:00:00Z")
        let mid = try BudgetPeriod(kind: .month, anchor: 15, timeZone: "America/New_York")
        #expect(try span(mid, "2026-03-10T00:00:00Z") == "2026-02-15T05:00:00Z/2026-03-15T04:00:00Z")
    }

    @Test("anchor 31 starts on the last day of shorter months")
    func anchor31() throws {
        let period = try BudgetPeriod(kind: .month, anchor: 31)
        #expect(try span(period, "2027-02-27T23:59:59.999999Z") == "2027-01-31T00:00:00Z/2027-02-28T00:00:00Z")
        #expect(try span(period, "2027-02-28T00:00:00Z") == "2027-02-28T00:00:00Z/2027-03-31T00:00:00Z")
        #expect(try span(period, "2028-02-28T12:00:00Z") == "2028-01-31T00:00:00Z/2028-02-29T00:00:00Z")
        #expect(try span(period, "2028-02-29T00:00:00Z") == "2028-02-29T00:00:00Z/2028-03-31T00:00:00Z")
        #expect(try span(period, "2026-05-01T00:00:00Z") == "2026-04-30T00:00:00Z/2026-05-31T00:00:00Z")
        #expect(try period.key(containing: at("2027-03-01T00:00:00Z")) == "2027-02-28")
    }

    @Test("anchors 30 and 29 in February")
    func anchors30And29() throws {
        let thirty = try BudgetPeriod(kind: .month, anchor: 30)
        #expect(try span(thirty, "2027-02-28T00:00:00Z") == "2027-02-28T00:00:00Z/2027-03-30T00:00:00Z")
        #expect(try span(thirty, "2027-02-10T00:00:00Z") == "2027-01-30T00:00:00Z/2027-02-28T00:00:00Z")
        #expect(try span(thirty, "2028-03-01T00:00:00Z") == "2028-02-29T00:00:00Z/2028-03-30T00:00:00Z")
        let twentyNine = try BudgetPeriod(kind: .month, anchor: 29)
        #expect(try span(twentyNine, "2027-02-28T00:00:00Z") == "2027-02-28T00:00:00Z/2027-03-29T00:00:00Z")
        #expect(try span(twentyNine, "2028-02-28T23:59:59.999999Z") == "2028-01-29T00:00:00Z/2028-02-29T00:00:00Z")
        #expect(try span(twentyNine, "2028-02-29T00:00:00Z") == "2028-02-29T00:00:00Z/2028-03-29T00:00:00Z")
    }

    @Test("quarters start in January, April, July and October")
    func quarters() throws {
        let period = try BudgetPeriod(kind: .quarter)
        #expect(try span(period, "2026-05-20T00:00:00Z") == "2026-04-01T00:00:00Z/2026-07-01T00:00:00Z")
        #expect(try span(period, "2026-07-01T00:00:00Z") == "2026-07-01T00:00:00Z/2026-10-01T00:00:00Z")
        #expect(try span(period, "2026-06-30T23:59:59.999999Z") == "2026-04-01T00:00:00Z/2026-07-01T00:00:00Z")
        #expect(try span(period, "2026-12-31T23:59:59.999999Z") == "2026-10-01T00:00:00Z/2027-01-01T00:00:00Z")
        let mid = try BudgetPeriod(kind: .quarter, anchor: 15)
        #expect(try span(mid, "2026-01-03T00:00:00Z") == "2025-10-15T00:00:00Z/2026-01-15T00:00:00Z")
        #expect(try span(mid, "2026-01-15T00:00:00Z") == "2026-01-15T00:00:00Z/2026-04-15T00:00:00Z")
        // Anchor 31 clamps in April; New York offsets apply at each boundary.
        let late = try BudgetPeriod(kind: .quarter, anchor: 31, timeZone: "America/New_York")
        #expect(try span(late, "2026-03-01T00:00:00Z") == "2026-01-31T05:00:00Z/2026-04-30T04:00:00Z")
        #expect(try span(late, "2026-05-01T12:00:00Z") == "2026-04-30T04:00:00Z/2026-07-31T04:00:00Z")
    }

    @Test("previous and next periods")
    func previousAndNext() throws {
        let period = try BudgetPeriod(kind: .month, anchor: 31)
        let february = period.interval(containing: try at("2027-03-01T00:00:00Z"))
        #expect(span(period.previous(february)) == "2027-01-31T00:00:00Z/2027-02-28T00:00:00Z")
        #expect(span(period.next(after: february)) == "2027-03-31T00:00:00Z/2027-04-30T00:00:00Z")
        #expect(span(period.next(after: period.previous(february))) == span(february))
        let days = try BudgetPeriod(kind: .day, timeZone: "America/New_York")
        let spring = days.interval(containing: try at("2026-03-08T12:00:00Z"))
        #expect(span(days.previous(spring)) == "2026-03-07T05:00:00Z/2026-03-08T05:00:00Z")
        #expect(span(days.next(after: spring)) == "2026-03-09T04:00:00Z/2026-03-10T04:00:00Z")
    }

    @Test("midnight skipped by DST: the day starts at its first instant")
    func nonexistentMidnight() throws {
        // Santiago jumps from 00:00 -04 to 01:00 -03 on 2026-09-06 (04:00Z).
        let santiago = try BudgetPeriod(kind: .day, timeZone: "America/Santiago")
        #expect(try span(santiago, "2026-09-06T12:00:00Z") == "2026-09-06T04:00:00Z/2026-09-07T03:00:00Z")
        #expect(try span(santiago, "2026-09-06T03:59:59.999999Z") == "2026-09-05T04:00:00Z/2026-09-06T04:00:00Z")
        #expect(try santiago.key(containing: at("2026-09-06T04:00:00Z")) == "2026-09-06")
        // Havana: 00:00 -05 to 01:00 -04 on 2026-03-08 (05:00Z).
        let havana = try BudgetPeriod(kind: .day, timeZone: "America/Havana")
        #expect(try span(havana, "2026-03-08T12:00:00Z") == "2026-03-08T05:00:00Z/2026-03-09T04:00:00Z")
        // Beirut: 00:00 +02 to 01:00 +03 on 2026-03-29 (2026-03-28 22:00Z).
        let beirut = try BudgetPeriod(kind: .month, anchor: 29, timeZone: "Asia/Beirut")
        #expect(try span(beirut, "2026-04-01T00:00:00Z") == "2026-03-28T22:00:00Z/2026-04-28T21:00:00Z")
        #expect(try span(beirut, "2026-03-28T21:59:59.999999Z") == "2026-02-27T22:00:00Z/2026-03-28T22:00:00Z")
    }

    @Test("midnight repeated by DST: the day starts at the later midnight")
    func repeatedMidnight() throws {
        // Santiago falls back from 00:00 -03 to 23:00 -04 on 2026-04-05 (03:00Z).
        let santiago = try BudgetPeriod(kind: .day, timeZone: "America/Santiago")
        let april4 = "2026-04-04T03:00:00Z/2026-04-05T04:00:00Z"
        #expect(try span(santiago, "2026-04-05T03:00:00Z") == april4)  // first 00:00 of April 5
        #expect(try span(santiago, "2026-04-05T03:30:00Z") == april4)  // repeated 23:30 of April 4
        #expect(try span(santiago, "2026-04-05T04:00:00Z") == "2026-04-05T04:00:00Z/2026-04-06T04:00:00Z")
    }

    @Test("invalid time zone and anchors are refused, naming the field")
    func invalidConfiguration() {
        #expect(throws: BudgetPeriodError.invalidTimeZone("Mars/Olympus")) {
            try BudgetPeriod(kind: .month, timeZone: "Mars/Olympus")
        }
        #expect(throws: BudgetPeriodError.invalidTimeZone("")) { try BudgetPeriod(kind: .day, timeZone: "") }
        #expect(BudgetPeriodError.invalidTimeZone("Mars/Olympus").field == "timezone")
        #expect(BudgetPeriodError.invalidTimeZone("Mars/Olympus").description.contains("timezone"))
        #expect(BudgetPeriodError.invalidTimeZone("Mars/Olympus").description.contains("Mars/Olympus"))

        #expect(throws: BudgetPeriodError.anchorOutOfRange(kind: .month, anchor: 32, range: 1...31)) {
            try BudgetPeriod(kind: .month, anchor: 32)
        }
        #expect(throws: BudgetPeriodError.anchorOutOfRange(kind: .quarter, anchor: 0, range: 1...31)) {
            try BudgetPeriod(kind: .quarter, anchor: 0)
        }
        #expect(throws: BudgetPeriodError.anchorOutOfRange(kind: .week, anchor: 8, range: 1...7)) {
            try BudgetPeriod(kind: .week, anchor: 8)
        }
        let error = BudgetPeriodError.anchorOutOfRange(kind: .week, anchor: 8, range: 1...7)
        #expect(error.field == "anchor")
        #expect(error.description.hasPrefix("anchor: 8 is outside 1...7"))
    }

    @Test("a day period ignores its anchor")
    func dayAnchorIgnored() throws {
        let period = try BudgetPeriod(kind: .day, anchor: 15)
        #expect(period.anchor == 1)
        #expect(period == (try BudgetPeriod(kind: .day)))
        #expect(BudgetPeriodKind(rawValue: "quarter") == .quarter)
        #expect(BudgetPeriodKind.allCases.map(\.rawValue) == ["day", "week", "month", "quarter"])
    }

    @Test("elapsed time is exact microseconds, including a 23-hour day")
    func elapsed() throws {
        let days = try BudgetPeriod(kind: .day, timeZone: "America/New_York")
        let progress = days.elapsed(at: try at("2026-03-08T16:30:00Z"))
        #expect(progress.elapsed == 41_400_000_000)
        #expect(progress.total == 82_800_000_000)
        #expect(days.elapsedFraction(at: try at("2026-03-08T16:30:00Z")) == 0.5)
        #expect(days.elapsedFraction(at: try at("2026-03-08T05:00:00Z")) == 0)
        let utc = try BudgetPeriod(kind: .day)
        #expect(utc.elapsedFraction(at: try at("2026-11-15T06:00:00Z")) == 0.25)
        let interval = utc.interval(containing: try at("2026-11-15T06:00:00Z"))
        #expect(BudgetPeriod.elapsed(at: try at("2026-11-14T00:00:00Z"), in: interval) == (0, Timestamp.microsecondsPerDay))
        #expect(BudgetPeriod.elapsed(at: try at("2026-11-17T00:00:00Z"), in: interval).elapsed == Timestamp.microsecondsPerDay)
    }

    @Test("forecast extrapolates linearly in exact pico-USD, half to even")
    func forecast() throws {
        let utc = try BudgetPeriod(kind: .day)
        let day = utc.interval(containing: try at("2026-11-15T00:00:00Z"))
        // A quarter of the day gone, $3 spent: $12 by the end.
        #expect(utc.forecast(spent: Money(wholeUSD: 3), at: try at("2026-11-15T06:00:00Z"), interval: day) == Money(wholeUSD: 12))
        // A third gone, $0.0000001 spent: exactly three times as much.
        #expect(
            utc.forecast(spent: Money(picoUSD: 100_000), at: try at("2026-11-15T08:00:00Z"), interval: day)
                == Money(picoUSD: 300_000))
        // Nothing elapsed, or the period over: the forecast is what was spent.
        #expect(utc.forecast(spent: Money(wholeUSD: 5), at: day.start, interval: day) == Money(wholeUSD: 5))
        #expect(utc.forecast(spent: Money(wholeUSD: 5), at: day.end, interval: day) == Money(wholeUSD: 5))

        // Rounding: a 3 µs period with 2 µs gone multiplies by 1.5; ties go to even.
        let start = try at("2026-11-15T00:00:00Z")
        let tiny: BudgetInterval = (start, start.advanced(byMicroseconds: 3))
        let twoGone = start.advanced(byMicroseconds: 2)
        #expect(utc.forecast(spent: Money(picoUSD: 1), at: twoGone, interval: tiny) == Money(picoUSD: 2))  // 1.5
        #expect(utc.forecast(spent: Money(picoUSD: 3), at: twoGone, interval: tiny) == Money(picoUSD: 4))  // 4.5
        #expect(utc.forecast(spent: Money(picoUSD: 5), at: twoGone, interval: tiny) == Money(picoUSD: 8))  // 7.5
        #expect(utc.forecast(spent: Money(picoUSD: 7), at: twoGone, interval: tiny) == Money(picoUSD: 10))  // 10.5
        #expect(utc.forecast(spent: Money(picoUSD: -1), at: twoGone, interval: tiny) == Money(picoUSD: -2))  // -1.5

        // One microsecond into a day, $1e9 spent: the product exceeds Int64 but is exact.
        let huge = utc.forecast(spent: Money(wholeUSD: 1_000_000_000), at: start.advanced(byMicroseconds: 1), interval: day)
        #expect(huge == Money(picoUSD: Int128(1_000_000_000) * Money.picoPerUSD * Int128(Timestamp.microsecondsPerDay)))
    }
}
