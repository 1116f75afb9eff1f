import Foundation
import TallyCore

extension AgencyDatabase {
    /// Answers a spend query from the hourly rollups, reading events only for the partial hours
    /// at the edges of the range (or for everything, when the timezone's offset is not a whole
    /// number of hours and buckets are asked for).
    public func spend(_ query: SpendQuery) throws -> SpendResult {
        let hourly = query.bucket == nil || Self.hasWholeHourOffsets(query.timeZone, from: query.from, to: query.to)
        var groups: [GroupKey: SpendSums] = [:]
        var bucketer = Bucketer(bucket: query.bucket, timeZone: query.timeZone)
        let firstFullHour = Self.ceilHour(query.from.microsecondsSinceEpoch)
        let endFullHours = RollupKey.hour(of: query.to.microsecondsSinceEpoch)

        if hourly && firstFullHour < endFullHours {
            try readRollups(query, from: firstFullHour, to: endFullHours, bucketer: &bucketer, into: &groups)
            try readLedger(query, from: query.from.microsecondsSinceEpoch, to: min(firstFullHour, query.to.microsecondsSinceEpoch), bucketer: &bucketer, into: &groups)
            try readLedger(query, from: max(endFullHours, firstFullHour), to: query.to.microsecondsSinceEpoch, bucketer: &bucketer, into: &groups)
        } else {
            try readLedger(query, from: query.from.microsecondsSinceEpoch, to: query.to.microsecondsSinceEpoch, bucketer: &bucketer, into: &groups)
        }

        var total = SpendSums()
        // A group whose events all moved elsewhere (re-attribution) nets to nothing: not a row.
        var rows = groups.filter { !$0.value.isEmpty }.map { key, sums -> SpendRow in
            total.add(sums)
            var keys: [SpendQuery.Dimension: String?] = [:]
            for (index, dimension) in query.groupBy.enumerated() {
                let value = key.values[index]
                keys[dimension] = value.isEmpty ? String?.none : value
            }
            return SpendRow(keys: keys, bucketStart: key.bucket.map { Timestamp(microsecondsSinceEpoch: $0) },
                            bucketLabel: key.bucket.flatMap { bucketer.label(forStart: $0) }, sums: sums)
        }
        rows.sort { lhs, rhs in
            if lhs.bucketStart != rhs.bucketStart { return (lhs.bucketStart?.microsecondsSinceEpoch ?? 0) < (rhs.bucketStart?.microsecondsSinceEpoch ?? 0) }
            if lhs.sums.cost != rhs.sums.cost { return lhs.sums.cost > rhs.sums.cost }
            return lhs.keys.description < rhs.keys.description
        }
        let truncated = rows.count > query.limit
        if truncated { rows.removeLast(rows.count - query.limit) }
        return SpendResult(rows: rows, total: total, truncated: truncated, servedFromRollups: hourly)
    }

    struct GroupKey: Hashable {
        var values: [String]
        var bucket: Int64?
    }

    /// The WHERE terms for the query's filters. Rollups store unattributed as '' (NOT NULL), so a
    /// client filter stays a plain comparison there and can use the (client, hour) key.
    private func filterClause(_ query: SpendQuery, prefix: String, clientIsNullable: Bool = true) -> (sql: String, values: [any SQLiteBindable]) {
        var clauses: [String] = []
        var values: [any SQLiteBindable] = []
        for dimension in SpendQuery.Dimension.allCases {
            guard let wanted = query.filters[dimension], !wanted.isEmpty else { continue }
            let column = prefix + dimension.rawValue
            let normalized = wanted.map { dimension == .client && $0 == "unattributed" ? "" : $0 }
            clauses.append("\(dimension == .client && clientIsNullable ? "COALESCE(\(column), '')" : column) IN (\(normalized.map { _ in "?" }.joined(separator: ", ")))")
            values.append(contentsOf: normalized.map { $0 as any SQLiteBindable })
        }
        return (clauses.map { " AND " + $0 }.joined(), values)
    }

    /// Reads the rollup rows of the full hours and sums them here, by group, rather than with
    /// SQL's GROUP BY: over a month of an agency (hundreds of thousands of rows) the sort SQLite
    /// needs for GROUP BY costs about three times the scan. Sums are Int128: no overflow.
    private func readRollups(_ query: SpendQuery, from: Int64, to: Int64, bucketer: inout Bucketer, into groups: inout [GroupKey: SpendSums]) throws {
        let dimensions = query.groupBy.map(\.rawValue)
        let selectHour = query.bucket != nil
        let filter = filterClause(query, prefix: "", clientIsNullable: false)
        let sql = """
            SELECT \((dimensions + (selectHour ? ["hour_us"] : []) + ["events", "errors", "unpriced", "cost_pico"] + LedgerSchema.tokenColumns).joined(separator: ", "))
            FROM rollups WHERE hour_us >= ? AND hour_us < ?\(filter.sql)
            """
        var totals: [GroupKey: RollupTotals] = [:]
        try connection.statement(sql).forEachRow([from, to] + filter.values) { row in
            var values: [String] = []
            values.reserveCapacity(dimensions.count)
            for column in 0..<Int32(dimensions.count) { values.append(row.string(column)) }
            var column = Int32(dimensions.count)
            var bucket: Int64? = nil
            if selectHour {
                bucket = bucketer.start(of: row.int64(column))
                column += 1
            }
            totals[GroupKey(values: values, bucket: bucket), default: RollupTotals()].add(row, from: column)
        }
        for (key, total) in totals { groups[key, default: SpendSums()].add(total.sums) }
    }

    private func readLedger(_ query: SpendQuery, from: Int64, to: Int64, bucketer: inout Bucketer, into groups: inout [GroupKey: SpendSums]) throws {
        guard from < to else { return }
        let dimensions = query.groupBy.map(\.rawValue)
        let hasTime = query.bucket != nil
        let tokenColumns = LedgerSchema.tokenColumns.joined(separator: ", ")
        for table in ["events", "adjustments"] {
            let filter = filterClause(query, prefix: "")
            let counts = table == "events"
                ? "1, CASE WHEN status = 'error' THEN 1 ELSE 0 END, CASE WHEN cost_pico IS NULL THEN 1 ELSE 0 END, COALESCE(cost_pico, 0)"
                : "event_delta, CASE WHEN status = 'error' THEN event_delta ELSE 0 END, unpriced_delta, cost_delta_pico"
            let dimensionColumns = dimensions.map { $0 == "client" ? "COALESCE(client, '')" : $0 }
            let sql = """
                SELECT \((dimensionColumns + (hasTime ? ["ts_us"] : []) + [counts, tokenColumns]).joined(separator: ", "))
                FROM \(table) WHERE ts_us >= ? AND ts_us < ?\(filter.sql)
                """
            try connection.statement(sql).forEachRow([from, to] + filter.values) { row in
                try accumulate(row, dimensionCount: dimensions.count, hasTime: hasTime, bucketer: &bucketer, into: &groups,
                               tokensNegated: false)
            }
        }
    }

    private func accumulate(_ row: SQLiteRow, dimensionCount: Int, hasTime: Bool, bucketer: inout Bucketer,
                            into groups: inout [GroupKey: SpendSums], tokensNegated: Bool = false) throws {
        var column: Int32 = 0
        var values: [String] = []
        values.reserveCapacity(dimensionCount)
        for _ in 0..<dimensionCount {
            values.append(row.string(column))
            column += 1
        }
        var bucket: Int64? = nil
        if hasTime {
            bucket = bucketer.start(of: row.int64(column))
            column += 1
        }
        var sums = SpendSums()
        sums.events = row.int64(column)
        sums.errors = row.int64(column + 1)
        sums.unpriced = row.int64(column + 2)
        sums.cost = Money(picoUSD: Int128(row.int64(column + 3)))
        column += 4
        for name in LedgerSchema.tokenColumns {
            sums.tokens[name] = row.int64(column)
            column += 1
        }
        groups[GroupKey(values: values, bucket: bucket), default: SpendSums()].add(sums)
    }

    static func ceilHour(_ microseconds: Int64) -> Int64 {
        let floor = RollupKey.hour(of: microseconds)
        return floor == microseconds ? floor : floor + RollupKey.microsecondsPerHour
    }

    /// Whether every UTC offset the zone uses in the range is a whole number of hours, so that
    /// hourly rollups fall cleanly into local buckets.
    static func hasWholeHourOffsets(_ zone: TimeZone, from: Timestamp, to: Timestamp) -> Bool {
        var date = Date(timeIntervalSince1970: Double(from.secondsSinceEpoch))
        let end = Date(timeIntervalSince1970: Double(to.secondsSinceEpoch))
        for _ in 0..<1_000 {
            guard zone.secondsFromGMT(for: date) % 3_600 == 0 else { return false }
            guard let next = zone.nextDaylightSavingTimeTransition(after: date), next < end else { return true }
            date = next
        }
        return true
    }
}

/// Maps instants to the start of their local bucket, caching per hour (rows repeat hours).
struct Bucketer {
    let bucket: SpendQuery.Bucket?
    let calendar: Calendar
    private var cache: [Int64: Int64] = [:]
    private var labels: [Int64: String] = [:]

    init(bucket: SpendQuery.Bucket?, timeZone: TimeZone) {
        self.bucket = bucket
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    mutating func start(of microseconds: Int64) -> Int64 {
        let hour = RollupKey.hour(of: microseconds)
        // Within one UTC hour the local bucket is the same when offsets are whole hours; with
        // other offsets the raw path passes exact instants, so cache only exact hour starts.
        if hour == microseconds, let cached = cache[hour] { return cached }
        let date = Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
        let start: Date
        switch bucket {
        case .hour?, nil: start = calendar.dateInterval(of: .hour, for: date)?.start ?? date
        case .day?: start = calendar.startOfDay(for: date)
        case .week?: start = calendar.dateInterval(of: .weekOfYear, for: date)?.start ?? date
        case .month?: start = calendar.dateInterval(of: .month, for: date)?.start ?? date
        }
        let value = Int64((start.timeIntervalSince1970 * 1_000_000).rounded())
        if hour == microseconds { cache[hour] = value }
        return value
    }

    /// A local label for a bucket start: "2026-11-03T14:00", "2026-11-03", "2026-W45", "2026-11".
    mutating func label(forStart microseconds: Int64) -> String? {
        if let cached = labels[microseconds] { return cached }
        let date = Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .yearForWeekOfYear, .weekOfYear], from: date)
        let text: String
        switch bucket {
        case .hour?: text = String(format: "%04d-%02d-%02dT%02d:00", parts.year!, parts.month!, parts.day!, parts.hour!)
        case .day?: text = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        case .week?: text = String(format: "%04d-W%02d", parts.yearForWeekOfYear!, parts.weekOfYear!)
        case .month?: text = String(format: "%04d-%02d", parts.year!, parts.month!)
        case nil: return nil
        }
        labels[microseconds] = text
        return text
    }
}

/// Rollup sums of one group while a query reads, in fixed fields (a dictionary per row would
/// cost more than the scan); turned into ``SpendSums`` once per group.
private struct RollupTotals {
    var events: Int128 = 0
    var errors: Int128 = 0
    var unpriced: Int128 = 0
    var cost: Int128 = 0
    var tokens = [Int128](repeating: 0, count: LedgerSchema.tokenColumns.count)

    /// Adds the row's `events, errors, unpriced, cost_pico` and token columns, starting at `column`.
    mutating func add(_ row: SQLiteRow, from column: Int32) {
        events += Int128(row.int64(column))
        errors += Int128(row.int64(column + 1))
        unpriced += Int128(row.int64(column + 2))
        cost += Int128(row.int64(column + 3))
        for index in tokens.indices { tokens[index] += Int128(row.int64(column + 4 + Int32(index))) }
    }

    /// Counts beyond 64 bits (not reachable by real traffic) are clamped, never wrapped.
    var sums: SpendSums {
        func clamp(_ value: Int128) -> Int64 { Int64(clamping: value) }
        var sums = SpendSums()
        sums.events = clamp(events)
        sums.errors = clamp(errors)
        sums.unpriced = clamp(unpriced)
        sums.cost = Money(picoUSD: cost)
        for (index, name) in LedgerSchema.tokenColumns.enumerated() { sums.tokens[name] = clamp(tokens[index]) }
        return sums
    }
}
