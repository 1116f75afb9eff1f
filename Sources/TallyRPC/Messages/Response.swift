import TallyJSON

/// A JSON-RPC 2.0 Response object: `result` xor `error`.
///
/// See <https://www.jsonrpc.org/specification#response_object>.
public struct Response: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case result(JSONValue)
        case error(RPCError)
    }

    public var id: RequestID
    public var outcome: Outcome

    public init(id: RequestID, outcome: Outcome) {
        self.id = id
        self.outcome = outcome
    }

    public var jsonValue: JSONValue {
        switch outcome {
        case .result(let result):
            .object(["jsonrpc": "2.0", "id": id.jsonValue, "result": result])
        case .error(let error):
            .object(["jsonrpc": "2.0", "id": id.jsonValue, "error": error.jsonValue])
        }
    }
}

/// A server-to-client notification (no id), e.g. `alerts.fired`.
public struct Notification: Sendable, Hashable {
    public var method: String
    public var params: JSONValue

    public init(method: String, params: JSONValue) {
        self.method = method
        self.params = params
    }

    public var jsonValue: JSONValue { .object(["jsonrpc": "2.0", "method": .string(method), "params": params]) }
}
