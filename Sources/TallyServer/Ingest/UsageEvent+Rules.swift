import TallyCore
import TallyJSON

extension UsageEvent {
    /// The event as attribution rules see it: every field, with usage in Tally's canonical
    /// taxonomy (also when the caller sent `provider_usage`). See docs/rules.md.
    var ruleView: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "source": .string(source), "ts": .string(timestamp.rfc3339),
            "provider": .string(provider), "model": .string(model), "usage": usage.jsonValue,
            "service_tier": .string(serviceTier.rawValue), "status": .string(status.rawValue),
            "metadata": .object(metadata),
        ]
        if let client { members["client"] = .string(client) }
        if let instance { members["instance"] = .string(instance) }
        if workflowID != nil || workflowName != nil {
            members["workflow"] = .object([
                "id": workflowID.map(JSONValue.string) ?? .null, "name": workflowName.map(JSONValue.string) ?? .null,
            ])
        }
        if let executionID { members["execution_id"] = .string(executionID) }
        if let apiKey { members["api_key"] = .string(apiKey) }
        if let outcomes { members["outcomes"] = outcomes }
        if let reportedCost { members["cost"] = reportedCost.jsonValue }
        return .object(members)
    }
}
