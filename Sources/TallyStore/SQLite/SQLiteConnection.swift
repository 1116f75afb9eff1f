import CSQLite

/// One SQLite database connection, in WAL mode.
///
/// Not thread-safe: each connection is owned by one actor or one thread. Statements are cached
/// by SQL text, so hot paths prepare once.
public final class SQLiteConnection {
    let handle: OpaquePointer
    public let path: String
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens (creating if needed) the database at `path`.
    ///
    /// - Parameter busyTimeoutMilliseconds: how long to wait for another process's lock (the CLI
    ///   writing tokens while the server runs) before reporting `SQLITE_BUSY`.
    public init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 5_000) throws(SQLiteError) {
        var connection: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(connection)
            throw SQLiteError(code: SQLiteResultCode(rawValue: code), message: "\(message) (\(path))")
        }
        self.handle = connection
        self.path = path
        sqlite3_busy_timeout(connection, busyTimeoutMilliseconds)
        sqlite3_extended_result_codes(connection, 1)
        if !readOnly {
            try execute("PRAGMA journal_mode = WAL")
            // NORMAL in WAL mode is durable against process crashes (the test kills with SIGKILL);
            // FULL would also survive power loss at the price of one fsync per commit.
            try execute("PRAGMA synchronous = NORMAL")
            // A larger cache and rarer checkpoints: ingest appends, and each checkpoint fsyncs.
            try execute("PRAGMA cache_size = -65536")
            try execute("PRAGMA wal_autocheckpoint = 16384")
            try execute("PRAGMA temp_store = MEMORY")
        }
        try execute("PRAGMA foreign_keys = ON")
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that take no parameters.
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(code: SQLiteResultCode(rawValue: code), message: text, sql: sql)
        }
    }

    /// A cached prepared statement for `sql`.
    public func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = statements[sql] { return cached }
        let statement = try SQLiteStatement(connection: self, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    func error(_ code: Int32, sql: String?) -> SQLiteError {
        SQLiteError(code: SQLiteResultCode(rawValue: sqlite3_extended_errcode(handle)), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}
