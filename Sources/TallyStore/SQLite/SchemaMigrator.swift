import Foundation

/// Upgrades a database file in place, one numbered step at a time, recorded in `PRAGMA user_version`.
///
/// Each step runs in its own transaction, so an interrupted upgrade leaves the file at the last
/// complete version. A file from a newer Tally (a higher version than this build knows) is
/// refused rather than guessed at.
public struct SchemaMigrator: Sendable {
    /// One step: the SQL that takes the schema from `version - 1` to `version`.
    public struct Migration: Sendable {
        public let version: Int
        public let sql: String
        public init(version: Int, sql: String) {
            self.version = version
            self.sql = sql
        }
    }

    public let migrations: [Migration]

    public init(_ migrations: [Migration]) {
        precondition(migrations.enumerated().allSatisfy { $0.offset + 1 == $0.element.version }, "migrations must be numbered 1, 2, 3...")
        self.migrations = migrations
    }

    /// Opens (creating it and its folder if needed) `<directory>/<fileName>`, a side file of an
    /// agency such as its webhook outbox, and brings its schema up to date.
    public func open(directory: String, fileName: String) throws -> (path: String, connection: SQLiteConnection) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + fileName
        let connection = try SQLiteConnection(path: path)
        try migrate(connection)
        return (path, connection)
    }

    /// The version this build writes.
    public var latestVersion: Int { migrations.count }

    /// Applies every step the file lacks; returns the version it had before.
    @discardableResult
    public func migrate(_ connection: SQLiteConnection) throws -> Int {
        let current = try currentVersion(connection)
        guard current <= latestVersion else {
            throw SQLiteError(
                code: .error,
                message: "\(connection.path) has schema version \(current), newer than this build's \(latestVersion); upgrade Tally")
        }
        for migration in migrations where migration.version > current {
            try connection.transaction {
                try connection.execute(migration.sql)
                try connection.execute("PRAGMA user_version = \(migration.version)")
            }
        }
        return current
    }

    public func currentVersion(_ connection: SQLiteConnection) throws -> Int {
        Int(try connection.statement("PRAGMA user_version").firstRow { $0.int64(0) } ?? 0)
    }
}
