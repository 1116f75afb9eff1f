import Testing

@testable import TallyCore

@Suite("Timestamp and UTCDate")
struct TimestampTests {
    @Test(
        "parses RFC 3339 into UTC exactly",
        arguments: [
            ("2026-11-03T14:00:00Z", Int64(1_793_714_400_000_000)),
            ("2026-11-03T14:00:00.123+02:00", Int64(1_793_707_200_123_000)),
            ("2026-11-03T14:00:00.123456789-05:30", Int64(1_793_734_200_123_456)),
            ("2026-11-03t14:00:00z", Int64(1_793_714_400_000_000)),
            ("2026-11-03T14:00:00-00:00", Int64(1_793_714_400_000_000)),
            ("1970-01-01T00:00:00Z", Int64(0)),
            ("1969-12-31T23:59:59.999999Z", Int64(-1)),
            ("2024-02-29T00:00:00+14:00", Int64(1_709_114_400_000_000)),
            ("2000-03-01T00:00:00Z", Int64(951_868_800_000_000)),
        ])
    func parses(text: String, micros: Int64) throws {
        #expect(try Timestamp(rfc3339: text).microsecondsSinceEpoch == micros)
    }

    @Test("an offset moves the instant across a day boundary")
    func offsetsCrossDays() throws {
        let late = try Timestamp(rfc3339: "2026-11-15T01:00:00+02:00")
        #expect(late.rfc3339 == "2026-11-14T23:00:00Z")
        #expect(late.utcDate.description == "2026-11-14")
        let early = try Timestamp(rfc3339: "2026-12-31T20:00:00-05:00")
        #expect(early.utcDate.description == "2027-01-01")
    }

    @Test("rejects garbage with a message naming the problem")
    func rejects() {
        #expect(throws: TimestampParseError.empty) { try Timestamp(rfc3339: "") }
        #expect(throws: TimestampParseError.invalidFormat("yesterday", expected: "a four-digit year", offset: 0)) {
            try Timestamp(rfc3339: "yesterday")
        }
        #expect(throws: TimestampParseError.invalidFormat("2026-11-03 14:00:00Z", expected: "\"T\" between date and time", offset: 10)) {
            try Timestamp(rfc3339: "2026-11-03 14:00:00Z")
        }
        #expect(throws: TimestampParseError.invalidFormat("2026-11-03T14:00:00", expected: "a UTC offset (\"Z\" or \"+hh:mm\")", offset: 19)) {
            try Timestamp(rfc3339: "2026-11-03T14:00:00")
        }
        #expect(throws: TimestampParseError.outOfRange("2026-13-03T14:00:00Z", field: "month", value: 13, range: 1...12)) {
            try Timestamp(rfc3339: "2026-13-03T14:00:00Z")
        }
        #expect(throws: TimestampParseError.nonexistentDay("2026-02-29T00:00:00Z")) { try Timestamp(rfc3339: "2026-02-29T00:00:00Z") }
        #expect(throws: TimestampParseError.outOfRange("2026-11-03T24:00:00Z", field: "hour", value: 24, range: 0...23)) {
            try Timestamp(rfc3339: "2026-11-03T24:00:00Z")
        }
        #expect(throws: TimestampParseError.leapSecond("2016-12-31T23:59:60Z")) { try Timestamp(rfc3339: "2016-12-31T23:59:60Z") }
        #expect(throws: TimestampParseError.outOfRange("2026-11-03T14:00:00+24:00", field: "offset hour", value: 24, range: 0...23)) {
            try Timestamp(rfc3339: "2026-11-03T14:00:00+24:00")
        }
        #expect(throws: TimestampParseError.invalidFormat("2026-11-03T14:00:00+0200", expected: "\":\" in the UTC offset", offset: 22)) {
            try Timestamp(rfc3339: "2026-11-03T14:00:00+0200")
        }
        #expect(throws: TimestampParseError.invalidFormat("2026-11-03T14:00:00.Z", expected: "digits after \".\"", offset: 20)) {
            try Timestamp(rfc3339: "2026-11-03T14:00:00.Z")
        }
        #expect(throws: TimestampParseError.tooManyFractionDigits("2026-11-03T14:00:00.1234567890Z")) {
            try Timestamp(rfc3339: "2026-11-03T14:00:00.1234567890Z")
        }
        #expect(throws: TimestampParseError.invalidFormat("2026-11-03T14:00:00Zjunk", expected: "the end of the timestamp", offset: 20)) {
            try Timestamp(rfc3339: "2026-11-03T14:00:00Zjunk")
        }
        #expect(
            TimestampParseError.outOfRange("2026-13-03T14:00:00Z", field: "month", value: 13, range: 1...12).description
                == "\"2026-13-03T14:00:00Z\": month 13 is outside 1...12")
    }

    @Test("formats RFC 3339 in UTC with the shortest fraction")
    func formats() throws {
        #expect(Timestamp(microsecondsSinceEpoch: 1_793_714_400_000_000).rfc3339 == "2026-11-03T14:00:00Z")
        #expect(Timestamp(microsecondsSinceEpoch: 1_793_714_400_120_000).rfc3339 == "2026-11-03T14:00:00.12Z")
        #expect(Timestamp(microsecondsSinceEpoch: -1).rfc3339 == "1969-12-31T23:59:59.999999Z")
        for text in ["2026-11-03T14:00:00.000001Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "1900-03-01T12:30:00Z"] {
            #expect(try Timestamp(rfc3339: text).rfc3339 == text)
        }
        #expect(Timestamp(microsecondsSinceEpoch: -1).secondsSinceEpoch == -1)
    }

    @Test("converts calendar days both ways over leap years")
    func calendar() throws {
        #expect(UTCDate(year: 1970, month: 1, day: 1)?.daysSinceEpoch == 0)
        #expect(UTCDate(year: 2000, month: 2, day: 29)?.daysSinceEpoch == 11_016)
        #expect(UTCDate(year: 1900, month: 2, day: 29) == nil)
        #expect(UTCDate(year: 2026, month: 4, day: 31) == nil)
        var day = try #require(UTCDate(year: 1899, month: 12, day: 25))
        // Walk 200 years day by day: daysSinceEpoch and init(daysSinceEpoch:) must agree.
        for _ in 0..<(200 * 366) {
            let next = day.adding(days: 1)
            #expect(next.daysSinceEpoch == day.daysSinceEpoch + 1)
            #expect(next > day)
            day = next
        }
        #expect(try UTCDate.parse("2026-11-29").start.rfc3339 == "2026-11-29T00:00:00Z")
        #expect(throws: TimestampParseError.invalidFormat("2026-11-29T00:00:00Z", expected: "the end of the date (YYYY-MM-DD)", offset: 10)) {
            try UTCDate.parse("2026-11-29T00:00:00Z")
        }
        #expect(throws: TimestampParseError.invalidFormat("2026-1-29", expected: "2-digit month", offset: 5)) { try UTCDate.parse("2026-1-29") }
    }
}
