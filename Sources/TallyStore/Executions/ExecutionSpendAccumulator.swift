/// Collects the LLM spend deltas of the executions a transaction touches (events booked,
/// repriced or re-attributed) and writes each execution's row once at the end, like
/// ``RollupAccumulator``; ``AgencyDatabase/flushExecutionSpend()`` then refreshes what those
/// executions add to the execution rollups.
struct ExecutionSpendAccumulator {
    struct Key: Hashable {
        var instance: String
        var executionID: String
    }

    struct Delta {
        /// The client the execution's events now count for (`nil`: unchanged).
        var client: String?
        var workflow: String
        var events: Int64 = 0
        var unpriced: Int64 = 0
        var costPico: Int64 = 0
        var outcomes: Int64 = 0
    }

    private(set) var pending: [Key: Delta] = [:]

    mutating func add(_ key: Key, client: String?, workflow: String, events: Int64 = 1, unpriced: Int64, costPico: Int64, outcomes: Int64) {
        var delta = pending[key] ?? Delta(client: client, workflow: workflow)
        delta.client = client ?? delta.client
        delta.events += events
        delta.unpriced += unpriced
        delta.costPico += costPico
        delta.outcomes += outcomes
        pending[key] = delta
    }

    mutating func removeAll() { pending.removeAll(keepingCapacity: true) }
}
