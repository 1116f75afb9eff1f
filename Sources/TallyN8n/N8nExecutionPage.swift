import TallyCore
import TallyJSON

/// One page of n8n's `GET /api/v1/executions`: `{"data": [...], "nextCursor": "..." | null}`.
///
/// Accepts every shape n8n has served: string ids (1.x) and numeric ids (0.x), executions with a
/// `status` and older ones with only `finished` and `stoppedAt`.
/// See https://docs.n8n.io/api/api-reference/#tag/execution/get/executions
public struct N8nExecutionPage: Sendable {
    public var executions: [Execution]
    public var nextCursor: String?

    /// Why a page cannot be read; `index` is the position of the bad execution in `data`.
    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public var index: Int?
        public var reason: String
        public var description: String {
            index.map { "n8n executions page, data[\($0)]: \(reason)" } ?? "n8n executions page: \(reason)"
        }
    }

    /// Reads a page; executions get `instance` as their instance id.
    public static func parse(_ body: [UInt8], instance: String) throws(FormatError) -> N8nExecutionPage {
        let json: JSONValue
        do { json = try JSONCodec.parse(body) } catch { throw FormatError(index: nil, reason: "not JSON: \(error)") }
        guard case .object(let members) = json, case .array(let items)? = members["data"] else {
            throw FormatError(index: nil, reason: "expected an object with a 'data' array")
        }
        var executions: [Execution] = []
        executions.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do { executions.append(try execution(item, instance: instance)) } catch {
                throw FormatError(index: index, reason: error.reason)
            }
        }
        var cursor: String? = nil
        switch members["nextCursor"] {
        case .string(let text) where !text.isEmpty: cursor = text
        case .integer(let number): cursor = String(number)
        default: cursor = nil
        }
        return N8nExecutionPage(executions: executions, nextCursor: cursor)
    }

    static func identifier(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text) where !text.isEmpty: text
        case .integer(let number): String(number)
        default: nil
        }
    }

    struct Invalid: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    static func execution(_ item: JSONValue, instance: String) throws(Invalid) -> Execution {
        guard case .object(let members) = item else { throw Invalid("must be an object") }
        guard let id = identifier(members["id"]) else { throw Invalid("'id' is missing") }
        guard let workflow = identifier(members["workflowId"]) else { throw Invalid("execution \(id): 'workflowId' is missing") }
        guard let startedText = members["startedAt"]?.stringValue else { throw Invalid("execution \(id): 'startedAt' is missing") }
        let startedAt: Timestamp
        do { startedAt = try Timestamp(rfc3339: startedText) } catch { throw Invalid("execution \(id): startedAt: \(error)") }
        var stoppedAt: Timestamp? = nil
        if let text = members["stoppedAt"]?.stringValue {
            do { stoppedAt = try Timestamp(rfc3339: text) } catch { throw Invalid("execution \(id): stoppedAt: \(error)") }
        }
        let status: ExecutionStatus
        if let text = members["status"]?.stringValue {
            status = ExecutionStatus(rawValue: text) ?? .unknown
        } else {
            status = .legacy(finished: members["finished"]?.boolValue ?? false, stopped: stoppedAt != nil)
        }
        var workflowName: String? = nil
        if case .object(let data)? = members["workflowData"] { workflowName = data["name"]?.stringValue }
        return Execution(
            instance: instance, id: id, workflowID: workflow, workflowName: workflowName, status: status, startedAt: startedAt,
            stoppedAt: stoppedAt, mode: members["mode"]?.stringValue, retryOf: identifier(members["retryOf"]))
    }
}
