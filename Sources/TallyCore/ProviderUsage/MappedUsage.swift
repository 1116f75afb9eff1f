/// A provider's usage object translated into Tally's taxonomy, with what else it reported.
public struct MappedUsage: Sendable, Hashable {
    /// The canonical usage.
    public var usage: TokenUsage
    /// The shape the provider usage was read as.
    public var format: UsageFormat
    /// The cost the provider reported for the call (OpenRouter's `usage.cost`, in credits,
    /// which OpenRouter sells at 1 USD), converted exactly from its decimal description. The
    /// ledger keeps it next to Tally's own computed cost.
    public var reportedCost: Money?
    /// For OpenRouter bring-your-own-key calls, the upstream provider's cost
    /// (`usage.cost_details.upstream_inference_cost`), billed by that provider, not OpenRouter.
    public var reportedUpstreamCost: Money?
    /// A service tier reported inside the usage (Anthropic's `usage.service_tier`).
    public var serviceTier: ServiceTier?

    public init(
        usage: TokenUsage, format: UsageFormat, reportedCost: Money? = nil,
        reportedUpstreamCost: Money? = nil, serviceTier: ServiceTier? = nil
    ) {
        self.usage = usage
        self.format = format
        self.reportedCost = reportedCost
        self.reportedUpstreamCost = reportedUpstreamCost
        self.serviceTier = serviceTier
    }
}
