import TallyCore
import TallyJSON

/// Where the cost an entry counts came from.
public enum CostBasis: String, Sendable, Hashable {
    /// Tally's catalog price.
    case catalog
    /// The cost the provider reported (OpenRouter) or the caller sent.
    case reported
    /// No price yet: counted as unpriced, never as $0, and priced when a price arrives.
    case unpriced
}

/// An event ready to be written: validated, attributed and priced.
public struct LedgerEntry: Sendable {
    public var event: UsageEvent
    public var receivedAt: Timestamp
    /// `nil`: unattributed.
    public var client: String?
    public var attributionReason: String?
    public var ruleVersion: String?
    public var attributionError: String?
    /// The cost counted in the ledger; `nil` while unpriced.
    public var cost: Money?
    /// Tally's own computed cost, when the model was priced.
    public var computedCost: Money?
    public var costBasis: CostBasis
    public var priceVersion: String?
    /// The catalog model the event's model resolved to.
    public var resolvedModel: String?
    /// Why an event is unpriced, or how its price was estimated.
    public var pricingNote: String?

    public init(
        event: UsageEvent, receivedAt: Timestamp, client: String?, attributionReason: String?, ruleVersion: String?,
        attributionError: String?, cost: Money?, computedCost: Money?, costBasis: CostBasis, priceVersion: String?,
        resolvedModel: String?, pricingNote: String?
    ) {
        self.event = event
        self.receivedAt = receivedAt
        self.client = client
        self.attributionReason = attributionReason
        self.ruleVersion = ruleVersion
        self.attributionError = attributionError
        self.cost = cost
        self.computedCost = computedCost
        self.costBasis = costBasis
        self.priceVersion = priceVersion
        self.resolvedModel = resolvedModel
        self.pricingNote = pricingNote
    }
}

/// What the ledger holds for one event, as `ingest.events` answers it (also for a duplicate,
/// which gets the original's answer).
public struct StoredEventSummary: Sendable, Hashable {
    public var sequence: Int64
    public var client: String?
    public var cost: Money?
    public var costBasis: CostBasis
    public var priceVersion: String?
    public var ruleVersion: String?
    public var apiKeyWasFingerprinted: Bool
}

/// The result of writing one entry.
public enum WriteOutcome: Sendable, Hashable {
    case accepted(StoredEventSummary)
    /// The `(source, id)` was claimed before; the original is unchanged.
    case duplicate(StoredEventSummary)
}
