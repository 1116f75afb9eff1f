import TallyCore

/// What one execution adds to the execution rollups: one run (and one retry, if it is one) of a
/// workflow in a status, in the hour it started, with its events' LLM cost and outcomes.
struct ExecutionContribution: Hashable {
    var key: ExecutionRollupKey
    var isRetry: Bool
    var costPico: Int64
    var outcomes: Int64
}

/// One execution rollup row's identity.
struct ExecutionRollupKey: Hashable {
    /// The run's client or its events' (empty: neither says; reports resolve it by workflow).
    var client: String
    var hourMicroseconds: Int64
    var workflow: String
    var status: String
}

/// The sums an execution rollup row holds; also the deltas a contribution adds.
struct ExecutionRollupSums {
    var executions: Int64 = 0
    var retries: Int64 = 0
    var costPico: Int64 = 0
    var retryCostPico: Int64 = 0
    var outcomes: Int64 = 0
}

extension AgencyDatabase {
    /// Adds (`sign` 1) or takes out (`sign` -1) one execution's contribution, in the current transaction.
    func book(_ contribution: ExecutionContribution, sign: Int64) {
        var sums = executionRollups[contribution.key] ?? ExecutionRollupSums()
        sums.executions += sign
        sums.retries += contribution.isRetry ? sign : 0
        sums.costPico += sign * contribution.costPico
        sums.retryCostPico += contribution.isRetry ? sign * contribution.costPico : 0
        sums.outcomes += sign * contribution.outcomes
        executionRollups[contribution.key] = sums
    }

    /// Writes the execution spend deltas of this transaction, then moves each touched execution's
    /// contribution to its new cost and client.
    func flushExecutionSpend() throws {
        guard !executionSpend.pending.isEmpty else { return }
        let upsert = try connection.statement("""
            INSERT INTO execution_spend (instance, execution_id, client, workflow, events, unpriced, cost_pico, outcomes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (instance, execution_id) DO UPDATE SET
                client = COALESCE(excluded.client, client), events = events + excluded.events,
                unpriced = unpriced + excluded.unpriced, cost_pico = cost_pico + excluded.cost_pico,
                outcomes = outcomes + excluded.outcomes
            """)
        for (key, delta) in executionSpend.pending {
            try upsert.execute([key.instance, key.executionID, delta.client, delta.workflow, delta.events, delta.unpriced, delta.costPico, delta.outcomes])
        }
        let keys = Array(executionSpend.pending.keys)
        executionSpend.removeAll()
        let read = try connection.statement("""
            SELECT x.workflow, x.status, x.started_us, x.retry_of IS NOT NULL, x.client, x.booked_client, x.booked_cost, x.booked_outcomes,
                   NULLIF(s.client, ''), s.cost_pico, s.outcomes
            FROM executions x JOIN execution_spend s ON s.instance = x.instance AND s.execution_id = x.execution_id
            WHERE x.instance = ? AND x.execution_id = ?
            """)
        let rebook = try connection.statement("UPDATE executions SET booked_client = ?, booked_cost = ?, booked_outcomes = ? WHERE instance = ? AND execution_id = ?")
        for key in keys {
            let row = try read.firstRow([key.instance, key.executionID]) { row in
                (workflow: row.string(0), status: row.string(1), hour: RollupKey.hour(of: row.int64(2)), retry: row.int64(3) != 0,
                 client: row.optionalString(4), bookedClient: row.string(5), bookedCost: row.int64(6), bookedOutcomes: row.int64(7),
                 spendClient: row.optionalString(8), cost: row.int64(9), outcomes: row.int64(10))
            }
            // Events of a run not (yet) polled or pushed: counted once the run arrives.
            guard let row else { continue }
            let old = ExecutionContribution(
                key: .init(client: row.bookedClient, hourMicroseconds: row.hour, workflow: row.workflow, status: row.status),
                isRetry: row.retry, costPico: row.bookedCost, outcomes: row.bookedOutcomes)
            var new = old
            new.key.client = row.client ?? row.spendClient ?? ""
            new.costPico = row.cost
            new.outcomes = row.outcomes
            guard new != old else { continue }
            book(old, sign: -1)
            book(new, sign: 1)
            try rebook.execute([new.key.client, new.costPico, new.outcomes, key.instance, key.executionID])
        }
    }

    /// Writes the execution rollup rows this transaction touched.
    func flushExecutionRollups() throws {
        guard !executionRollups.isEmpty else { return }
        let statement = try connection.statement("""
            INSERT INTO execution_rollups (client, hour_us, workflow, status, executions, retries, cost_pico, retry_cost_pico, outcomes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (hour_us, client, workflow, status) DO UPDATE SET
                executions = executions + excluded.executions, retries = retries + excluded.retries,
                cost_pico = cost_pico + excluded.cost_pico, retry_cost_pico = retry_cost_pico + excluded.retry_cost_pico,
                outcomes = outcomes + excluded.outcomes
            """)
        for (key, sums) in executionRollups {
            try statement.execute([key.client, key.hourMicroseconds, key.workflow, key.status, sums.executions, sums.retries,
                                   sums.costPico, sums.retryCostPico, sums.outcomes])
        }
        executionRollups.removeAll(keepingCapacity: true)
    }
}
