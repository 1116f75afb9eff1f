import TallyCore

/// An event stored without a price, as repricing needs it.
public struct UnpricedEvent: Sendable {
    public var sequence: Int64
    public var id: String
    public var timestamp: Timestamp
    public var provider: String
    public var model: String
    public var usage: TokenUsage
    public var serviceTier: ServiceTier
    fileprivate var dimensions: RollupKey
}

extension AgencyDatabase {
    /// Unpriced events with no price adjustment yet, oldest first.
    public func unpricedEvents(limit: Int = 10_000) throws -> [UnpricedEvent] {
        try connection.statement("""
            SELECT seq, event_id, ts_us, provider, model, input_tokens, cache_read_tokens, cache_write_5m_tokens,
                   cache_write_1h_tokens, output_tokens, reasoning_tokens, requests, web_search_calls, service_tier,
                   COALESCE((SELECT a.client FROM adjustments a WHERE a.event_seq = e.seq AND a.kind = 'reattribute' AND a.event_delta > 0
                             ORDER BY a.seq DESC LIMIT 1),
                            CASE WHEN EXISTS (SELECT 1 FROM adjustments a WHERE a.event_seq = e.seq AND a.kind = 'reattribute') THEN '' END,
                            client, ''),
                   workflow, instance, api_key, status, source
            FROM events e
            WHERE cost_basis = 'unpriced' AND NOT EXISTS (SELECT 1 FROM adjustments a WHERE a.event_seq = e.seq AND a.kind = 'reprice')
            ORDER BY seq LIMIT ?
            """).rows([limit]) { row in
            let ts = row.int64(2)
            return UnpricedEvent(
                sequence: row.int64(0), id: row.string(1), timestamp: Timestamp(microsecondsSinceEpoch: ts),
                provider: row.string(3), model: row.string(4),
                usage: TokenUsage(
                    inputTokens: row.int64(5), cacheReadTokens: row.int64(6), cacheWrite5mTokens: row.int64(7),
                    cacheWrite1hTokens: row.int64(8), outputTokens: row.int64(9), reasoningTokens: row.int64(10),
                    requests: row.int64(11), webSearchCalls: row.int64(12)),
                serviceTier: ServiceTier(rawValue: row.string(13)),
                dimensions: RollupKey(
                    client: row.string(14), hourMicroseconds: RollupKey.hour(of: ts), provider: row.string(3), model: row.string(4),
                    workflow: row.string(15), instance: row.string(16), apiKey: row.string(17), status: row.string(18), source: row.string(19)))
        }
    }

    /// Books the price that arrived for an unpriced event: an adjustment adding its cost and
    /// taking it out of the unpriced count, in the current transaction.
    public func recordPrice(for event: UnpricedEvent, cost: Money, priceVersion: String, resolvedModel: String?) throws {
        let costPico = try Self.pico(eventID: event.id)(cost)
        let key = event.dimensions
        let values: [any SQLiteBindable] = [
            event.sequence, Timestamp.now.microsecondsSinceEpoch, event.timestamp.microsecondsSinceEpoch,
            key.client.isEmpty ? nil : key.client, key.provider, key.model, key.workflow, key.instance, key.apiKey,
            key.status, key.source, costPico, priceVersion, resolvedModel.map { "priced as \($0)" },
        ]
        try connection.statement("""
            INSERT INTO adjustments (event_seq, kind, created_us, ts_us, client, provider, model, workflow, instance, api_key,
                status, source, event_delta, unpriced_delta, cost_delta_pico, input_tokens, cache_read_tokens,
                cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, requests, web_search_calls,
                price_version, note)
            VALUES (?, 'reprice', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, -1, ?, 0, 0, 0, 0, 0, 0, 0, 0, ?, ?)
            """).execute(values)
        var sums = RollupSums()
        sums.unpriced = -1
        sums.costPico = costPico
        rollups.add(key, sums)
        if let executionID = try connection.statement("SELECT execution_id FROM events WHERE seq = ?").firstRow([event.sequence], { $0.optionalString(0) }) ?? nil {
            executionSpend.add(.init(instance: key.instance, executionID: executionID), client: nil, workflow: key.workflow, events: 0,
                               unpriced: -1, costPico: costPico, outcomes: 0)
        }
    }
}
