import TallyCore
import TallyJSON
import TallyStore

/// Clients, executions and n8n instances: stored in the agency's ledger file, on its thread.
extension AgencyPipeline {
    func clients() throws -> [ClientProfile] { try database.clients() }

    func client(_ id: String) throws -> ClientProfile? { try database.client(id) }

    /// Applies a `clients.upsert` request; returns the stored profile and whether it was new.
    func upsertClient(_ request: JSONValue) throws -> (profile: ClientProfile, created: Bool) {
        guard let id = request["id"]?.stringValue else { throw ClientProfileError(field: "id", reason: "is required") }
        let profile = try ClientProfile.merge(request, into: try database.client(id))
        let created = try database.putClient(profile)
        return (profile, created)
    }

    func upsertExecutions(_ executions: [Execution], source: String) throws -> [ExecutionWriteOutcome] {
        try database.upsertExecutions(executions, source: source)
    }

    func executions(from: Timestamp, to: Timestamp, client: String?, workflow: String?, status: ExecutionStatus?,
                    offset: Int, limit: Int) throws -> [JSONValue] {
        try database.executions(from: from, to: to, client: client, workflow: workflow, status: status, offset: offset, limit: limit)
    }

    func putN8nInstance(id: String, settings: JSONValue) throws -> Bool { try database.putN8nInstance(id: id, settings: settings) }

    func n8nInstances() throws -> [N8nInstanceRecord] { try database.n8nInstances() }

    func saveN8nState(id: String, state: JSONValue) throws -> Bool { try database.saveN8nState(id: id, state: state) }

    func deleteN8nInstance(id: String) throws -> Bool { try database.deleteN8nInstance(id: id) }
}
