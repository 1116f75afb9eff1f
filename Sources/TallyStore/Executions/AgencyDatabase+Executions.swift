import TallyCore
import TallyJSON

/// What storing one execution did.
public enum ExecutionWriteOutcome: String, Sendable {
    /// A new execution.
    case inserted
    /// A known execution that changed (a run that finished, a status corrected).
    case updated
    /// A known execution sent again unchanged.
    case unchanged
}

/// Executions of one (client, workflow, status) in a period, with the LLM spend they carried.
public struct ExecutionGroup: Sendable, Hashable {
    /// The client: given with the execution, else that of its LLM events, else the client whose
    /// profile names the workflow; `nil` when none says.
    public var client: String?
    public var workflow: String
    public var workflowName: String?
    public var status: ExecutionStatus
    public var executions: Int64
    /// Executions that retry an earlier one.
    public var retries: Int64
    /// LLM cost of these executions' events.
    public var cost: Money
    /// LLM cost of the retries among them.
    public var retryCost: Money
    /// Business results their events reported.
    public var outcomes: Int64
}

extension AgencyDatabase {
    /// Stores executions, polled or pushed: new ones are inserted, known ones updated (a run
    /// that finished since the last poll). One transaction.
    public func upsertExecutions(_ executions: [Execution], source: String) throws -> [ExecutionWriteOutcome] {
        try connection.transaction {
            let read = try connection.statement("""
                SELECT workflow, workflow_name, status, started_us, stopped_us, mode, retry_of, client
                FROM executions WHERE instance = ? AND execution_id = ?
                """)
            let write = try connection.statement("""
                INSERT INTO executions (instance, execution_id, workflow, workflow_name, status, started_us, stopped_us, mode,
                                        retry_of, client, source, updated_us)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (instance, execution_id) DO UPDATE SET
                    workflow = excluded.workflow, workflow_name = COALESCE(excluded.workflow_name, workflow_name),
                    status = excluded.status, started_us = excluded.started_us, stopped_us = excluded.stopped_us,
                    mode = COALESCE(excluded.mode, mode), retry_of = COALESCE(excluded.retry_of, retry_of),
                    client = COALESCE(excluded.client, client), updated_us = excluded.updated_us
                """)
            let now = Timestamp.now.microsecondsSinceEpoch
            return try executions.map { execution in
                let stored = try read.firstRow([execution.instance, execution.id]) { row in
                    Execution(
                        instance: execution.instance, id: execution.id, workflowID: row.string(0), workflowName: row.optionalString(1),
                        status: ExecutionStatus(rawValue: row.string(2)) ?? .unknown,
                        startedAt: Timestamp(microsecondsSinceEpoch: row.int64(3)),
                        stoppedAt: row.optionalInt64(4).map(Timestamp.init(microsecondsSinceEpoch:)), mode: row.optionalString(5),
                        retryOf: row.optionalString(6), client: row.optionalString(7))
                }
                var merged = execution
                if let stored {
                    merged.workflowName = execution.workflowName ?? stored.workflowName
                    merged.mode = execution.mode ?? stored.mode
                    merged.retryOf = execution.retryOf ?? stored.retryOf
                    merged.client = execution.client ?? stored.client
                    if merged == stored { return .unchanged }
                }
                try write.execute([
                    execution.instance, execution.id, execution.workflowID, execution.workflowName, execution.status.rawValue,
                    execution.startedAt.microsecondsSinceEpoch, execution.stoppedAt?.microsecondsSinceEpoch, execution.mode,
                    execution.retryOf, execution.client, source, now,
                ])
                if let client = execution.client, !knownClients.contains(client) { try noteClientSeen(client) }
                return stored == nil ? .inserted : .updated
            }
        }
    }

    /// The SQL for an execution's client: given, else its events', else the profile naming its workflow.
    static let executionClientSQL = """
        COALESCE(x.client, s.client, (SELECT w.client FROM client_workflows w WHERE w.workflow = x.workflow ORDER BY w.client LIMIT 1))
        """

    /// Executions started in `[from, to)`, newest first, with their client and LLM cost; paged by `cursor`
    /// (the `started_us:instance:id` of the last row of the previous page is not needed: an offset).
    public func executions(from: Timestamp, to: Timestamp, client: String?, workflow: String?, status: ExecutionStatus?,
                           offset: Int, limit: Int) throws -> [JSONValue] {
        var sql = """
            SELECT x.instance, x.execution_id, x.workflow, COALESCE(x.workflow_name, n.name), x.status, x.started_us, x.stopped_us,
                   x.mode, x.retry_of, \(Self.executionClientSQL), x.source, s.events, s.cost_pico, s.unpriced
            FROM executions x LEFT JOIN execution_spend s ON s.instance = x.instance AND s.execution_id = x.execution_id
            LEFT JOIN workflow_names n ON n.workflow = x.workflow
            WHERE x.started_us >= ? AND x.started_us < ?
            """
        var values: [any SQLiteBindable] = [from.microsecondsSinceEpoch, to.microsecondsSinceEpoch]
        if let client {
            sql += " AND \(Self.executionClientSQL) = ?"
            values.append(client)
        }
        if let workflow {
            sql += " AND x.workflow = ?"
            values.append(workflow)
        }
        if let status {
            sql += " AND x.status = ?"
            values.append(status.rawValue)
        }
        sql += " ORDER BY x.started_us DESC, x.instance, x.execution_id LIMIT ? OFFSET ?"
        values.append(limit)
        values.append(offset)
        return try connection.statement(sql).rows(values) { row in
            [
                "instance": .string(row.string(0)), "id": .string(row.string(1)), "workflow": .string(row.string(2)),
                "workflow_name": row.optionalString(3).map(JSONValue.string) ?? .null, "status": .string(row.string(4)),
                "started_at": .string(Timestamp(microsecondsSinceEpoch: row.int64(5)).rfc3339),
                "stopped_at": row.optionalInt64(6).map { .string(Timestamp(microsecondsSinceEpoch: $0).rfc3339) } ?? .null,
                "mode": row.optionalString(7).map(JSONValue.string) ?? .null,
                "retry_of": row.optionalString(8).map(JSONValue.string) ?? .null,
                "client": row.optionalString(9).map(JSONValue.string) ?? .null, "source": .string(row.string(10)),
                "llm_events": .integer(row.optionalInt64(11) ?? 0),
                "llm_cost": Money(picoUSD: Int128(row.optionalInt64(12) ?? 0)).jsonValue,
                "unpriced": .integer(row.optionalInt64(13) ?? 0),
            ]
        }
    }

    /// Executions started in `[from, to)` grouped by client, workflow and status, with their LLM cost.
    public func executionGroups(from: Timestamp, to: Timestamp) throws -> [ExecutionGroup] {
        try connection.statement("""
            SELECT \(Self.executionClientSQL) AS owner, x.workflow, MAX(COALESCE(x.workflow_name, n.name)), x.status, COUNT(*),
                   SUM(x.retry_of IS NOT NULL), SUM(COALESCE(s.cost_pico, 0)),
                   SUM(CASE WHEN x.retry_of IS NOT NULL THEN COALESCE(s.cost_pico, 0) ELSE 0 END), SUM(COALESCE(s.outcomes, 0))
            FROM executions x LEFT JOIN execution_spend s ON s.instance = x.instance AND s.execution_id = x.execution_id
            LEFT JOIN workflow_names n ON n.workflow = x.workflow
            WHERE x.started_us >= ? AND x.started_us < ?
            GROUP BY owner, x.workflow, x.status
            """).rows([from.microsecondsSinceEpoch, to.microsecondsSinceEpoch]) { row in
            ExecutionGroup(
                client: row.optionalString(0), workflow: row.string(1), workflowName: row.optionalString(2),
                status: ExecutionStatus(rawValue: row.string(3)) ?? .unknown, executions: row.int64(4), retries: row.int64(5),
                cost: Money(picoUSD: Int128(row.int64(6))), retryCost: Money(picoUSD: Int128(row.int64(7))), outcomes: row.int64(8))
        }
    }

    /// Business results reported by events in `[from, to)` (whole hours), by client and workflow.
    public func outcomes(from: Timestamp, to: Timestamp) throws -> [(client: String?, workflow: String, outcomes: Int64)] {
        try connection.statement("""
            SELECT client, workflow, SUM(outcomes) FROM rollups WHERE hour_us >= ? AND hour_us < ? AND outcomes != 0
            GROUP BY client, workflow
            """).rows([from.microsecondsSinceEpoch, to.microsecondsSinceEpoch]) { row in
            let client = row.string(0)
            return (client.isEmpty ? nil : client, row.string(1), row.int64(2))
        }
    }
}
