import TallyCore
import TallyJSON

/// Where a delivery stands.
public enum WebhookDeliveryState: String, Sendable, Hashable, CaseIterable {
    /// Not yet accepted by the endpoint; tried again at `nextAttemptAt`.
    case pending
    /// The endpoint answered 2xx.
    case delivered
    /// Failed for good after the maximum number of attempts, or its endpoint was deleted. Kept and
    /// listed with its last error so that nothing disappears silently.
    case dead
}

/// One alert bound for one endpoint: a row of the outbox.
public struct WebhookDelivery: Sendable, Hashable {
    /// Also sent as `X-Tally-Delivery`, the same on every retry: receivers deduplicate on it.
    public var id: String
    public var endpointID: String
    public var alertID: String
    public var level: AlertLevel
    /// The exact bytes POSTed (and signed), as UTF-8 text.
    public var body: String
    public var state: WebhookDeliveryState
    public var attempts: Int
    /// When the next attempt is due; `nil` once delivered or dead.
    public var nextAttemptAt: Timestamp?
    public var lastError: String?
    /// The HTTP status of the last answer; `nil` when the last attempt got none (refused, timed out).
    public var lastStatus: Int?
    public var createdAt: Timestamp
    public var deliveredAt: Timestamp?

    /// The listing as JSON (times in RFC 3339, UTC); the body is left out unless asked for.
    public func json(includeBody: Bool = false) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "endpoint_id": .string(endpointID), "alert_id": .string(alertID), "level": .string(level.rawValue),
            "state": .string(state.rawValue), "attempts": .integer(Int64(attempts)),
            "next_attempt_at": nextAttemptAt.map { .string($0.rfc3339) } ?? .null,
            "last_error": lastError.map { .string($0) } ?? .null,
            "last_status": lastStatus.map { .integer(Int64($0)) } ?? .null,
            "created_at": .string(createdAt.rfc3339),
            "delivered_at": deliveredAt.map { .string($0.rfc3339) } ?? .null,
        ]
        if includeBody { members["body"] = .string(body) }
        return .object(members)
    }
}

/// Deliveries per state (`webhooks.list` shows them beside the endpoints).
public struct WebhookDeliveryCounts: Sendable, Hashable {
    public var pending: Int
    public var delivered: Int
    public var dead: Int

    public init(pending: Int = 0, delivered: Int = 0, dead: Int = 0) {
        self.pending = pending
        self.delivered = delivered
        self.dead = dead
    }

    public var json: JSONValue {
        ["pending": .integer(Int64(pending)), "delivered": .integer(Int64(delivered)), "dead": .integer(Int64(dead))]
    }
}
