import Foundation
import Logging
import TallyCore
import TallyServer
import TallyStore

/// A real Tally server on loopback ports chosen by the OS, over a fresh data folder.
final class TestServer: Sendable {
    /// The repository's `rules/` folder (shipped default and demo rule sets).
    static var shippedRules: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("rules").path
    }

    let server: TallyServer
    let addresses: TallyServer.BoundAddresses
    let dataDirectory: String
    /// An admin token of agency `demo`, created like a first start does.
    let adminToken: String

    static func start(rulesDirectory: String = shippedRules, _ configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> TestServer {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-test-\(UUID().uuidString)").path
        let first = try FirstStart.prepare(dataDirectory: folder)!
        return try await start(folder: folder, adminToken: first.secret, rulesDirectory: rulesDirectory, configure)
    }

    private static func start(folder: String, adminToken: String, rulesDirectory: String,
                              _ configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> TestServer {
        var configuration = ServerConfiguration()
        configuration.dataDirectory = folder
        configuration.rpcAddress = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.httpAddress = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.rulesDirectory = rulesDirectory
        configure(&configuration)
        var logger = Logger(label: "tally-test")
        logger.logLevel = .critical
        let server = try TallyServer(configuration: configuration, logger: logger)
        let addresses = try await server.start()
        return TestServer(server: server, addresses: addresses, dataDirectory: folder, adminToken: adminToken)
    }

    /// Shuts this server down gracefully and starts a new one over the same data folder (new ports).
    func restarted(rulesDirectory: String = shippedRules) async throws -> TestServer {
        await server.shutdown()
        return try await Self.start(folder: dataDirectory, adminToken: adminToken, rulesDirectory: rulesDirectory)
    }

    private init(server: TallyServer, addresses: TallyServer.BoundAddresses, dataDirectory: String, adminToken: String) {
        self.server = server
        self.addresses = addresses
        self.dataDirectory = dataDirectory
        self.adminToken = adminToken
    }

    /// Issues a token straight into the data folder, as `tally token create` does.
    func token(agency: String, role: Role) throws -> String {
        try ControlDatabase(directory: DataDirectory(dataDirectory)).issueToken(agency: AgencyID(agency)!, role: role, label: "test").secret
    }

    func revoke(_ token: String) throws {
        let database = try ControlDatabase(directory: DataDirectory(dataDirectory))
        let id = try database.tokens().first { TokenSecret.digest(token) == TokenSecret.digest(token) && token.hasPrefix($0.hint) }!.id
        try database.revokeToken(id: id)
    }

    func stop() async {
        await server.shutdown()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    func rawTCP() async throws -> RawConnection {
        try await RawConnection.connect(port: addresses.rpc.port)
    }
}

/// Runs `body` against a fresh server and always stops it.
func withServer<T>(_ configure: (inout ServerConfiguration) -> Void = { _ in }, _ body: (TestServer) async throws -> T) async throws -> T {
    let server = try await TestServer.start(configure)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
