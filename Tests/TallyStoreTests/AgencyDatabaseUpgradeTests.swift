import Foundation
import Testing
import TallyCore
@testable import TallyStore

@Suite struct AgencyDatabaseUpgradeTests {
    /// A file as Tally 0.1 (schema step 1, before the ledger) left it is upgraded in place.
    @Test func aFileFromBeforeTheLedgerIsUpgraded() throws {
        let directory = DataDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("tally-upgrade-\(UUID().uuidString)").path)
        defer { try? FileManager.default.removeItem(atPath: directory.root) }
        try directory.create()
        let agency = AgencyID("old")!
        do {
            let old = try SQLiteConnection(path: directory.agencyDatabasePath(agency))
            try old.execute("""
                CREATE TABLE agency_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT INTO agency_meta VALUES ('agency_id', 'old'), ('created_at', '2026-01-01T00:00:00Z');
                PRAGMA user_version = 1;
                """)
        }
        let database = try AgencyDatabase(agency: agency, directory: directory)
        #expect(try database.schemaVersion() == AgencyDatabase.migrator.latestVersion)
        #expect(try database.connection.statement("SELECT value FROM agency_meta WHERE key = 'created_at'").firstRow { $0.string(0) } == "2026-01-01T00:00:00Z")
        #expect(try database.connection.statement("SELECT COUNT(*) FROM events").firstRow { $0.int64(0) } == 0)
    }
}
