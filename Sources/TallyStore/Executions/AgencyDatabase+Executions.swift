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
    /// that finished since the last poll), and their contribution to the execution rollups moved
    /// along. One transaction.
    public func upsertExecutions(_ executions: [Execution], source: String) throws -> [ExecutionWriteOutcome] {
        try transaction {
            let read = try connection.statement("""
                SELECT x.workflow, x.workflow_name, x.status, x.started_us, x.stopped_us, x.mode, x.retry_of, x.client,
                       x.booked_client, x.booked_cost, x.booked_outcomes
                FROM executions x WHERE x.instance = ? AND x.execution_id = ?
                """)
            let spend = try connection.statement("SELECT NULLIF(client, ''), cost_pico, outcomes FROM execution_spend WHERE instance = ? AND execution_id = ?")
            let write = try connection.statement("""
                INSERT INTO executions (instance, execution_id, workflow, workflow_name, status, started_us, stopped_us, mode,
                                        retry_of, client, source, updated_us, booked_client, booked_cost, booked_outcomes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (instance, execution_id) DO UPDATE SET
                    workflow = excluded.workflow, workflow_name = excluded.workflow_name, status = excluded.status,
                    started_us = excluded.started_us, stopped_us = excluded.stopped_us, mode = excluded.mode,
                    retry_of = excluded.retry_of, client = excluded.client, updated_us = excluded.updated_us,
                    booked_client = excluded.booked_client, booked_cost = excluded.booked_cost, booked_outcomes = excluded.booked_outcomes
                """)
            let now = Timestamp.now.microsecondsSinceEpoch
            return try executions.map { execution in
                let stored = try read.firstRow([execution.instance, execution.id]) { row in
                    (execution: Execution(
                        instance: execution.instance, id: execution.id, workflowID: row.string(0), workflowName: row.optionalString(1),
                        status: ExecutionStatus(rawValue: row.string(2)) ?? .unknown,
                        startedAt: Timestamp(microsecondsSinceEpoch: row.int64(3)),
                        stoppedAt: row.optionalInt64(4).map(Timestamp.init(microsecondsSinceEpoch:)), mode: row.optionalString(5),
                        retryOf: row.optionalString(6), client: row.optionalString(7)),
                     booked: (client: row.string(8), cost: row.int64(9), outcomes: row.int64(10)))
                }
                var merged = execution
                if let stored {
                    merged.workflowName = execution.workflowName ?? stored.execution.workflowName
                    merged.mode = execution.mode ?? stored.execution.mode
                    merged.retryOf = execution.retryOf ?? stored.execution.retryOf
                    merged.client = execution.client ?? stored.execution.client
                    if merged == stored.execution { return .unchanged }
                }
                let spent = try spend.firstRow([execution.instance, execution.id]) { row in
                    (client: row.optionalString(0), cost: row.int64(1), outcomes: row.int64(2))
                }
                let new = ExecutionContribution(
                    key: .init(client: merged.client ?? spent?.client ?? "", hourMicroseconds: RollupKey.hour(of: merged.startedAt.microsecondsSinceEpoch),
                               workflow: merged.workflowID, status: merged.status.rawValue),
                    isRetry: merged.retryOf != nil, costPico: spent?.cost ?? 0, outcomes: spent?.outcomes ?? 0)
                if let stored {
                    book(ExecutionContribution(
                        key: .init(client: stored.booked.client, hourMicroseconds: RollupKey.hour(of: stored.execution.startedAt.microsecondsSinceEpoch),
                                   workflow: stored.execution.workflowID, status: stored.execution.status.rawValue),
                        isRetry: stored.execution.retryOf != nil, costPico: stored.booked.cost, outcomes: stored.booked.outcomes), sign: -1)
                }
                book(new, sign: 1)
                try write.execute([
                    merged.instance, merged.id, merged.workflowID, merged.workflowName, merged.status.rawValue,
                    merged.startedAt.microsecondsSinceEpoch, merged.stoppedAt?.microsecondsSinceEpoch, merged.mode,
                    merged.retryOf, merged.client, source, now, new.key.client, new.costPico, new.outcomes,
                ])
                if let name = merged.workflowName, workflowNames[merged.workflowID] != name {
                    try connection.statement("INSERT INTO workflow_names (workflow, name) VALUES (?, ?) ON CONFLICT (workflow) DO UPDATE SET name = excluded.name")
                        .execute([merged.workflowID, name])
                    workflowNames[merged.workflowID] = name
                }
                if let client = merged.client, !knownClients.contains(client) { try noteClientSeen(client) }
                return stored == nil ? .inserted : .updated
            }
        }
    }

    /// The SQL for an execution's client: given, else its events', else the profile naming its workflow.
    static let executionClientSQL = """
        COALESCE(x.client, NULLIF(s.client, ''), (SELECT w.client FROM client_workflows w WHERE w.workflow = x.workflow ORDER BY w.client LIMIT 1))
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

    /// Executions started in `[from, to)` (whole hours) grouped by client, workflow and status,
    /// with their LLM cost, from the execution rollups (only `client`'s when given). A run whose
    /// client neither it nor its events name belongs to the client whose profile lists its workflow.
    public func executionGroups(from: Timestamp, to: Timestamp, client: String? = nil) throws -> [ExecutionGroup] {
        var owners: [String: String] = [:]
        try connection.statement("SELECT workflow, MIN(client) FROM client_workflows GROUP BY workflow").forEachRow { owners[$0.string(0)] = $0.string(1) }
        let names = try storedWorkflowNames()
        let range: [any SQLiteBindable] = [RollupKey.hour(of: from.microsecondsSinceEpoch), RollupKey.hour(of: to.microsecondsSinceEpoch)]
        let columns = "client, workflow, status, executions, retries, cost_pico, retry_cost_pico, outcomes"
        let statement = client == nil
            ? try connection.statement("SELECT \(columns) FROM execution_rollups WHERE hour_us >= ? AND hour_us < ?")
            : try connection.statement("SELECT \(columns) FROM execution_rollups WHERE client IN (?, '') AND hour_us >= ? AND hour_us < ?")
        struct Key: Hashable {
            var client: String?
            var workflow: String
            var status: String
        }
        var groups: [Key: ExecutionGroup] = [:]
        try statement.forEachRow(client.map { [$0] + range } ?? range) { row in
            let workflow = row.string(1)
            let owner = row.string(0).isEmpty ? owners[workflow] : row.string(0)
            if let client, owner != client { return }
            let key = Key(client: owner, workflow: workflow, status: row.string(2))
            var group = groups[key] ?? ExecutionGroup(
                client: owner, workflow: workflow, workflowName: names[workflow], status: ExecutionStatus(rawValue: key.status) ?? .unknown,
                executions: 0, retries: 0, cost: .zero, retryCost: .zero, outcomes: 0)
            group.executions += row.int64(3)
            group.retries += row.int64(4)
            group.cost += Money(picoUSD: Int128(row.int64(5)))
            group.retryCost += Money(picoUSD: Int128(row.int64(6)))
            group.outcomes += row.int64(7)
            groups[key] = group
        }
        return groups.values.filter { $0.executions != 0 }
            .sorted { ($0.client ?? "", $0.workflow, $0.status.rawValue) < ($1.client ?? "", $1.workflow, $1.status.rawValue) }
    }
}
