import Foundation
import NIOCore
import TallyCore
import TallyJSON
import TallyStore

/// What the providers billed, for one agency: `reconcile.sqlite` in the agency's folder, apart
/// from the ledger. Provider data is a control total: it is compared with the ledger, never
/// added to it, so a pull can never count spend twice.
///
/// Also holds the connector settings (never the admin keys themselves: only the name of the
/// environment variable or file that holds one) and the agency's registered provider API keys
/// (ids or fingerprints, never secrets).
///
/// A pull or import replaces the provider's rows of the days it covers, so repeating one is a
/// no-op. Like the other stores, the actor runs on a store thread.
public actor ProviderUsageStore {
    /// The file name inside the agency's folder.
    public static let fileName = "reconcile.sqlite"

    public nonisolated let path: String
    private let loop: any EventLoop
    private let connection: SQLiteConnection

    public nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }

    /// Opens (creating if needed) `<directory>/reconcile.sqlite` and brings its schema up to date.
    public init(directory: String, loop: any EventLoop) throws {
        let (path, connection) = try Self.migrator.open(directory: directory, fileName: Self.fileName)
        self.path = path
        self.loop = loop
        self.connection = connection
    }

    /// Days are `YYYY-MM-DD` (UTC); money is pico-USD as decimal text (Int128 exceeds SQLite's
    /// integers); times are microseconds since 1970 UTC.
    static let migrator = SchemaMigrator([
        .init(version: 1, sql: """
            CREATE TABLE provider_costs (
                seq INTEGER PRIMARY KEY,
                provider TEXT NOT NULL,
                day TEXT NOT NULL,
                project TEXT,
                api_key TEXT,
                line_item TEXT,
                amount_pico TEXT NOT NULL,
                source TEXT NOT NULL,
                stored_us INTEGER NOT NULL
            );
            CREATE INDEX provider_costs_day ON provider_costs (provider, day);
            CREATE TABLE key_sightings (
                provider TEXT NOT NULL,
                day TEXT NOT NULL,
                api_key TEXT NOT NULL,
                project TEXT NOT NULL DEFAULT '',
                requests INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (provider, day, api_key, project)
            );
            CREATE TABLE connectors (
                provider TEXT PRIMARY KEY,
                base_url TEXT NOT NULL,
                admin_key_env TEXT,
                admin_key_file TEXT,
                interval_seconds INTEGER NOT NULL,
                enabled INTEGER NOT NULL DEFAULT 1,
                last_pull_us INTEGER,
                last_error TEXT,
                updated_us INTEGER NOT NULL
            );
            CREATE TABLE api_keys (
                provider TEXT NOT NULL,
                key_id TEXT NOT NULL,
                client TEXT,
                purpose TEXT,
                created_at TEXT NOT NULL,
                registered_us INTEGER NOT NULL,
                PRIMARY KEY (provider, key_id)
            );
            """),
    ])

    // MARK: Provider data

    /// Replaces the provider's cost rows on `costDays` and key sightings on `sightingDays` with
    /// `data`, in one transaction; rows outside those days are refused.
    @discardableResult
    public func replace(provider: String, costDays: Set<UTCDate>, sightingDays: Set<UTCDate>, data: ProviderData, source: String,
                        at now: Timestamp) throws -> (costs: Int, sightings: Int) {
        try connection.transaction {
            for day in costDays.sorted() {
                try connection.statement("DELETE FROM provider_costs WHERE provider = ? AND day = ?").execute([provider, day.description])
            }
            for day in sightingDays.sorted() {
                try connection.statement("DELETE FROM key_sightings WHERE provider = ? AND day = ?").execute([provider, day.description])
            }
            var costs = 0
            for row in data.costs where row.provider == provider && costDays.contains(row.day) {
                try connection.statement("""
                    INSERT INTO provider_costs (provider, day, project, api_key, line_item, amount_pico, source, stored_us)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute([provider, row.day.description, row.project, row.apiKey, row.lineItem, String(row.amount.picoUSD), source,
                                  now.microsecondsSinceEpoch])
                costs += 1
            }
            var sightings = 0
            for sighting in data.sightings where sighting.provider == provider && sightingDays.contains(sighting.day) {
                try connection.statement("""
                    INSERT INTO key_sightings (provider, day, api_key, project, requests) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (provider, day, api_key, project) DO UPDATE SET requests = requests + excluded.requests
                    """).execute([provider, sighting.day.description, sighting.apiKey, sighting.project ?? "", sighting.requests])
                sightings += 1
            }
            return (costs, sightings)
        }
    }

    /// The provider's cost rows on days in `from...to` (`nil` provider: every provider).
    public func costs(provider: String?, from: UTCDate, to: UTCDate) throws -> [ProviderCostRow] {
        var sql = "SELECT provider, day, project, api_key, line_item, amount_pico FROM provider_costs WHERE day >= ? AND day <= ?"
        var values: [any SQLiteBindable] = [from.description, to.description]
        if let provider {
            sql += " AND provider = ?"
            values.append(provider)
        }
        return try connection.statement(sql + " ORDER BY day, provider, seq").rows(values) { row in
            ProviderCostRow(day: try UTCDate.parse(row.string(1)), provider: row.string(0), project: row.optionalString(2),
                            apiKey: row.optionalString(3), lineItem: row.optionalString(4),
                            amount: Money(picoUSD: Int128(row.string(5)) ?? 0))
        }
    }

    /// The providers with stored cost rows.
    public func providers() throws -> Set<String> {
        Set(try connection.statement("SELECT DISTINCT provider FROM provider_costs").rows { $0.string(0) })
    }

    /// Every API key the provider data names (cost rows and usage sightings), with the last day seen.
    public func providerKeys() throws -> [SeenKey] {
        try connection.statement("""
            SELECT provider, api_key, MIN(day), MAX(day) FROM (
                SELECT provider, api_key, day FROM provider_costs WHERE api_key IS NOT NULL
                UNION ALL SELECT provider, api_key, day FROM key_sightings)
            GROUP BY provider, api_key ORDER BY provider, api_key
            """).rows { row in
                SeenKey(provider: row.string(0), keyID: row.string(1), firstDay: try UTCDate.parse(row.string(2)),
                        lastDay: try UTCDate.parse(row.string(3)), clients: [], source: "provider")
            }
    }

    // MARK: Connectors

    /// Creates or replaces the provider's connector.
    public func setConnector(_ settings: ConnectorSettings, at now: Timestamp) throws {
        try connection.statement("""
            INSERT INTO connectors (provider, base_url, admin_key_env, admin_key_file, interval_seconds, enabled, updated_us)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (provider) DO UPDATE SET base_url = excluded.base_url, admin_key_env = excluded.admin_key_env,
                admin_key_file = excluded.admin_key_file, interval_seconds = excluded.interval_seconds, enabled = excluded.enabled,
                updated_us = excluded.updated_us
            """).execute([settings.provider, settings.baseURL, settings.adminKeyEnvironment, settings.adminKeyFile, settings.intervalSeconds,
                          settings.enabled, now.microsecondsSinceEpoch])
    }

    /// Every connector, by provider.
    public func connectors() throws -> [ConnectorSettings] {
        try connection.statement("""
            SELECT provider, base_url, admin_key_env, admin_key_file, interval_seconds, enabled, last_pull_us, last_error
            FROM connectors ORDER BY provider
            """).rows { row in
                ConnectorSettings(provider: row.string(0), baseURL: row.string(1), adminKeyEnvironment: row.optionalString(2),
                                  adminKeyFile: row.optionalString(3), intervalSeconds: Int(row.int64(4)), enabled: row.int64(5) != 0,
                                  lastPullAt: row.optionalInt64(6).map(Timestamp.init(microsecondsSinceEpoch:)), lastError: row.optionalString(7))
            }
    }

    public func connector(provider: String) throws -> ConnectorSettings? {
        try connectors().first { $0.provider == provider }
    }

    /// Records the outcome of a pull (`error` nil: it succeeded).
    public func recordPull(provider: String, error: String?, at now: Timestamp) throws {
        try connection.statement("UPDATE connectors SET last_pull_us = ?, last_error = ? WHERE provider = ?")
            .execute([now.microsecondsSinceEpoch, error.map { String($0.prefix(1000)) }, provider])
    }

    // MARK: API keys

    /// Registers (or updates) a provider API key by id or fingerprint; returns whether it is new.
    @discardableResult
    public func registerKey(_ key: RegisteredKey, at now: Timestamp) throws -> Bool {
        let existed = try connection.statement("SELECT 1 FROM api_keys WHERE provider = ? AND key_id = ?").firstRow([key.provider, key.keyID]) { _ in true } ?? false
        try connection.statement("""
            INSERT INTO api_keys (provider, key_id, client, purpose, created_at, registered_us) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (provider, key_id) DO UPDATE SET client = excluded.client, purpose = excluded.purpose, created_at = excluded.created_at
            """).execute([key.provider, key.keyID, key.client, key.purpose, key.createdAt.description, now.microsecondsSinceEpoch])
        return !existed
    }

    /// Every registered key, by provider and id.
    public func registeredKeys() throws -> [RegisteredKey] {
        try connection.statement("SELECT provider, key_id, client, purpose, created_at FROM api_keys ORDER BY provider, key_id").rows { row in
            RegisteredKey(provider: row.string(0), keyID: row.string(1), client: row.optionalString(2), purpose: row.optionalString(3),
                          createdAt: try UTCDate.parse(row.string(4)))
        }
    }
}

/// A provider API key the agency registered: its id or fingerprint (never the secret), whom it
/// serves and when it was created.
public struct RegisteredKey: Sendable, Hashable {
    public var provider: String
    public var keyID: String
    public var client: String?
    public var purpose: String?
    /// The day the key was created at the provider (rotation is due 90 days later).
    public var createdAt: UTCDate

    public init(provider: String, keyID: String, client: String?, purpose: String?, createdAt: UTCDate) {
        self.provider = provider
        self.keyID = keyID
        self.client = client
        self.purpose = purpose
        self.createdAt = createdAt
    }

    public var jsonValue: JSONValue {
        .object([
            "provider": .string(provider), "key_id": .string(keyID), "client": client.map(JSONValue.string) ?? .null,
            "purpose": purpose.map(JSONValue.string) ?? .null, "created_at": .string(createdAt.description),
        ])
    }
}

/// A key seen in use: in the ledger's events or in provider data.
public struct SeenKey: Sendable, Hashable {
    public var provider: String
    public var keyID: String
    public var firstDay: UTCDate
    public var lastDay: UTCDate
    /// The clients the ledger attributed its events to (empty for provider data).
    public var clients: Set<String>
    /// `ledger` or `provider`.
    public var source: String

    public init(provider: String, keyID: String, firstDay: UTCDate, lastDay: UTCDate, clients: Set<String>, source: String) {
        self.provider = provider
        self.keyID = keyID
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.clients = clients
        self.source = source
    }
}
