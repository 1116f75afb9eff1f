import TallyCore

/// Which client an event belongs to, and why.
public struct AttributionDecision: Sendable, Hashable {
    /// `nil`: unattributed.
    public var client: String?
    /// Which rule matched ("explicit client", "metadata.client_id", a Lua rule's reason).
    public var reason: String?
    /// The version of the rules that decided (a content hash for Lua rule sets).
    public var ruleVersion: String
    /// A rule that failed for this event (timeout, memory, error); the event is unattributed.
    public var error: String?

    public init(client: String?, reason: String?, ruleVersion: String, error: String? = nil) {
        self.client = client
        self.reason = reason
        self.ruleVersion = ruleVersion
        self.error = error
    }
}

/// Decides an event's client. Called on the agency's pipeline thread only, so an implementation
/// may hold state that is not thread-safe (a Lua VM).
public protocol Attributor {
    mutating func attribute(_ event: UsageEvent) -> AttributionDecision
}

/// The attribution every agency has without rules: the event's `client`, else
/// `metadata.client_id`, else unattributed.
public struct BuiltInAttributor: Attributor {
    public static let version = "builtin-1"

    public init() {}

    public func attribute(_ event: UsageEvent) -> AttributionDecision {
        if let client = event.client {
            return AttributionDecision(client: client, reason: "explicit client", ruleVersion: Self.version)
        }
        if let client = event.metadata["client_id"]?.stringValue, !client.isEmpty {
            return AttributionDecision(client: client, reason: "metadata.client_id", ruleVersion: Self.version)
        }
        return AttributionDecision(client: nil, reason: nil, ruleVersion: Self.version)
    }
}
