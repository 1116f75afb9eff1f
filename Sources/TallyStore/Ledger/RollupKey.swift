import TallyCore

/// One rollup row's identity: an hour and a combination of the ledger's dimensions.
struct RollupKey: Hashable {
    var client: String
    var hourMicroseconds: Int64
    var provider: String
    var model: String
    var workflow: String
    var instance: String
    var apiKey: String
    var status: String
    var source: String

    static let microsecondsPerHour: Int64 = 3_600_000_000

    static func hour(of microseconds: Int64) -> Int64 {
        // Floor division: events before 1970 land in the right hour too.
        let quotient = microseconds / microsecondsPerHour
        return (microseconds % microsecondsPerHour < 0 ? quotient - 1 : quotient) * microsecondsPerHour
    }
}

/// The sums a rollup row holds; also the deltas an event or adjustment adds to one.
struct RollupSums {
    var events: Int64 = 0
    var errors: Int64 = 0
    var unpriced: Int64 = 0
    var costPico: Int64 = 0
    /// Business results (the events' `outcomes` counts).
    var outcomes: Int64 = 0
    /// In the order of ``LedgerSchema/tokenColumns``.
    var tokens = TokenUsage(requests: 0)

    mutating func add(_ other: RollupSums) {
        events += other.events
        errors += other.errors
        unpriced += other.unpriced
        costPico += other.costPico
        outcomes += other.outcomes
        tokens = tokens + other.tokens
    }

    var tokenValues: [any SQLiteBindable] {
        [tokens.inputTokens, tokens.cacheReadTokens, tokens.cacheWrite5mTokens, tokens.cacheWrite1hTokens,
         tokens.outputTokens, tokens.reasoningTokens, tokens.requests, tokens.webSearchCalls]
    }
}

/// Collects rollup deltas during one transaction and writes each touched row once at the end,
/// so a batch of a thousand events for a few clients costs a few upserts, not a thousand.
struct RollupAccumulator {
    private(set) var pending: [RollupKey: RollupSums] = [:]

    mutating func add(_ key: RollupKey, _ sums: RollupSums) {
        pending[key, default: RollupSums()].add(sums)
    }

    var isEmpty: Bool { pending.isEmpty }

    /// Upserts every pending row; call inside the transaction that wrote the events.
    mutating func flush(into connection: SQLiteConnection) throws {
        guard !pending.isEmpty else { return }
        let tokenColumns = LedgerSchema.tokenColumns
        let statement = try connection.statement("""
            INSERT INTO rollups (client, hour_us, provider, model, workflow, instance, api_key, status, source,
                                 events, errors, unpriced, cost_pico, outcomes, \(tokenColumns.joined(separator: ", ")))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \(tokenColumns.map { _ in "?" }.joined(separator: ", ")))
            ON CONFLICT (client, hour_us, provider, model, workflow, instance, api_key, status, source) DO UPDATE SET
                events = events + excluded.events, errors = errors + excluded.errors,
                unpriced = unpriced + excluded.unpriced, cost_pico = cost_pico + excluded.cost_pico, outcomes = outcomes + excluded.outcomes,
                \(tokenColumns.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", "))
            """)
        for (key, sums) in pending {
            var values: [any SQLiteBindable] = [
                key.client, key.hourMicroseconds, key.provider, key.model, key.workflow, key.instance, key.apiKey,
                key.status, key.source, sums.events, sums.errors, sums.unpriced, sums.costPico, sums.outcomes,
            ]
            values.append(contentsOf: sums.tokenValues)
            try statement.execute(values)
        }
        pending.removeAll(keepingCapacity: true)
    }
}
