import Foundation
import TallyCore

/// The server-wide database (`tally.sqlite`): agencies and their tokens.
///
/// Synchronous and not thread-safe: the CLI uses it directly, the server through
/// ``ControlStore``, which confines it to one thread.
public final class ControlDatabase {
    let connection: SQLiteConnection

    static let migrator = SchemaMigrator([
        .init(version: 1, sql: """
            CREATE TABLE agencies (
                id TEXT PRIMARY KEY,
                created_at TEXT NOT NULL
            );
            CREATE TABLE tokens (
                id TEXT PRIMARY KEY,
                agency_id TEXT NOT NULL REFERENCES agencies(id),
                role TEXT NOT NULL CHECK (role IN ('ingest', 'read', 'admin')),
                label TEXT,
                digest BLOB NOT NULL UNIQUE,
                hint TEXT NOT NULL,
                created_at TEXT NOT NULL,
                revoked_at TEXT
            );
            CREATE INDEX tokens_by_agency ON tokens(agency_id);
            """),
    ])

    /// Opens (creating and migrating if needed) the control database of `directory`.
    public init(directory: DataDirectory) throws {
        try directory.create()
        connection = try SQLiteConnection(path: directory.controlDatabasePath)
        try Self.migrator.migrate(connection)
    }

    /// Every agency, sorted.
    public func agencies() throws -> [AgencyID] {
        try connection.statement("SELECT id FROM agencies ORDER BY id").rows { AgencyID($0.string(0)) }.compactMap { $0 }
    }

    public func agencyExists(_ agency: AgencyID) throws -> Bool {
        try connection.statement("SELECT 1 FROM agencies WHERE id = ?").firstRow([agency.rawValue]) { _ in true } ?? false
    }

    /// Registers an agency; returns `false` when it existed already.
    @discardableResult
    public func createAgency(_ agency: AgencyID) throws -> Bool {
        try connection.statement("INSERT OR IGNORE INTO agencies (id, created_at) VALUES (?, ?)").execute([agency.rawValue, UTCClock.nowISO8601()])
        return connection.changes > 0
    }

    /// Creates a token (and the agency, when new). The secret is returned once and never stored.
    public func issueToken(agency: AgencyID, role: Role, label: String?) throws -> IssuedToken {
        try connection.transaction {
            try createAgency(agency)
            let secret = TokenSecret.generate()
            let record = TokenRecord(
                id: TokenSecret.generateID(), agency: agency, role: role, label: label,
                hint: String(secret.prefix(TokenSecret.prefix.count + 6)), createdAt: UTCClock.nowISO8601(), revokedAt: nil)
            try connection.statement(
                "INSERT INTO tokens (id, agency_id, role, label, digest, hint, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ).execute([record.id, agency.rawValue, role.rawValue, label, TokenSecret.digest(secret), record.hint, record.createdAt])
            return IssuedToken(record: record, secret: secret)
        }
    }

    /// Tokens, optionally of one agency, oldest first.
    public func tokens(agency: AgencyID? = nil) throws -> [TokenRecord] {
        let sql = "SELECT id, agency_id, role, label, hint, created_at, revoked_at FROM tokens"
            + (agency == nil ? "" : " WHERE agency_id = ?") + " ORDER BY rowid"
        return try connection.statement(sql).rows(agency.map { [$0.rawValue] } ?? []) { row in
            TokenRecord(
                id: row.string(0), agency: AgencyID(row.string(1))!, role: Role(rawValue: row.string(2))!,
                label: row.optionalString(3), hint: row.string(4), createdAt: row.string(5), revokedAt: row.optionalString(6))
        }
    }

    /// Revokes a token by id; returns `false` when no active token has that id (within `agency`, when given).
    @discardableResult
    public func revokeToken(id: String, agency: AgencyID? = nil) throws -> Bool {
        if let agency {
            try connection.statement("UPDATE tokens SET revoked_at = ? WHERE id = ? AND agency_id = ? AND revoked_at IS NULL")
                .execute([UTCClock.nowISO8601(), id, agency.rawValue])
        } else {
            try connection.statement("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").execute([UTCClock.nowISO8601(), id])
        }
        return connection.changes > 0
    }

    /// The principal a token stands for.
    public func authenticate(token: String) throws -> TokenLookup {
        guard token.hasPrefix(TokenSecret.prefix) else { return .unknown }
        let found = try connection.statement("SELECT id, agency_id, role, revoked_at FROM tokens WHERE digest = ?")
            .firstRow([TokenSecret.digest(token)]) { row in
                (row.string(0), row.string(1), row.string(2), row.optionalString(3))
            }
        guard let (id, agencyText, roleText, revokedAt) = found,
            let agency = AgencyID(agencyText), let role = Role(rawValue: roleText)
        else { return .unknown }
        if revokedAt != nil { return .revoked(tokenID: id) }
        return .valid(Principal(agency: agency, role: role, tokenID: id))
    }
}

/// The result of looking a token up.
public enum TokenLookup: Sendable, Hashable {
    case valid(Principal)
    case revoked(tokenID: String)
    case unknown
}
