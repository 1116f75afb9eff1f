import Foundation
import Testing
import TallyCore
@testable import TallyStore

@Suite struct ControlDatabaseTests {
    func temporaryDirectory() -> DataDirectory {
        DataDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("tally-store-\(UUID().uuidString)").path)
    }

    @Test func tokensAreStoredHashedAndAuthenticate() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory.root) }
        let database = try ControlDatabase(directory: directory)
        let issued = try database.issueToken(agency: AgencyID("acme")!, role: .ingest, label: "n8n")
        #expect(issued.secret.hasPrefix("tly_"))
        #expect(try database.authenticate(token: issued.secret) == .valid(Principal(agency: AgencyID("acme")!, role: .ingest, tokenID: issued.record.id)))
        #expect(try database.authenticate(token: issued.secret + "x") == .unknown)
        #expect(try database.authenticate(token: "") == .unknown)
        // The file never holds the secret.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: directory.controlDatabasePath))
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: directory.controlDatabasePath + "-wal"))) ?? Data()
        #expect((bytes + wal).range(of: Data(issued.secret.utf8)) == nil)
        #expect(try database.revokeToken(id: issued.record.id))
        #expect(try database.authenticate(token: issued.secret) == .revoked(tokenID: issued.record.id))
        #expect(try database.revokeToken(id: issued.record.id) == false)
    }

    @Test func revokeIsScopedToTheAgency() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory.root) }
        let database = try ControlDatabase(directory: directory)
        let issued = try database.issueToken(agency: AgencyID("acme")!, role: .admin, label: nil)
        #expect(try database.revokeToken(id: issued.record.id, agency: AgencyID("globex")!) == false)
        #expect(try database.revokeToken(id: issued.record.id, agency: AgencyID("acme")!))
    }

    @Test func agencyIDsAreSafeFileNames() {
        #expect(AgencyID("acme-01_x") != nil)
        for bad in ["", "../etc", "Acme", "a/b", "-lead", String(repeating: "a", count: 64), "a b", "é"] {
            #expect(AgencyID(bad) == nil, "\(bad)")
        }
    }

    @Test func aNewerSchemaIsRefusedAndAnOlderOneUpgraded() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory.root) }
        try directory.create()
        let path = directory.root + "/x.sqlite"
        let connection = try SQLiteConnection(path: path)
        let v1 = SchemaMigrator([.init(version: 1, sql: "CREATE TABLE a (x INTEGER);")])
        try v1.migrate(connection)
        try connection.execute("INSERT INTO a VALUES (7)")
        let v2 = SchemaMigrator([
            .init(version: 1, sql: "CREATE TABLE a (x INTEGER);"),
            .init(version: 2, sql: "ALTER TABLE a ADD COLUMN y TEXT NOT NULL DEFAULT 'up';"),
        ])
        #expect(try v2.migrate(connection) == 1)
        #expect(try connection.statement("SELECT x, y FROM a").firstRow { "\($0.int64(0)) \($0.string(1))" } == "7 up")
        #expect(throws: SQLiteError.self) { try v1.migrate(connection) }
    }

    @Test func constraintErrorsMatchByPrimaryCode() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory.root) }
        try directory.create()
        let connection = try SQLiteConnection(path: directory.root + "/y.sqlite")
        try connection.execute("CREATE TABLE t (id TEXT PRIMARY KEY)")
        try connection.statement("INSERT INTO t VALUES (?)").execute(["a"])
        do {
            try connection.statement("INSERT INTO t VALUES (?)").execute(["a"])
            Issue.record("duplicate accepted")
        } catch {
            #expect(SQLiteResultCode.constraint ~= error.code)
            #expect(error.code != .constraint, "the extended code is kept")
        }
    }
}
