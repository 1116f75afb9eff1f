import TallyJSON

/// A valid JSON-RPC 2.0 Request object.
///
/// See <https://www.jsonrpc.org/specification#request_object>.
public struct Request: Sendable, Hashable {
    public var method: String
    /// Named params; an absent `params` member reads as an empty object.
    public var params: [String: JSONValue]
    /// `nil` for a notification (no `id` member), which is never answered.
    public var id: RequestID?
    /// The request sent positional params (an array), which Tally's methods do not take.
    public var hasPositionalParams: Bool

    public init(method: String, params: [String: JSONValue] = [:], id: RequestID?, hasPositionalParams: Bool = false) {
        self.method = method
        self.params = params
        self.id = id
        self.hasPositionalParams = hasPositionalParams
    }

    public var isNotification: Bool { id == nil }
}

/// One element of an incoming message, classified.
public enum IncomingCall: Sendable {
    /// A well-formed request or notification.
    case request(Request)
    /// Not a valid Request object; always answered (the spec's example answers one without an
    /// id), with the id when it could be read.
    case invalid(RPCError, id: RequestID?)
}

/// An incoming message: one call or a batch of calls.
public enum IncomingMessage: Sendable {
    case single(IncomingCall)
    case batch([IncomingCall])
    /// A batch that cannot be processed at all (empty, or over the size limit): one error object.
    case rejectedBatch(RPCError)
}

extension IncomingMessage {
    /// Classifies a parsed JSON text per the JSON-RPC 2.0 specification.
    ///
    /// - Parameter maximumBatchSize: a batch with more elements is rejected whole with -32600.
    public static func classify(_ value: JSONValue, maximumBatchSize: Int) -> IncomingMessage {
        guard case .array(let elements) = value else { return .single(IncomingCall.classify(value)) }
        if elements.isEmpty {
            return .rejectedBatch(RPCError(.invalidRequest, "an empty batch is not a valid request"))
        }
        if elements.count > maximumBatchSize {
            return .rejectedBatch(RPCError(
                .invalidRequest,
                "batch of \(elements.count) calls exceeds the limit of \(maximumBatchSize); split it",
                details: ["limit": .integer(Int64(maximumBatchSize))]
            ))
        }
        return .batch(elements.map(IncomingCall.classify))
    }
}

extension IncomingCall {
    /// Validates one Request object.
    public static func classify(_ value: JSONValue) -> IncomingCall {
        guard case .object(let members) = value else {
            return .invalid(RPCError(.invalidRequest, "a request must be a JSON object, got \(value.typeName)"), id: nil)
        }
        // The id is read first so that every later error can echo it.
        var id: RequestID? = nil
        if let rawID = members["id"] {
            guard let parsed = RequestID(rawID) else {
                return .invalid(RPCError(.invalidRequest, "'id' must be a string, a number or null, got \(rawID.typeName)"), id: nil)
            }
            id = parsed
        }
        guard members["jsonrpc"] == .string("2.0") else {
            let got = members["jsonrpc"].map { $0.jsonText } ?? "nothing"
            return .invalid(RPCError(.invalidRequest, "'jsonrpc' must be exactly \"2.0\", got \(got)"), id: id ?? .null)
        }
        guard let methodValue = members["method"] else {
            return .invalid(RPCError(.invalidRequest, "missing 'method'"), id: id ?? .null)
        }
        guard case .string(let method) = methodValue else {
            return .invalid(RPCError(.invalidRequest, "'method' must be a string, got \(methodValue.typeName)"), id: id ?? .null)
        }
        var params: [String: JSONValue] = [:]
        var positional = false
        switch members["params"] {
        case nil: break
        case .object(let named)?: params = named
        case .array?: positional = true
        case let other?:
            return .invalid(RPCError(.invalidRequest, "'params' must be an object (or an array), got \(other.typeName)"), id: id ?? .null)
        }
        return .request(Request(method: method, params: params, id: id, hasPositionalParams: positional))
    }
}
