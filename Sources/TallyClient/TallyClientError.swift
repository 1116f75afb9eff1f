import TallyJSON
import TallyRPC

/// Why a call through ``TallyClient`` failed.
public enum TallyClientError: Error, CustomStringConvertible, Sendable {
    /// The server answered with a JSON-RPC error.
    case rpc(code: Int, message: String, status: String?, retryable: Bool, data: JSONValue?)
    /// The connection closed before the answer arrived.
    case connectionClosed
    /// The server sent something that is not a JSON-RPC response.
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .rpc(let code, let message, let status, _, _): "\(status ?? "ERROR") (\(code)): \(message)"
        case .connectionClosed: "the connection to the server closed"
        case .protocolViolation(let detail): "unexpected message from the server: \(detail)"
        }
    }

    /// Whether the same call may succeed if sent again.
    public var isRetryable: Bool {
        switch self {
        case .rpc(_, _, _, let retryable, _): retryable
        case .connectionClosed: true
        case .protocolViolation: false
        }
    }

    init(errorObject: JSONValue) {
        let data = errorObject["data"]
        self = .rpc(
            code: Int(errorObject["code"]?.int64Value ?? 0),
            message: errorObject["message"]?.stringValue ?? "",
            status: data?["status"]?.stringValue,
            retryable: data?["retryable"]?.boolValue ?? false,
            data: data)
    }
}
