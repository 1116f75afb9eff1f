import Foundation
import TallyCore

/// A question to the ledger: spend over a half-open time range, grouped and filtered.
public struct SpendQuery: Sendable {
    /// A dimension to group or filter by.
    public enum Dimension: String, Sendable, Hashable, CaseIterable {
        case client, provider, model, workflow, instance
        case apiKey = "api_key"
        case status, source
    }

    /// A time bucket, in the query's timezone.
    public enum Bucket: String, Sendable, Hashable, CaseIterable {
        case hour, day, week, month
    }

    public var from: Timestamp
    public var to: Timestamp
    public var groupBy: [Dimension]
    public var bucket: Bucket?
    /// Rows must match one of the values of every filtered dimension. The client
    /// "unattributed" (or an empty string) selects unattributed spend.
    public var filters: [Dimension: [String]]
    public var timeZone: TimeZone
    /// The most rows returned (largest cost first); the total covers every row.
    public var limit: Int

    public init(from: Timestamp, to: Timestamp, groupBy: [Dimension] = [], bucket: Bucket? = nil,
                filters: [Dimension: [String]] = [:], timeZone: TimeZone = TimeZone(identifier: "UTC")!, limit: Int = 1_000) {
        self.from = from
        self.to = to
        self.groupBy = groupBy
        self.bucket = bucket
        self.filters = filters
        self.timeZone = timeZone
        self.limit = limit
    }
}

/// Sums over a set of ledger rows. Money sums are Int128: no overflow.
public struct SpendSums: Sendable, Hashable {
    public var events: Int64 = 0
    public var errors: Int64 = 0
    /// Events still without a price: their cost is not in ``cost``, never counted as $0.
    public var unpriced: Int64 = 0
    public var cost: Money = .zero
    /// Token counts by the names of the canonical taxonomy (`input_tokens`, ...).
    public var tokens: [String: Int64] = [:]

    public init() {}

    /// Nothing counted: no events, cost or tokens (a group emptied by re-attribution).
    public var isEmpty: Bool {
        events == 0 && errors == 0 && unpriced == 0 && cost.isZero && tokens.values.allSatisfy { $0 == 0 }
    }

    mutating func add(_ other: SpendSums) {
        events += other.events
        errors += other.errors
        unpriced += other.unpriced
        cost += other.cost
        for (name, count) in other.tokens { tokens[name, default: 0] += count }
    }
}

/// One group of a spend query's answer.
public struct SpendRow: Sendable, Hashable {
    /// The group's value per grouped dimension; `nil` for unattributed spend or a missing value.
    public var keys: [SpendQuery.Dimension: String?]
    /// The bucket's start (UTC) and its local label ("2026-11-03", "2026-W45", "2026-11", "2026-11-03T14:00").
    public var bucketStart: Timestamp?
    public var bucketLabel: String?
    public var sums: SpendSums
}

/// A spend query's answer.
public struct SpendResult: Sendable {
    public var rows: [SpendRow]
    public var total: SpendSums
    /// More groups existed than `limit`.
    public var truncated: Bool
    /// Whether the answer came from hourly rollups (fast) or from the events (a timezone whose
    /// offset is not a whole number of hours needs the events).
    public var servedFromRollups: Bool
}
