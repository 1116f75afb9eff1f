import TallyCore
import TallyJSON

/// An alert as stored: fired once for its budget, period and key.
public struct StoredAlert: Sendable, Hashable {
    public var sequence: Int64
    public var budgetID: String
    public var periodKey: String
    public var key: String
    public var client: String?
    public var level: String
    public var message: String
    public var data: JSONValue
    public var firedAt: Timestamp

    /// The alert's stable identifier, the same wherever it is delivered: receivers de-duplicate on it.
    public var id: String { "\(budgetID)/\(periodKey)/\(key)" }

    public var jsonValue: JSONValue {
        .object([
            "id": .string(id), "seq": .integer(sequence), "budget_id": .string(budgetID), "period": .string(periodKey),
            "key": .string(key), "client": client.map(JSONValue.string) ?? .null, "level": .string(level),
            "message": .string(message), "data": data, "fired_at": .string(firedAt.rfc3339),
        ])
    }
}

extension AgencyDatabase {
    /// Records an alert unless its `(budget, period, key)` fired before; returns it when new.
    public func recordAlert(budgetID: String, periodKey: String, key: String, client: String?, level: String,
                            message: String, data: JSONValue, at now: Timestamp) throws -> StoredAlert? {
        try connection.statement("""
            INSERT OR IGNORE INTO alerts (budget_id, period_key, key, client, level, message, data, fired_us)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute([budgetID, periodKey, key, client, level, message, JSONCodec.serializeToString(data), now.microsecondsSinceEpoch])
        guard connection.changes > 0 else { return nil }
        return StoredAlert(sequence: connection.lastInsertRowID, budgetID: budgetID, periodKey: periodKey, key: key, client: client,
                           level: level, message: message, data: data, firedAt: now)
    }

    /// The keys already fired for a budget's period.
    public func firedAlertKeys(budgetID: String, periodKey: String) throws -> Set<String> {
        Set(try connection.statement("SELECT key FROM alerts WHERE budget_id = ? AND period_key = ?").rows([budgetID, periodKey]) { $0.string(0) })
    }

    /// Alerts fired since an instant, newest first, optionally for one client and at some levels.
    public func alerts(since: Timestamp, client: String?, levels: [String], limit: Int) throws -> [StoredAlert] {
        var sql = "SELECT \(Self.alertColumns) FROM alerts WHERE fired_us >= ?"
        var values: [any SQLiteBindable] = [since.microsecondsSinceEpoch]
        if let client {
            sql += " AND client = ?"
            values.append(client)
        }
        if !levels.isEmpty {
            sql += " AND level IN (\(levels.map { _ in "?" }.joined(separator: ", ")))"
            values += levels.map { $0 as any SQLiteBindable }
        }
        sql += " ORDER BY seq DESC LIMIT ?"
        values.append(limit)
        return try connection.statement(sql).rows(values, Self.alert)
    }

    /// Alerts whose webhook deliveries were not queued yet (a crash came in between).
    public func alertsAwaitingOutbox() throws -> [StoredAlert] {
        try connection.statement("SELECT \(Self.alertColumns) FROM alerts WHERE outboxed = 0 ORDER BY seq").rows([], Self.alert)
    }

    public func markAlertOutboxed(sequence: Int64) throws {
        try connection.statement("UPDATE alerts SET outboxed = 1 WHERE seq = ?").execute([sequence])
    }

    private static let alertColumns = "seq, budget_id, period_key, key, client, level, message, data, fired_us"

    private static func alert(_ row: SQLiteRow) throws -> StoredAlert {
        StoredAlert(sequence: row.int64(0), budgetID: row.string(1), periodKey: row.string(2), key: row.string(3),
                    client: row.optionalString(4), level: row.string(5), message: row.string(6),
                    data: (try? JSONCodec.parse(row.string(7))) ?? .object([:]),
                    firedAt: Timestamp(microsecondsSinceEpoch: row.int64(8)))
    }
}
