import TallyCore
import TallyJSON

extension AgencyDatabase {
    /// Why an entry could not be written (its batch-mates are unaffected).
    public enum WriteError: Error, CustomStringConvertible {
        /// One event's cost does not fit the ledger's 64-bit pico-USD column (over 9.2 million USD).
        case costOutOfRange(eventID: String)

        public var description: String {
            switch self {
            case .costOutOfRange(let id): "event '\(id)': the cost exceeds the largest amount one event may carry"
            }
        }
    }

    /// Writes entries in the current transaction: claims each `(source, id)`, stores the event and
    /// its charge, and queues the rollup deltas (flushed by ``flushRollups()`` before commit).
    ///
    /// A `(source, id)` claimed before answers ``WriteOutcome/duplicate(_:)`` with the original.
    public func write(_ entry: LedgerEntry) throws -> WriteOutcome {
        try insert(entry, costPico: try entry.cost.map(Self.pico(eventID: entry.event.id)))
    }

    private func insert(_ entry: LedgerEntry, costPico: Int64?) throws -> WriteOutcome {
        let event = entry.event
        let usage = event.usage
        let insert = try cachedStatement(\.insertEvent, """
            INSERT INTO events (source, event_id, ts_us, received_us, provider, model, resolved_model, client,
                attribution_reason, rule_version, attribution_error, workflow, workflow_name, instance, execution_id,
                api_key, api_key_fingerprinted, status, service_tier, input_tokens, cache_read_tokens,
                cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, requests,
                web_search_calls, cost_pico, computed_cost_pico, reported_cost_pico, cost_basis, price_version,
                pricing_note, raw, outcomes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (source, event_id) DO NOTHING
            """)
        let values: [any SQLiteBindable] = [
            event.source, event.id, event.timestamp.microsecondsSinceEpoch, entry.receivedAt.microsecondsSinceEpoch,
            event.provider, event.model, entry.resolvedModel, entry.client, entry.attributionReason, entry.ruleVersion,
            entry.attributionError, event.workflowKey ?? "", event.workflowName, event.instance ?? "", event.executionID,
            event.apiKey ?? "", event.apiKeyWasFingerprinted, event.status.rawValue, event.serviceTier.rawValue,
            usage.inputTokens, usage.cacheReadTokens, usage.cacheWrite5mTokens, usage.cacheWrite1hTokens,
            usage.outputTokens, usage.reasoningTokens, usage.requests, usage.webSearchCalls,
            costPico, try entry.computedCost.map(Self.pico(eventID: event.id)),
            try event.reportedCost.map(Self.pico(eventID: event.id)), entry.costBasis.rawValue, entry.priceVersion,
            entry.pricingNote, event.raw.jsonText, event.outcomeCount,
        ]
        try insert.execute(values)
        guard connection.changes > 0 else {
            guard let original = try storedSummary(source: event.source, id: event.id) else {
                throw SQLiteError(code: .error, message: "event '\(event.id)' conflicted but is not stored")
            }
            return .duplicate(original)
        }
        let sequence = connection.lastInsertRowID
        var sums = RollupSums()
        sums.events = 1
        sums.errors = event.status == .error ? 1 : 0
        sums.unpriced = costPico == nil ? 1 : 0
        sums.costPico = costPico ?? 0
        sums.outcomes = event.outcomeCount
        sums.tokens = usage
        rollups.add(RollupKey(
            client: entry.client ?? "", hourMicroseconds: RollupKey.hour(of: event.timestamp.microsecondsSinceEpoch),
            provider: event.provider, model: event.model, workflow: event.workflowKey ?? "", instance: event.instance ?? "",
            apiKey: event.apiKey ?? "", status: event.status.rawValue, source: event.source), sums)
        if let executionID = event.executionID {
            executionSpend.add(.init(instance: event.instance ?? "", executionID: executionID), client: entry.client,
                               workflow: event.workflowKey ?? "", unpriced: costPico == nil ? 1 : 0, costPico: costPico ?? 0,
                               outcomes: event.outcomeCount)
        }
        if let client = entry.client, !knownClients.contains(client) {
            try noteClientSeen(client)
        }
        if let workflowID = event.workflowID, let name = event.workflowName, workflowNames[workflowID] != name {
            try connection.statement("INSERT INTO workflow_names (workflow, name) VALUES (?, ?) ON CONFLICT (workflow) DO UPDATE SET name = excluded.name")
                .execute([workflowID, name])
            workflowNames[workflowID] = name
        }
        return .accepted(StoredEventSummary(
            sequence: sequence, client: entry.client, cost: entry.cost, costBasis: entry.costBasis,
            priceVersion: entry.priceVersion, ruleVersion: entry.ruleVersion, apiKeyWasFingerprinted: event.apiKeyWasFingerprinted))
    }

    /// Writes the rollup rows the entries of this transaction touched.
    public func flushRollups() throws {
        try rollups.flush(into: connection)
        try flushExecutionSpend()
        try flushExecutionRollups()
    }

    /// The ledger's answer for a stored event, with any adjustments applied.
    public func storedSummary(source: String, id: String) throws -> StoredEventSummary? {
        try connection.statement("""
            SELECT e.seq, e.client, e.cost_pico, e.cost_basis, e.price_version, e.rule_version, e.api_key_fingerprinted,
                   (SELECT a.client FROM adjustments a WHERE a.event_seq = e.seq AND a.kind = 'reattribute' AND a.event_delta > 0 ORDER BY a.seq DESC LIMIT 1),
                   (SELECT SUM(a.cost_delta_pico) FROM adjustments a WHERE a.event_seq = e.seq AND a.kind = 'reprice'),
                   (SELECT a.price_version FROM adjustments a WHERE a.event_seq = e.seq AND a.kind = 'reprice' ORDER BY a.seq DESC LIMIT 1)
            FROM events e WHERE e.source = ? AND e.event_id = ?
            """).firstRow([source, id]) { row in
            var cost = row.optionalInt64(2).map { Money(picoUSD: Int128($0)) }
            var basis = CostBasis(rawValue: row.string(3)) ?? .unpriced
            var priceVersion = row.optionalString(4)
            if let repriced = row.optionalInt64(8) {
                cost = Money(picoUSD: Int128(repriced)) + (cost ?? .zero)
                if basis == .unpriced { basis = .catalog }
                priceVersion = row.optionalString(9) ?? priceVersion
            }
            return StoredEventSummary(
                sequence: row.int64(0), client: row.optionalString(7) ?? row.optionalString(1), cost: cost, costBasis: basis,
                priceVersion: priceVersion, ruleVersion: row.optionalString(5), apiKeyWasFingerprinted: row.int64(6) != 0)
        }
    }

    static func pico(eventID: String) -> (Money) throws -> Int64 {
        { money in
            guard let value = Int64(exactly: money.picoUSD) else { throw WriteError.costOutOfRange(eventID: eventID) }
            return value
        }
    }
}
