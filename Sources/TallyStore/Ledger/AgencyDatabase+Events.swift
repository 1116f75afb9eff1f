import TallyCore
import TallyJSON

/// A page of stored events.
public struct EventPage: Sendable {
    /// Each event as the ledger holds it (JSON, snake_case), oldest first.
    public var events: [JSONValue]
    /// Pass back as `cursor` for the next page; `nil` on the last page.
    public var nextCursor: String?
}

extension AgencyDatabase {
    /// Events in `[from, to)` matching `filters`, in the order they were stored, after `cursor`.
    public func events(
        from: Timestamp, to: Timestamp, filters: [SpendQuery.Dimension: [String]], unpricedOnly: Bool,
        cursor: Int64?, limit: Int, includeRaw: Bool
    ) throws -> EventPage {
        var clauses = ["ts_us >= ?", "ts_us < ?", "seq > ?"]
        var values: [any SQLiteBindable] = [from.microsecondsSinceEpoch, to.microsecondsSinceEpoch, cursor ?? 0]
        for dimension in SpendQuery.Dimension.allCases {
            guard let wanted = filters[dimension], !wanted.isEmpty else { continue }
            let column = dimension == .client ? "COALESCE(client, '')" : dimension.rawValue
            clauses.append("\(column) IN (\(wanted.map { _ in "?" }.joined(separator: ", ")))")
            values.append(contentsOf: wanted.map { (dimension == .client && $0 == "unattributed" ? "" : $0) as any SQLiteBindable })
        }
        if unpricedOnly {
            clauses.append("cost_basis = 'unpriced' AND NOT EXISTS (SELECT 1 FROM adjustments a WHERE a.event_seq = events.seq AND a.kind = 'reprice')")
        }
        let sql = """
            SELECT seq, source, event_id, ts_us, received_us, provider, model, resolved_model, client, attribution_reason,
                   rule_version, attribution_error, workflow, workflow_name, instance, execution_id, api_key, status,
                   service_tier, input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
                   output_tokens, reasoning_tokens, requests, web_search_calls, cost_pico, computed_cost_pico,
                   reported_cost_pico, cost_basis, price_version, pricing_note, raw
            FROM events WHERE \(clauses.joined(separator: " AND ")) ORDER BY seq LIMIT ?
            """
        var lastSequence: Int64 = 0
        let rows = try connection.statement(sql).rows(values + [limit + 1]) { row -> JSONValue in
            lastSequence = row.int64(0)
            func text(_ column: Int32) -> JSONValue { row.optionalString(column).map { .string($0) } ?? .null }
            func nonEmpty(_ column: Int32) -> JSONValue { row.string(column).isEmpty ? .null : .string(row.string(column)) }
            func money(_ column: Int32) -> JSONValue { row.optionalInt64(column).map { Money(picoUSD: Int128($0)).jsonValue } ?? .null }
            var usage: [String: JSONValue] = [:]
            for (offset, name) in LedgerSchema.tokenColumns.enumerated() { usage[name] = .integer(row.int64(19 + Int32(offset))) }
            var event: [String: JSONValue] = [
                "id": .string(row.string(2)), "source": .string(row.string(1)),
                "ts": .string(Timestamp(microsecondsSinceEpoch: row.int64(3)).rfc3339),
                "received_at": .string(Timestamp(microsecondsSinceEpoch: row.int64(4)).rfc3339),
                "provider": .string(row.string(5)), "model": .string(row.string(6)), "resolved_model": text(7),
                "client": text(8), "attribution_reason": text(9), "rule_version": text(10), "attribution_error": text(11),
                "workflow": .object(["key": nonEmpty(12), "name": text(13)]), "instance": nonEmpty(14), "execution_id": text(15),
                "api_key": nonEmpty(16), "status": .string(row.string(17)), "service_tier": .string(row.string(18)),
                "usage": .object(usage), "cost": money(27), "computed_cost": money(28), "reported_cost": money(29),
                "cost_basis": .string(row.string(30)), "price_version": text(31), "pricing_note": text(32),
            ]
            if includeRaw { event["raw"] = (try? JSONCodec.parse(row.string(33))) ?? .null }
            return .object(event)
        }
        if rows.count > limit {
            return EventPage(events: Array(rows.prefix(limit)), nextCursor: String(try sequenceOfRow(limit - 1, rows: rows, last: lastSequence)))
        }
        return EventPage(events: rows, nextCursor: nil)
    }

    private func sequenceOfRow(_ index: Int, rows: [JSONValue], last: Int64) throws -> Int64 {
        // The cursor is the sequence of the last event returned; look it up by (source, id).
        let row = rows[index]
        return try connection.statement("SELECT seq FROM events WHERE source = ? AND event_id = ?")
            .firstRow([row["source"]?.stringValue ?? "", row["id"]?.stringValue ?? ""]) { $0.int64(0) } ?? last
    }
}
