import TallyCore
import TallyJSON
import TallyRules

/// Attributes events with the agency's Lua rules, one actor hop per batch.
///
/// A rule that fails for an event (timeout, memory cap, error) leaves that event unattributed
/// with the error recorded; the batch goes on. When the agency has no loadable rules at all,
/// the built-in attribution (explicit `client`, then `metadata.client_id`) stands in.
enum RuleAttribution {
    static func decide(_ events: [UsageEvent], rules: AgencyRules, metrics: ServerMetrics) async -> [AttributionDecision] {
        guard !events.isEmpty else { return [] }
        let (version, results) = await rules.attribute(events: events)
        return zip(events, results).map { event, result in
            switch result {
            case .success(let attribution):
                var reason = attribution.reason
                if !attribution.tags.isEmpty {
                    let tags = attribution.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                    reason = (reason ?? "") + " [\(tags)]"
                }
                return AttributionDecision(client: attribution.client, reason: reason, ruleVersion: version?.short ?? "unknown")
            case .failure(let error) where error.kind == .unavailable:
                return BuiltInAttributor().attribute(event)
            case .failure(let error):
                metrics.ruleError(agency: rules.agency, kind: error.kind.rawValue)
                return AttributionDecision(client: nil, reason: nil, ruleVersion: version?.short ?? "unknown", error: "\(error.kind.rawValue): \(error)")
            }
        }
    }
}
