import NIOCore
import TallyCore

/// The server's access to ``ControlDatabase``, confined to one store thread.
public actor ControlStore {
    private let loop: any EventLoop
    private let database: ControlDatabase

    public nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }

    public init(directory: DataDirectory, executor: StoreExecutor) throws {
        self.loop = executor.nextLoop()
        self.database = try ControlDatabase(directory: directory)
    }

    public func authenticate(token: String) throws -> TokenLookup { try database.authenticate(token: token) }
    public func agencies() throws -> [AgencyID] { try database.agencies() }
    public func agencyExists(_ agency: AgencyID) throws -> Bool { try database.agencyExists(agency) }
    public func issueToken(agency: AgencyID, role: Role, label: String?) throws -> IssuedToken {
        try database.issueToken(agency: agency, role: role, label: label)
    }
    public func tokens(agency: AgencyID) throws -> [TokenRecord] { try database.tokens(agency: agency) }
    public func revokeToken(id: String, agency: AgencyID) throws -> Bool { try database.revokeToken(id: id, agency: agency) }
}
