/// Collects the LLM cost of the executions a transaction's events belong to, and writes each
/// execution's row once at the end (like ``RollupAccumulator``).
struct ExecutionSpendAccumulator {
    struct Key: Hashable {
        var instance: String
        var executionID: String
    }

    struct Sums {
        var client: String?
        var workflow: String
        var events: Int64 = 0
        var unpriced: Int64 = 0
        var costPico: Int64 = 0
        var outcomes: Int64 = 0
    }

    private var pending: [Key: Sums] = [:]

    mutating func add(_ key: Key, client: String?, workflow: String, costPico: Int64?, outcomes: Int64) {
        var sums = pending[key] ?? Sums(client: client, workflow: workflow)
        sums.client = client ?? sums.client
        sums.events += 1
        sums.unpriced += costPico == nil ? 1 : 0
        sums.costPico += costPico ?? 0
        sums.outcomes += outcomes
        pending[key] = sums
    }

    /// Upserts every pending row; call inside the transaction that wrote the events.
    mutating func flush(into connection: SQLiteConnection) throws {
        guard !pending.isEmpty else { return }
        let statement = try connection.statement("""
            INSERT INTO execution_spend (instance, execution_id, client, workflow, events, unpriced, cost_pico, outcomes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (instance, execution_id) DO UPDATE SET
                client = COALESCE(excluded.client, client), events = events + excluded.events,
                unpriced = unpriced + excluded.unpriced, cost_pico = cost_pico + excluded.cost_pico,
                outcomes = outcomes + excluded.outcomes
            """)
        for (key, sums) in pending {
            try statement.execute([key.instance, key.executionID, sums.client, sums.workflow, sums.events, sums.unpriced, sums.costPico, sums.outcomes])
        }
        pending.removeAll(keepingCapacity: true)
    }
}
