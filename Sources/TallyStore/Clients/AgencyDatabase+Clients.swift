import TallyCore
import TallyJSON

extension AgencyDatabase {
    /// Adds a client first seen in an event, with the defaults (in the current transaction).
    func noteClientSeen(_ client: String) throws {
        let now = Timestamp.now.microsecondsSinceEpoch
        try connection.statement("""
            INSERT INTO clients (id, profile, automatic, created_us, updated_us) VALUES (?, ?, 1, ?, ?)
            ON CONFLICT (id) DO NOTHING
            """).execute([client, ClientProfile(id: client, isAutomatic: true).jsonValue.jsonText, now, now])
        knownClients.insert(client)
    }

    /// The client's profile, or `nil` when the agency has never seen it.
    public func client(_ id: String) throws -> ClientProfile? {
        try connection.statement("SELECT profile, automatic FROM clients WHERE id = ?").firstRow([id]) { row in
            try Self.profile(text: row.string(0), automatic: row.int64(1) != 0)
        }
    }

    /// Every client, configured or seen in events, by id.
    public func clients() throws -> [ClientProfile] {
        try connection.statement("SELECT profile, automatic FROM clients ORDER BY id").rows { row in
            try Self.profile(text: row.string(0), automatic: row.int64(1) != 0)
        }
    }

    /// Stores a configured profile (created or replaced) and the workflows it names.
    /// Returns whether the client was new.
    @discardableResult
    public func putClient(_ profile: ClientProfile) throws -> Bool {
        try connection.transaction {
            let now = Timestamp.now.microsecondsSinceEpoch
            let existed = try connection.statement("SELECT 1 FROM clients WHERE id = ?").firstRow([profile.id]) { _ in true } ?? false
            try connection.statement("""
                INSERT INTO clients (id, profile, automatic, created_us, updated_us) VALUES (?, ?, 0, ?, ?)
                ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, automatic = 0, updated_us = excluded.updated_us
                """).execute([profile.id, profile.jsonValue.jsonText, now, now])
            try connection.statement("DELETE FROM client_workflows WHERE client = ?").execute([profile.id])
            let insert = try connection.statement("INSERT INTO client_workflows (workflow, client) VALUES (?, ?)")
            for workflow in profile.workflows.keys.sorted() { try insert.execute([workflow, profile.id]) }
            knownClients.insert(profile.id)
            return !existed
        }
    }

    private static func profile(text: String, automatic: Bool) throws -> ClientProfile {
        var profile = try ClientProfile.stored(JSONCodec.parse(text))
        profile.isAutomatic = automatic
        return profile
    }
}
