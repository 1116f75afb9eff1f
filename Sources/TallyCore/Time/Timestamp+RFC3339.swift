extension Timestamp {
    /// Reads an RFC 3339 timestamp and converts it to UTC exactly.
    ///
    /// Accepts "2026-11-03T14:00:00Z", "2026-11-03T14:00:00.123+02:00", a lower-case "t" or
    /// "z", and "-00:00" (UTC, offset unknown). Fractions up to nine digits are read;
    /// digits below a microsecond are truncated (toward the past), which keeps the order of
    /// instants. The offset is mandatory: a time without one has no defined instant.
    public init(rfc3339 text: String) throws(TimestampParseError) {
        var scanner = TimeScanner(text: text)
        if scanner.bytes.isEmpty { throw .empty }
        let date = try scanner.date()
        guard scanner.take(where: { $0 == UInt8(ascii: "T") || $0 == UInt8(ascii: "t") }) else {
            throw .invalidFormat(text, expected: "\"T\" between date and time", offset: scanner.index)
        }
        let hour = try scanner.field(digits: 2, name: "hour", range: 0...23)
        try scanner.expect(":", what: "\":\" after the hour")
        let minute = try scanner.field(digits: 2, name: "minute", range: 0...59)
        try scanner.expect(":", what: "\":\" after the minute")
        let second = try scanner.number(digits: 2, what: "two-digit second")
        if second == 60 { throw .leapSecond(text) }
        guard second <= 59 else { throw .outOfRange(text, field: "second", value: second, range: 0...59) }

        var microseconds: Int64 = 0
        if scanner.take(where: { $0 == UInt8(ascii: ".") }) {
            let start = scanner.index
            var count = 0
            while let digit = scanner.digit() {
                count += 1
                if count > 9 { throw .tooManyFractionDigits(text) }
                if count <= 6 { microseconds = microseconds * 10 + Int64(digit) }
            }
            if count == 0 { throw .invalidFormat(text, expected: "digits after \".\"", offset: start) }
            if count < 6 {
                for _ in count..<6 { microseconds *= 10 }
            }
        }

        let offsetSeconds: Int64
        if scanner.take(where: { $0 == UInt8(ascii: "Z") || $0 == UInt8(ascii: "z") }) {
            offsetSeconds = 0
        } else if let sign = scanner.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            scanner.index += 1
            let hours = try scanner.field(digits: 2, name: "offset hour", range: 0...23)
            try scanner.expect(":", what: "\":\" in the UTC offset")
            let minutes = try scanner.field(digits: 2, name: "offset minute", range: 0...59)
            let magnitude = Int64(hours * 3600 + minutes * 60)
            offsetSeconds = sign == UInt8(ascii: "-") ? -magnitude : magnitude
        } else {
            throw .invalidFormat(text, expected: "a UTC offset (\"Z\" or \"+hh:mm\")", offset: scanner.index)
        }
        if scanner.index < scanner.bytes.count {
            throw .invalidFormat(text, expected: "the end of the timestamp", offset: scanner.index)
        }

        // Local time minus its offset is UTC.
        let localSeconds = date.daysSinceEpoch * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        self.init(microsecondsSinceEpoch: (localSeconds - offsetSeconds) * Self.microsecondsPerSecond + microseconds)
    }

    /// The RFC 3339 form in UTC: "2026-11-03T12:00:00.123Z"; the fraction appears only when
    /// non-zero and without trailing zeros.
    public var rfc3339: String {
        let date = utcDate
        let withinDay = microsecondsSinceEpoch - date.daysSinceEpoch * Self.microsecondsPerDay
        let seconds = Int(withinDay / Self.microsecondsPerSecond)
        let fraction = Int(withinDay % Self.microsecondsPerSecond)
        var text = date.description + "T"
        text += UTCDate.pad(seconds / 3600, 2) + ":" + UTCDate.pad(seconds / 60 % 60, 2) + ":" + UTCDate.pad(seconds % 60, 2)
        if fraction != 0 {
            var digits = UTCDate.pad(fraction, 6)
            while digits.last == "0" { digits.removeLast() }
            text += "." + digits
        }
        return text + "Z"
    }
}

extension UTCDate {
    /// Reads an ISO 8601 calendar date, "2026-11-03".
    public static func parse(_ text: String) throws(TimestampParseError) -> UTCDate {
        var scanner = TimeScanner(text: text)
        if scanner.bytes.isEmpty { throw .empty }
        let date = try scanner.date()
        if scanner.index < scanner.bytes.count {
            throw .invalidFormat(text, expected: "the end of the date (YYYY-MM-DD)", offset: scanner.index)
        }
        return date
    }
}

/// A cursor over the bytes of a date or timestamp, producing precise errors.
struct TimeScanner {
    let text: String
    let bytes: [UInt8]
    var index = 0

    init(text: String) {
        self.text = text
        self.bytes = Array(text.utf8)
    }

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func take(where predicate: (UInt8) -> Bool) -> Bool {
        guard let byte = peek(), predicate(byte) else { return false }
        index += 1
        return true
    }

    mutating func digit() -> Int? {
        guard let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
        index += 1
        return Int(byte - UInt8(ascii: "0"))
    }

    mutating func number(digits count: Int, what: String) throws(TimestampParseError) -> Int {
        let start = index
        var value = 0
        for _ in 0..<count {
            guard let next = digit() else { throw .invalidFormat(text, expected: what, offset: start) }
            value = value * 10 + next
        }
        return value
    }

    mutating func field(digits count: Int, name: String, range: ClosedRange<Int>) throws(TimestampParseError) -> Int {
        let value = try number(digits: count, what: "\(count)-digit \(name)")
        guard range.contains(value) else { throw .outOfRange(text, field: name, value: value, range: range) }
        return value
    }

    mutating func expect(_ character: Character, what: String) throws(TimestampParseError) {
        guard take(where: { $0 == character.asciiValue }) else {
            throw .invalidFormat(text, expected: what, offset: index)
        }
    }

    mutating func date() throws(TimestampParseError) -> UTCDate {
        let year = try number(digits: 4, what: "a four-digit year")
        try expect("-", what: "\"-\" after the year")
        let month = try field(digits: 2, name: "month", range: 1...12)
        try expect("-", what: "\"-\" after the month")
        let day = try field(digits: 2, name: "day", range: 1...31)
        guard let date = UTCDate(year: year, month: month, day: day) else { throw .nonexistentDay(text) }
        return date
    }
}
