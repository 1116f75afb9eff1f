import TallyCore
import TallyJSON

/// Who may call a method.
public enum Access: Sendable, Hashable {
    /// Anyone, without a token (`session.hello`, `health.check`, `rpc.discover`).
    case `public`
    /// A token of this role, or an admin token.
    case role(Role)
}

/// One entry of the method table: its name, who may call it, the params it accepts and its handler.
public struct RPCMethod: Sendable {
    public typealias Handler = @Sendable (Params, RequestContext) async throws -> JSONValue

    public let name: String
    public let access: Access
    /// Every param the method accepts; any other is refused with -32602 before the handler runs.
    public let params: [String]
    /// Params that must be present (and not null).
    public let requiredParams: [String]
    public let handler: Handler

    public init(_ name: String, access: Access, params: [String] = [], required: [String] = [], handler: @escaping Handler) {
        self.name = name
        self.access = access
        self.params = params
        self.requiredParams = required
        self.handler = handler
    }
}
