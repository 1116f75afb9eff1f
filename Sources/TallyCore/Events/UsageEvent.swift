import TallyJSON

/// One LLM call as a workflow reports it to `ingest.events`, validated.
public struct UsageEvent: Sendable, Hashable {
    /// Unique per agency and ``source``; a repeat is a duplicate, not a new call.
    public var id: String
    public var source: String
    public var timestamp: Timestamp
    public var provider: String
    public var model: String
    public var usage: TokenUsage
    public var serviceTier: ServiceTier
    /// The cost the caller or the provider reported, if any (kept beside Tally's own).
    public var reportedCost: Money?
    /// The shape `provider_usage` was read as, when the event carried one.
    public var usageFormat: String?
    public var client: String?
    public var instance: String?
    public var workflowID: String?
    public var workflowName: String?
    public var executionID: String?
    /// The provider key's id, or a fingerprint when the event carried something like a secret.
    public var apiKey: String?
    /// True when ``apiKey`` holds a fingerprint made from a value that looked like a secret key.
    public var apiKeyWasFingerprinted: Bool
    public var metadata: [String: JSONValue]
    public var status: EventStatus
    /// Business results the call produced: a count, or counts by label.
    public var outcomes: JSONValue?
    /// The event as received (canonical JSON), with any secret key replaced by its fingerprint.
    public var raw: JSONValue

    /// The workflow dimension of the ledger: the id, else the name.
    public var workflowKey: String? { workflowID ?? workflowName }
}

extension UsageEvent {
    /// The number of business results the event reports: its `outcomes` count, or the sum of
    /// its counts by label.
    public var outcomeCount: Int64 {
        switch outcomes {
        case .integer(let count)?: return count
        case .object(let counts)?:
            // Saturates: counts are validated non-negative, but their sum could still pass Int64.max.
            return counts.values.reduce(Int64(0)) { total, count in
                let (sum, overflow) = total.addingReportingOverflow(count.int64Value ?? 0)
                return overflow ? .max : sum
            }
        default: return 0
        }
    }
}
