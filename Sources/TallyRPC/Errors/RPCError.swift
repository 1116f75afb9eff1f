import TallyJSON

/// An error answered to a JSON-RPC request.
///
/// Handlers throw it to answer with a specific code; any other error thrown by a handler is
/// logged and answered as ``RPCErrorCode/internalError`` without its text, so that an internal
/// failure never leaks a stack trace, a path or a secret.
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: RPCErrorCode
    /// One sentence for a person: what is wrong and, where it helps, how to fix it.
    public var message: String
    /// Extra fields merged into `error.data` beside `status` and `retryable` (e.g. `field`).
    public var details: [String: JSONValue]

    public init(_ code: RPCErrorCode, _ message: String, details: [String: JSONValue] = [:]) {
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { "\(code.rawValue) \(code.status.rawValue): \(message)" }

    /// The JSON-RPC Error object.
    public var jsonValue: JSONValue {
        var data = details
        data["status"] = .string(code.status.rawValue)
        data["retryable"] = .bool(code.isRetryable)
        return .object([
            "code": .integer(Int64(code.rawValue)),
            "message": .string(message),
            "data": .object(data),
        ])
    }
}

extension RPCError {
    /// -32602 naming the parameter at fault.
    public static func invalidParam(_ field: String, _ reason: String) -> RPCError {
        RPCError(.invalidParams, "invalid param '\(field)': \(reason)", details: ["field": .string(field)])
    }

    /// -32602 for a required parameter that is absent.
    public static func missingParam(_ field: String) -> RPCError {
        RPCError(.invalidParams, "missing required param '\(field)'", details: ["field": .string(field)])
    }

    public static func unauthenticated(_ message: String) -> RPCError { RPCError(.unauthenticated, message) }
    public static func permissionDenied(_ message: String) -> RPCError { RPCError(.permissionDenied, message) }
    public static func notFound(_ message: String) -> RPCError { RPCError(.notFound, message) }
    public static func invalidArgument(_ field: String, _ message: String) -> RPCError {
        RPCError(.invalidArgument, message, details: ["field": .string(field)])
    }
    public static func unavailable(_ message: String) -> RPCError { RPCError(.unavailable, message) }
    public static func internalError() -> RPCError { RPCError(.internalError, "internal error; the server log has details") }
}
