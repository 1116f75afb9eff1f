import TallyCore

/// One agency's SQLite file: its ledger, budgets, rules history and everything else it owns.
///
/// One file per agency makes isolation a matter of construction: a request bound to agency A
/// holds no handle to agency B's file.
public final class AgencyDatabase {
    public let agency: AgencyID
    let connection: SQLiteConnection
    /// Rollup deltas of the transaction in progress.
    var rollups = RollupAccumulator()
    /// Execution spend deltas of the transaction in progress.
    var executionSpend = ExecutionSpendAccumulator()
    /// Execution rollup deltas of the transaction in progress.
    var executionRollups: [ExecutionRollupKey: ExecutionRollupSums] = [:]
    /// Clients already in the `clients` table, so a known client costs no write.
    var knownClients: Set<String> = []
    /// Workflow names already stored, so a repeated name costs no write.
    var workflowNames: [String: String] = [:]
    /// Statements of the hot path, kept by reference (not looked up by their SQL text per event).
    var insertEvent: SQLiteStatement?

    /// The statement at `slot`, prepared on first use.
    func cachedStatement(_ slot: ReferenceWritableKeyPath<AgencyDatabase, SQLiteStatement?>, _ sql: String) throws -> SQLiteStatement {
        if let statement = self[keyPath: slot] { return statement }
        let statement = try connection.statement(sql)
        self[keyPath: slot] = statement
        return statement
    }

    /// The schema steps, oldest first. Append, never edit: files in the field are at any of them.
    static let migrator = SchemaMigrator([
        .init(version: 1, sql: """
            CREATE TABLE agency_meta (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            """),
        .init(version: 2, sql: LedgerSchema.migration),
        .init(version: 3, sql: BudgetSchema.migration),
        .init(version: 4, sql: ExecutionSchema.migration),
    ])

    public init(agency: AgencyID, directory: DataDirectory) throws {
        self.agency = agency
        try directory.create()
        connection = try SQLiteConnection(path: directory.agencyDatabasePath(agency))
        try Self.migrator.migrate(connection)
        try connection.statement("INSERT OR IGNORE INTO agency_meta (key, value) VALUES ('agency_id', ?)").execute([agency.rawValue])
        try connection.statement("INSERT OR IGNORE INTO agency_meta (key, value) VALUES ('created_at', ?)").execute([UTCClock.nowISO8601()])
    }

    /// Runs `body` in one transaction; the rollups it queued are written before the commit.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try connection.transaction {
            let result = try body()
            try flushRollups()
            return result
        }
    }

    /// The schema version of the file.
    public func schemaVersion() throws -> Int { try Self.migrator.currentVersion(connection) }
}
