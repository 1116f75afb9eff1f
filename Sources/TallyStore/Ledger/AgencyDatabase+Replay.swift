import TallyCore
import TallyJSON

/// A stored event as a re-attribution needs it: what was received and where it counts now.
public struct ReplayCandidate: Sendable {
    public var sequence: Int64
    /// The event as received.
    public var raw: String
    public var receivedAt: Timestamp
    /// The client the event counts for now (after earlier re-attributions); `nil`: unattributed.
    public var currentClient: String?
    /// The cost the event counts for now (after repricing); 0 while unpriced.
    public var currentCostPico: Int64
    public var isUnpriced: Bool
    fileprivate var timestamp: Int64
    fileprivate var dimensions: RollupKey
    fileprivate var tokens: TokenUsage
    fileprivate var isError: Bool
    fileprivate var outcomes: Int64
    fileprivate var executionID: String?
}

extension AgencyDatabase {
    /// Events in `[from, to)` after sequence `after`, in storage order, with their current client and cost.
    public func replayCandidates(from: Timestamp, to: Timestamp, after: Int64, limit: Int) throws -> [ReplayCandidate] {
        try connection.statement("""
            SELECT e.seq, e.raw, e.received_us, e.ts_us, e.provider, e.model, e.workflow, e.instance, e.api_key, e.status, e.source,
                   e.input_tokens, e.cache_read_tokens, e.cache_write_5m_tokens, e.cache_write_1h_tokens, e.output_tokens,
                   e.reasoning_tokens, e.requests, e.web_search_calls, e.client, e.cost_pico,
                   (SELECT a.client FROM adjustments a WHERE a.event_seq = e.seq AND a.kind = 'reattribute' AND a.event_delta > 0 ORDER BY a.seq DESC LIMIT 1),
                   (SELECT COUNT(*) FROM adjustments a WHERE a.event_seq = e.seq AND a.kind = 'reattribute'),
                   (SELECT SUM(a.cost_delta_pico) FROM adjustments a WHERE a.event_seq = e.seq AND a.kind = 'reprice'),
                   e.outcomes, e.execution_id
            FROM events e WHERE e.ts_us >= ? AND e.ts_us < ? AND e.seq > ? ORDER BY e.seq LIMIT ?
            """).rows([from.microsecondsSinceEpoch, to.microsecondsSinceEpoch, after, limit]) { row in
            let ts = row.int64(3)
            let reattributed = row.int64(22) > 0
            let client = reattributed ? row.optionalString(21) : row.optionalString(19)
            let repriced = row.optionalInt64(23)
            let cost = (row.optionalInt64(20) ?? 0) + (repriced ?? 0)
            return ReplayCandidate(
                sequence: row.int64(0), raw: row.string(1), receivedAt: Timestamp(microsecondsSinceEpoch: row.int64(2)),
                currentClient: client, currentCostPico: cost, isUnpriced: row.optionalInt64(20) == nil && repriced == nil, timestamp: ts,
                dimensions: RollupKey(
                    client: client ?? "", hourMicroseconds: RollupKey.hour(of: ts), provider: row.string(4), model: row.string(5),
                    workflow: row.string(6), instance: row.string(7), apiKey: row.string(8), status: row.string(9), source: row.string(10)),
                tokens: TokenUsage(
                    inputTokens: row.int64(11), cacheReadTokens: row.int64(12), cacheWrite5mTokens: row.int64(13),
                    cacheWrite1hTokens: row.int64(14), outputTokens: row.int64(15), reasoningTokens: row.int64(16),
                    requests: row.int64(17), webSearchCalls: row.int64(18)),
                isError: row.string(9) == "error", outcomes: row.int64(24), executionID: row.optionalString(25))
        }
    }

    /// Moves an event from its current client to `newClient`, as two adjustments (out of the old
    /// client, into the new one) in the current transaction; the event row is never edited.
    public func recordReattribution(_ candidate: ReplayCandidate, to newClient: String?, ruleVersion: String, reason: String?) throws {
        let old = candidate.dimensions
        var new = old
        new.client = newClient ?? ""
        let statement = try connection.statement("""
            INSERT INTO adjustments (event_seq, kind, created_us, ts_us, client, provider, model, workflow, instance, api_key,
                status, source, event_delta, unpriced_delta, cost_delta_pico, input_tokens, cache_read_tokens,
                cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, requests, web_search_calls,
                rule_version, note)
            VALUES (?, 'reattribute', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let tokens = candidate.tokens
        for (key, sign) in [(old, Int64(-1)), (new, Int64(1))] {
            let values: [any SQLiteBindable] = [
                candidate.sequence, Timestamp.now.microsecondsSinceEpoch, candidate.timestamp, key.client.isEmpty ? nil : key.client,
                key.provider, key.model, key.workflow, key.instance, key.apiKey, key.status, key.source,
                sign, candidate.isUnpriced ? sign : 0, sign * candidate.currentCostPico,
                sign * tokens.inputTokens, sign * tokens.cacheReadTokens, sign * tokens.cacheWrite5mTokens, sign * tokens.cacheWrite1hTokens,
                sign * tokens.outputTokens, sign * tokens.reasoningTokens, sign * tokens.requests, sign * tokens.webSearchCalls,
                ruleVersion, reason,
            ]
            try statement.execute(values)
            var sums = RollupSums()
            sums.events = sign
            sums.errors = candidate.isError ? sign : 0
            sums.unpriced = candidate.isUnpriced ? sign : 0
            sums.costPico = sign * candidate.currentCostPico
            sums.outcomes = sign * candidate.outcomes
            sums.tokens = TokenUsage(
                inputTokens: sign * tokens.inputTokens, cacheReadTokens: sign * tokens.cacheReadTokens,
                cacheWrite5mTokens: sign * tokens.cacheWrite5mTokens, cacheWrite1hTokens: sign * tokens.cacheWrite1hTokens,
                outputTokens: sign * tokens.outputTokens, reasoningTokens: sign * tokens.reasoningTokens,
                requests: sign * tokens.requests, webSearchCalls: sign * tokens.webSearchCalls)
            rollups.add(key, sums)
        }
        if let executionID = candidate.executionID {
            executionSpend.add(.init(instance: old.instance, executionID: executionID), client: newClient ?? "", workflow: old.workflow,
                               events: 0, unpriced: 0, costPico: 0, outcomes: 0)
        }
        if let newClient, !knownClients.contains(newClient) {
            try noteClientSeen(newClient)
        }
    }
}

extension ReplayCandidate {
    /// The event's current value of a dimension (client after earlier re-attributions); `nil` when empty.
    public func value(of dimension: SpendQuery.Dimension) -> String? {
        let text: String
        switch dimension {
        case .client: return currentClient
        case .provider: text = dimensions.provider
        case .model: text = dimensions.model
        case .workflow: text = dimensions.workflow
        case .instance: text = dimensions.instance
        case .apiKey: text = dimensions.apiKey
        case .status: text = dimensions.status
        case .source: text = dimensions.source
        }
        return text.isEmpty ? nil : text
    }
}
