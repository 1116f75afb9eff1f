/// A provider's service tier: the same model at a different price for different latency or
/// capacity terms.
///
/// ``standard`` is the base every catalog entry has. The others are price variants: OpenAI's
/// and Anthropic's Batch API (about half price), OpenAI's and Google's `priority` and `flex`.
/// Other names found in a catalog are kept as they are, lower-cased.
public struct ServiceTier: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public static let standard = ServiceTier(rawValue: "standard")
    public static let batch = ServiceTier(rawValue: "batch")
    public static let priority = ServiceTier(rawValue: "priority")
    public static let flex = ServiceTier(rawValue: "flex")

    /// The tier for a name as providers and catalogs spell it: OpenAI's "default" and "auto"
    /// and Bedrock's "on_demand" are ``standard``; LiteLLM's "batches" is ``batch``.
    public init(normalizing raw: String) {
        let name = raw.trimmingASCIIWhitespace().lowercased()
        switch name {
        case "", "standard", "default", "auto", "on_demand", "on-demand", "standard_only": self = .standard
        case "batch", "batches": self = .batch
        default: self.rawValue = name
        }
    }

    public var description: String { rawValue }

    public static func < (lhs: ServiceTier, rhs: ServiceTier) -> Bool { lhs.rawValue < rhs.rawValue }
}
