/// What `attribute(event)` decided for one event.
public struct Attribution: Sendable, Hashable {
    /// The client the spend belongs to, or `nil` when no rule matched (unattributed).
    public var client: String?
    /// Which rule matched, as the script put it (e.g. `"workflow_name"`), for audits and replays.
    public var reason: String?
    /// Extra labels from the rule (e.g. `["project": "summarizer"]`).
    public var tags: [String: String]

    public init(client: String?, reason: String? = nil, tags: [String: String] = [:]) {
        self.client = client
        self.reason = reason
        self.tags = tags
    }

    /// Limits on what a script may return, so one rule cannot bloat every ledger entry.
    public static let maximumClientLength = 200
    public static let maximumReasonLength = 500
    public static let maximumTagCount = 32
    public static let maximumTagLength = 200
}
