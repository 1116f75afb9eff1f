import Logging
import TallyCore
import TallyJSON

/// Observes each call the dispatcher finishes, for metrics.
public protocol DispatchObserver: Sendable {
    /// Called once per call (requests and notifications) with its method name ("unknown" for a
    /// method not in the table), the outcome's status name or "OK", and the time it took.
    func callFinished(method: String, outcome: String, duration: Duration)
}

/// Runs JSON-RPC 2.0 messages against a method table.
///
/// Transport-independent: TCP and HTTP hand it one complete JSON text and write back what it
/// returns, if anything. It implements the specification's semantics exactly
/// (<https://www.jsonrpc.org/specification>): notifications are never answered, not even
/// with an error; an empty batch gets one error object; a batch of only notifications gets
/// nothing; an invalid element of a batch gets its own error in the batch's answer.
public struct Dispatcher: Sendable {
    /// Limits applied before any method runs.
    public struct Limits: Sendable {
        /// The most calls one batch may hold.
        public var maximumBatchSize: Int
        public init(maximumBatchSize: Int = 1_000) { self.maximumBatchSize = maximumBatchSize }
    }

    public let methods: [String: RPCMethod]
    public let limits: Limits
    private let logger: Logger
    private let observer: (any DispatchObserver)?

    public init(methods: [RPCMethod], limits: Limits = Limits(), logger: Logger, observer: (any DispatchObserver)? = nil) {
        self.methods = Dictionary(methods.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.limits = limits
        self.logger = logger
        self.observer = observer
    }

    /// Handles one JSON text; returns the JSON text to send back, or `nil` when nothing is to be answered.
    public func handle(text bytes: some Collection<UInt8>, session: Session, transport: Transport) async -> [UInt8]? {
        let value: JSONValue
        do {
            value = try JSONCodec.parse(bytes)
        } catch {
            observer?.callFinished(method: "unknown", outcome: RPCStatus.invalidArgument.rawValue, duration: .zero)
            let response = Response(id: .null, outcome: .error(RPCError(.parseError, "parse error: \(error)")))
            return JSONCodec.serialize(response.jsonValue)
        }
        return await handle(value: value, session: session, transport: transport).map(JSONCodec.serialize)
    }

    /// Handles one parsed message; returns the response value, or `nil` when nothing is to be answered.
    public func handle(value: JSONValue, session: Session, transport: Transport) async -> JSONValue? {
        switch IncomingMessage.classify(value, maximumBatchSize: limits.maximumBatchSize) {
        case .rejectedBatch(let error):
            return Response(id: .null, outcome: .error(error)).jsonValue
        case .single(let call):
            return await run(call, session: session, transport: transport)?.jsonValue
        case .batch(let calls):
            var responses: [JSONValue] = []
            for call in calls {
                if let response = await run(call, session: session, transport: transport) {
                    responses.append(response.jsonValue)
                }
            }
            return responses.isEmpty ? nil : .array(responses)
        }
    }

    /// Whether a message holds a call to `method` (used to order `session.hello` before the calls after it).
    public static func message(_ value: JSONValue, calls method: String) -> Bool {
        switch value {
        case .object(let members): return members["method"] == .string(method)
        case .array(let elements): return elements.contains { $0["method"] == .string(method) }
        default: return false
        }
    }

    private func run(_ call: IncomingCall, session: Session, transport: Transport) async -> Response? {
        switch call {
        case .invalid(let error, let id):
            observer?.callFinished(method: "unknown", outcome: error.code.status.rawValue, duration: .zero)
            return Response(id: id ?? .null, outcome: .error(error))
        case .request(let request):
            let start = ContinuousClock.now
            let outcome = await execute(request, session: session, transport: transport)
            let label = methods[request.method] == nil ? "unknown" : request.method
            switch outcome {
            case .result: observer?.callFinished(method: label, outcome: "OK", duration: ContinuousClock.now - start)
            case .error(let error): observer?.callFinished(method: label, outcome: error.code.status.rawValue, duration: ContinuousClock.now - start)
            }
            guard let id = request.id else { return nil }
            return Response(id: id, outcome: outcome)
        }
    }

    private func execute(_ request: Request, session: Session, transport: Transport) async -> Response.Outcome {
        guard let method = methods[request.method] else {
            return .error(RPCError(.methodNotFound, "method '\(request.method)' does not exist; rpc.discover lists the methods"))
        }
        let principal: Principal?
        switch method.access {
        case .public:
            principal = nil
        case .role(let required):
            switch session.authentication {
            case .anonymous:
                return .error(.unauthenticated("'\(method.name)' needs a token: call session.hello {token} on TCP, or send 'Authorization: Bearer <token>' over HTTP"))
            case .rejected(let reason):
                return .error(.unauthenticated(reason))
            case .authenticated(let caller):
                guard caller.role.satisfies(required) else {
                    return .error(.permissionDenied("'\(method.name)' needs the \(required) role (or admin); this token has the \(caller.role) role"))
                }
                principal = caller
            }
        }
        if request.hasPositionalParams {
            return .error(RPCError(.invalidParams, "params must be an object of named params (by-name); '\(method.name)' takes: \(method.params.joined(separator: ", "))"))
        }
        for name in request.params.keys.sorted() where !method.params.contains(name) {
            let expected = method.params.isEmpty ? "it takes no params" : "expected: " + method.params.joined(separator: ", ")
            return .error(.invalidParam(name, "unknown param for '\(method.name)'; \(expected)"))
        }
        for name in method.requiredParams where request.params[name] == nil || request.params[name] == .null {
            return .error(.missingParam(name))
        }
        let context = RequestContext(transport: transport, session: session, principal: principal)
        do {
            return .result(try await method.handler(Params(request.params), context))
        } catch let error as RPCError {
            return .error(error)
        } catch {
            logger.error("internal error in \(method.name)", metadata: ["error": "\(String(reflecting: error))"])
            return .error(.internalError())
        }
    }
}
