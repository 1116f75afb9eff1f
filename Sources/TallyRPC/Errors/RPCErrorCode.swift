/// A JSON-RPC 2.0 error code: the protocol's own codes and Tally's application codes.
///
/// Protocol errors use the codes of the JSON-RPC 2.0 specification, section 5.1
/// (<https://www.jsonrpc.org/specification#error_object>). Application errors use one fixed
/// table in the reserved "server error" range -32000...-32099. Every code maps to one
/// ``RPCStatus`` and says whether retrying the same request may succeed.
///
/// The published table is `docs/api.md` and the `x-error-table` of `proto/openrpc.json`;
/// a test keeps the three in step.
public struct RPCErrorCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int

    public init(rawValue: Int) { self.rawValue = rawValue }

    // MARK: Protocol errors (JSON-RPC 2.0)

    /// Invalid JSON was received: the text could not be parsed.
    public static let parseError = RPCErrorCode(rawValue: -32700)
    /// The JSON sent is not a valid Request object (or the batch is empty or too large).
    public static let invalidRequest = RPCErrorCode(rawValue: -32600)
    /// The method does not exist.
    public static let methodNotFound = RPCErrorCode(rawValue: -32601)
    /// Invalid method parameters: missing, unknown or mistyped, named in the message.
    public static let invalidParams = RPCErrorCode(rawValue: -32602)
    /// An internal failure; details are logged on the server, never sent.
    public static let internalError = RPCErrorCode(rawValue: -32603)

    // MARK: Application errors (-32000...-32099)

    /// No token, an unknown token or a revoked token.
    public static let unauthenticated = RPCErrorCode(rawValue: -32001)
    /// The request did not finish in time.
    public static let deadlineExceeded = RPCErrorCode(rawValue: -32002)
    /// The token's role may not call this method.
    public static let permissionDenied = RPCErrorCode(rawValue: -32003)
    /// The server is starting or shutting down, or a dependency is down; retry later.
    public static let unavailable = RPCErrorCode(rawValue: -32004)
    /// A limit was hit (message size, batch size, requests in flight, memory).
    public static let resourceExhausted = RPCErrorCode(rawValue: -32005)
    /// The named record (budget, client, rule file, price...) does not exist.
    public static let notFound = RPCErrorCode(rawValue: -32006)
    /// A value is well-formed but not acceptable (an unknown timezone, a negative amount).
    public static let invalidArgument = RPCErrorCode(rawValue: -32007)
    /// The system is not in a state that allows the operation (a rule file that does not load).
    public static let failedPrecondition = RPCErrorCode(rawValue: -32008)
    /// The record to create exists already.
    public static let alreadyExists = RPCErrorCode(rawValue: -32009)

    /// Every code Tally sends, in table order.
    public static let allCodes: [RPCErrorCode] = [
        .parseError, .invalidRequest, .methodNotFound, .invalidParams, .internalError,
        .unauthenticated, .deadlineExceeded, .permissionDenied, .unavailable, .resourceExhausted,
        .notFound, .invalidArgument, .failedPrecondition, .alreadyExists,
    ]

    /// The gRPC-style status this code carries in `error.data.status`.
    public var status: RPCStatus {
        switch self {
        case .parseError, .invalidRequest, .invalidParams, .invalidArgument: .invalidArgument
        case .methodNotFound: .unimplemented
        case .unauthenticated: .unauthenticated
        case .deadlineExceeded: .deadlineExceeded
        case .permissionDenied: .permissionDenied
        case .unavailable: .unavailable
        case .resourceExhausted: .resourceExhausted
        case .notFound: .notFound
        case .failedPrecondition: .failedPrecondition
        case .alreadyExists: .alreadyExists
        default: .internal
        }
    }

    /// Whether sending the same request again, unchanged, may succeed.
    public var isRetryable: Bool {
        switch self {
        case .unavailable, .resourceExhausted, .deadlineExceeded, .internalError: true
        default: false
        }
    }

    /// The short title of the code, as in the published table.
    public var title: String {
        switch self {
        case .parseError: "Parse error"
        case .invalidRequest: "Invalid Request"
        case .methodNotFound: "Method not found"
        case .invalidParams: "Invalid params"
        case .internalError: "Internal error"
        default: status.rawValue
        }
    }

    public var description: String { "\(rawValue) \(title)" }

    /// Matches any code of the reserved server-error range when used as a pattern:
    /// `case .serverErrorRange: ...`.
    public static let serverErrorRange = RPCErrorCode(rawValue: Int.min)

    public static func ~= (pattern: RPCErrorCode, code: RPCErrorCode) -> Bool {
        if pattern.rawValue == Int.min { return (-32099)...(-32000) ~= code.rawValue }
        return pattern.rawValue == code.rawValue
    }
}
