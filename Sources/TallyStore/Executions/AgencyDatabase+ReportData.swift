import TallyCore

/// One group of a report's spend: a client (nil: unattributed), provider, model and workflow on
/// one UTC day.
public struct ReportSpendKey: Hashable, Sendable {
    public var client: String?
    public var provider: String
    public var model: String
    public var workflow: String
    /// Days since 1970-01-01 (UTC).
    public var day: Int64
}

/// The sums of a ``ReportSpendKey``.
public struct ReportSpendSums: Sendable {
    public var events: Int64 = 0
    public var unpriced: Int64 = 0
    public var cost = Money.zero
    public var outcomes: Int64 = 0

    public init() {}
}

extension AgencyDatabase {
    /// Spend in the whole hours of `[from, to)` by client, provider, model, workflow and UTC day,
    /// from the rollups: one scan of the covering `rollups_by_hour` index for the agency, or of the
    /// client's rows. Aggregated here rather than by SQL's GROUP BY, which costs twice the scan.
    public func reportSpend(from: Timestamp, to: Timestamp, client: String? = nil) throws -> [ReportSpendKey: ReportSpendSums] {
        let range: [any SQLiteBindable] = [RollupKey.hour(of: from.microsecondsSinceEpoch), RollupKey.hour(of: to.microsecondsSinceEpoch)]
        let statement = client == nil
            ? try connection.statement("""
                SELECT client, provider, model, workflow, hour_us, events, unpriced, cost_pico, outcomes
                FROM rollups INDEXED BY rollups_by_hour WHERE hour_us >= ? AND hour_us < ?
                """)
            : try connection.statement("""
                SELECT client, provider, model, workflow, hour_us, events, unpriced, cost_pico, outcomes
                FROM rollups WHERE client = ? AND hour_us >= ? AND hour_us < ?
                """)
        var groups: [ReportSpendKey: ReportSpendSums] = [:]
        try statement.forEachRow(client.map { [$0] + range } ?? range) { row in
            let hour = row.int64(4)
            let day = hour / Timestamp.microsecondsPerDay - (hour % Timestamp.microsecondsPerDay < 0 ? 1 : 0)
            let owner = row.string(0)
            let key = ReportSpendKey(client: owner.isEmpty ? nil : owner, provider: row.string(1), model: row.string(2), workflow: row.string(3), day: day)
            var sums = groups[key] ?? ReportSpendSums()
            sums.events += row.int64(5)
            sums.unpriced += row.int64(6)
            sums.cost += Money(picoUSD: Int128(row.int64(7)))
            sums.outcomes += row.int64(8)
            groups[key] = sums
        }
        return groups
    }
}
