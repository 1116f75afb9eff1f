import NIOConcurrencyHelpers
import TallyCore
import TallyJSON

/// The transport a request arrived on.
public enum Transport: String, Sendable {
    case tcp
    case http
}

/// What the transport learned about the caller's identity before dispatch.
public enum Authentication: Sendable, Hashable {
    /// No token was presented.
    case anonymous
    /// A token was presented but is unknown or revoked; the reason is safe to show.
    case rejected(String)
    case authenticated(Principal)
}

/// The state of one TCP connection: who it is bound to after `session.hello`, and how to push
/// notifications to it. HTTP requests get a fresh session each.
public final class Session: Sendable {
    private let state: NIOLockedValueBox<Authentication>
    private let notify: (@Sendable (Notification) async -> Void)?

    public init(authentication: Authentication = .anonymous, notify: (@Sendable (Notification) async -> Void)? = nil) {
        self.state = NIOLockedValueBox(authentication)
        self.notify = notify
    }

    public var authentication: Authentication { state.withLockedValue { $0 } }

    /// Binds the session to a principal (a successful `session.hello`).
    public func bind(_ authentication: Authentication) { state.withLockedValue { $0 = authentication } }

    /// Whether this transport can push notifications (TCP can, HTTP cannot).
    public var canPush: Bool { notify != nil }

    /// Sends a notification to the peer; does nothing on a transport that cannot push.
    public func push(_ notification: Notification) async { await notify?(notification) }
}

/// Everything a handler knows about the request it serves.
public struct RequestContext: Sendable {
    public let transport: Transport
    public let session: Session
    /// Set by the dispatcher once access checks pass for a method that needs a role.
    public let principal: Principal?

    public init(transport: Transport, session: Session, principal: Principal? = nil) {
        self.transport = transport
        self.session = session
        self.principal = principal
    }

    /// The principal, for handlers of methods that require a role (the dispatcher guarantees it).
    public func requirePrincipal() throws(RPCError) -> Principal {
        guard let principal else { throw RPCError.unauthenticated("this method needs a token") }
        return principal
    }
}
