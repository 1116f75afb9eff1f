import TallyJSON

/// One run of an automation workflow (an n8n execution), polled or pushed.
///
/// An execution is identified by its instance (the automation host, the same name LLM events
/// carry as `instance`) and its id on that instance; LLM events join it by `execution_id`.
public struct Execution: Sendable, Hashable {
    public var instance: String
    public var id: String
    public var workflowID: String
    public var workflowName: String?
    public var status: ExecutionStatus
    public var startedAt: Timestamp
    public var stoppedAt: Timestamp?
    /// n8n's mode: manual, trigger, webhook, retry, ...
    public var mode: String?
    /// The execution this one retries, if it is a retry.
    public var retryOf: String?
    /// The client, when the sender knows it (otherwise the LLM events or the client's workflows tell).
    public var client: String?

    public init(instance: String, id: String, workflowID: String, workflowName: String? = nil, status: ExecutionStatus,
                startedAt: Timestamp, stoppedAt: Timestamp? = nil, mode: String? = nil, retryOf: String? = nil, client: String? = nil) {
        self.instance = instance
        self.id = id
        self.workflowID = workflowID
        self.workflowName = workflowName
        self.status = status
        self.startedAt = startedAt
        self.stoppedAt = stoppedAt
        self.mode = mode
        self.retryOf = retryOf
        self.client = client
    }
}

/// Why an execution record is not acceptable: the same field-and-reason error as an event's.
public typealias ExecutionValidationError = EventValidationError

extension Execution {
    static let allowedMembers: Set<String> = [
        "instance", "id", "execution_id", "workflow", "status", "started_at", "stopped_at", "mode", "retry_of", "client",
    ]

    /// Reads an execution pushed through `ingest.executions`:
    /// `{instance, id, workflow: {id, name} | "id", status, started_at, stopped_at?, mode?, retry_of?, client?}`.
    public static func decode(_ json: JSONValue) throws(ExecutionValidationError) -> Execution {
        guard case .object(let members) = json else {
            throw ExecutionValidationError(field: "execution", reason: "must be an object, got \(json.typeName)")
        }
        if let unknown = members.keys.sorted().first(where: { !allowedMembers.contains($0) }) {
            throw ExecutionValidationError(field: unknown, reason: "unknown member; allowed: \(allowedMembers.sorted().joined(separator: ", "))")
        }
        func identifier(_ name: String, required: Bool) throws(ExecutionValidationError) -> String? {
            switch members[name] {
            case .string(let text) where !text.isEmpty && text.utf8.count <= 256: return text
            case .integer(let number): return String(number)
            case nil, .null?:
                if required { throw ExecutionValidationError(field: name, reason: "is required") }
                return nil
            default: throw ExecutionValidationError(field: name, reason: "must be a non-empty string of at most 256 bytes or an integer")
            }
        }
        func time(_ name: String, required: Bool) throws(ExecutionValidationError) -> Timestamp? {
            guard let value = members[name], !value.isNull else {
                if required { throw ExecutionValidationError(field: name, reason: "is required (RFC 3339)") }
                return nil
            }
            guard let text = value.stringValue else { throw ExecutionValidationError(field: name, reason: "must be an RFC 3339 string") }
            do { return try Timestamp(rfc3339: text) } catch { throw ExecutionValidationError(field: name, reason: "\(error)") }
        }
        guard let instance = try identifier("instance", required: true) else { throw ExecutionValidationError(field: "instance", reason: "is required") }
        if members["id"] != nil && members["execution_id"] != nil {
            throw ExecutionValidationError(field: "execution_id", reason: "give id or execution_id, not both")
        }
        if members["id"] == nil && members["execution_id"] == nil {
            throw ExecutionValidationError(field: "id", reason: "is required: the execution's id on its instance (also accepted as execution_id)")
        }
        guard let id = try identifier(members["id"] != nil ? "id" : "execution_id", required: true) else {
            throw ExecutionValidationError(field: "id", reason: "is required")
        }
        var workflowID: String
        var workflowName: String? = nil
        switch members["workflow"] {
        case .string(let text) where !text.isEmpty: workflowID = text
        case .integer(let number): workflowID = String(number)
        case .object(let workflow):
            switch workflow["id"] {
            case .string(let text) where !text.isEmpty: workflowID = text
            case .integer(let number): workflowID = String(number)
            default: throw ExecutionValidationError(field: "workflow.id", reason: "is required (a string or an integer)")
            }
            if let name = workflow["name"], !name.isNull {
                guard let text = name.stringValue else { throw ExecutionValidationError(field: "workflow.name", reason: "must be a string") }
                workflowName = text
            }
        default:
            throw ExecutionValidationError(field: "workflow", reason: "is required: {\"id\": ..., \"name\": ...} or the workflow id")
        }
        guard let statusText = members["status"]?.stringValue else {
            throw ExecutionValidationError(field: "status", reason: "is required: \(ExecutionStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let status = ExecutionStatus(rawValue: statusText) else {
            throw ExecutionValidationError(field: "status", reason: "unknown status '\(statusText)'; use \(ExecutionStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let startedAt = try time("started_at", required: true)!
        let stoppedAt = try time("stopped_at", required: false)
        if let stoppedAt, stoppedAt < startedAt {
            throw ExecutionValidationError(field: "stopped_at", reason: "is before started_at")
        }
        var mode: String? = nil
        if let value = members["mode"], !value.isNull {
            guard let text = value.stringValue else { throw ExecutionValidationError(field: "mode", reason: "must be a string") }
            mode = text
        }
        return Execution(
            instance: instance, id: id, workflowID: workflowID, workflowName: workflowName, status: status, startedAt: startedAt,
            stoppedAt: stoppedAt, mode: mode, retryOf: try identifier("retry_of", required: false), client: try identifier("client", required: false))
    }

    /// The execution as the API returns it.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "instance": .string(instance), "id": .string(id), "workflow": .string(workflowID), "status": .string(status.rawValue),
            "started_at": .string(startedAt.rfc3339),
        ]
        members["workflow_name"] = workflowName.map(JSONValue.string) ?? .null
        members["stopped_at"] = stoppedAt.map { .string($0.rfc3339) } ?? .null
        members["mode"] = mode.map(JSONValue.string) ?? .null
        members["retry_of"] = retryOf.map(JSONValue.string) ?? .null
        members["client"] = client.map(JSONValue.string) ?? .null
        return .object(members)
    }
}
