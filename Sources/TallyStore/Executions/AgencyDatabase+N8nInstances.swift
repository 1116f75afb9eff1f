import TallyCore
import TallyJSON

/// A registered n8n instance: where it is, where its API key is, and how far polling got.
public struct N8nInstanceRecord: Sendable {
    /// The instance id: the same name LLM events carry as `instance`.
    public var id: String
    /// `{base_url, api_key_env | api_key_file, interval_seconds}` (never the key itself).
    public var settings: JSONValue
    /// Polling state: `{watermark, last_poll_at, last_error, gaps, ...}`.
    public var state: JSONValue
}

extension AgencyDatabase {
    /// Registers or replaces an instance's settings (its polling state is kept). Returns whether it was new.
    @discardableResult
    public func putN8nInstance(id: String, settings: JSONValue) throws -> Bool {
        let existed = try connection.statement("SELECT 1 FROM n8n_instances WHERE id = ?").firstRow([id]) { _ in true } ?? false
        try connection.statement("""
            INSERT INTO n8n_instances (id, settings, created_us) VALUES (?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET settings = excluded.settings
            """).execute([id, settings.jsonText, Timestamp.now.microsecondsSinceEpoch])
        return !existed
    }

    public func n8nInstances() throws -> [N8nInstanceRecord] {
        try connection.statement("SELECT id, settings, state FROM n8n_instances ORDER BY id").rows { row in
            N8nInstanceRecord(id: row.string(0), settings: try JSONCodec.parse(row.string(1)), state: try JSONCodec.parse(row.string(2)))
        }
    }

    /// Saves an instance's polling state; `false` when the instance was deleted meanwhile.
    @discardableResult
    public func saveN8nState(id: String, state: JSONValue) throws -> Bool {
        try connection.statement("UPDATE n8n_instances SET state = ? WHERE id = ?").execute([state.jsonText, id])
        return connection.changes > 0
    }

    /// Forgets an instance (its executions stay). Returns whether it existed.
    public func deleteN8nInstance(id: String) throws -> Bool {
        try connection.statement("DELETE FROM n8n_instances WHERE id = ?").execute([id])
        return connection.changes > 0
    }
}
