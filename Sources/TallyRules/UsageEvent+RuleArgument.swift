import TallyCore
import TallyJSON

/// The event as attribution rules see it (docs/rules.md, "The event"): every field, with usage
/// in Tally's canonical taxonomy, also when the caller sent `provider_usage`.
///
/// Ingest hands events to the rules member by member: ``pushRuleMember(of:named:to:)`` answers
/// each field a rule reads, and nothing else is converted (see ``EventSource``). A rule that
/// iterates an object (`pairs`) or returns it gets every member from
/// ``writeRuleMembers(of:to:)``. Both describe the same view; a test holds them to it.
extension UsageEvent: RuleArgument {
    /// The event's objects that rules read member by member, as host ids for the C side
    /// (negative, apart from the ids of nested JSON values).
    enum RuleObject: Int32 {
        case event = -1
        case usage = -2
        case workflow = -3
    }

    public var ruleArgumentID: String? { id }

    public func writeMembers(to writer: inout RuleArgumentWriter) {
        writeRuleMembers(of: .event, to: &writer)
    }

    func writeRuleMembers(of object: RuleObject, to writer: inout RuleArgumentWriter) {
        switch object {
        case .event:
            writer.string("id", id)
            writer.string("source", source)
            writer.timestamp("ts", timestamp)
            writer.string("provider", provider)
            writer.string("model", model)
            writer.object("usage") { writeRuleMembers(of: .usage, to: &$0) }
            writer.string("service_tier", serviceTier.rawValue)
            writer.string("status", status.rawValue)
            if !metadata.isEmpty { writer.json("metadata", .object(metadata)) }
            writer.string("client", client)
            writer.string("instance", instance)
            if hasWorkflow {
                writer.object("workflow") { writeRuleMembers(of: .workflow, to: &$0) }
            }
            writer.string("execution_id", executionID)
            writer.string("api_key", apiKey)
            writer.json("outcomes", outcomes)
            writer.string("cost", reportedCost?.decimalString)
        case .usage:
            writer.integer("input_tokens", usage.inputTokens)
            writer.integer("cache_read_tokens", usage.cacheReadTokens)
            writer.integer("cache_write_5m_tokens", usage.cacheWrite5mTokens)
            writer.integer("cache_write_1h_tokens", usage.cacheWrite1hTokens)
            writer.integer("output_tokens", usage.outputTokens)
            writer.integer("reasoning_tokens", usage.reasoningTokens)
            writer.integer("requests", usage.requests)
            writer.integer("web_search_calls", usage.webSearchCalls)
        case .workflow:
            writer.string("id", workflowID)
            writer.string("name", workflowName)
        }
    }

    /// Pushes member `key` of `object` of the event at `event`; false when it has no such member.
    ///
    /// Static, reading one field at a time through the pointer: a method on `event.pointee`
    /// would copy the whole event first, a retain and a release per field.
    static func pushRuleMember(
        of object: RuleObject, named key: RuleMemberKey, in event: UnsafePointer<UsageEvent>, to pusher: inout RuleMemberPusher
    ) -> Bool {
        switch object {
        case .event:
            switch key {
            case "client": return pusher.string(event.pointee.client)
            case "metadata": return pusher.object(event.pointee.metadata)
            case "workflow": return event.pointee.hasWorkflow && pusher.object(.workflow)
            case "instance": return pusher.string(event.pointee.instance)
            case "api_key": return pusher.string(event.pointee.apiKey)
            case "id": return pusher.string(event.pointee.id)
            case "source": return pusher.string(event.pointee.source)
            case "ts": return pusher.timestamp(event.pointee.timestamp)
            case "provider": return pusher.string(event.pointee.provider)
            case "model": return pusher.string(event.pointee.model)
            case "usage": return pusher.object(.usage)
            case "service_tier": return pusher.string(event.pointee.serviceTier.rawValue)
            case "status": return pusher.string(event.pointee.status.rawValue)
            case "execution_id": return pusher.string(event.pointee.executionID)
            case "outcomes": return pusher.json(event.pointee.outcomes)
            case "cost": return pusher.string(event.pointee.reportedCost?.decimalString)
            default: return false
            }
        case .usage:
            switch key {
            case "input_tokens": return pusher.integer(event.pointee.usage.inputTokens)
            case "cache_read_tokens": return pusher.integer(event.pointee.usage.cacheReadTokens)
            case "cache_write_5m_tokens": return pusher.integer(event.pointee.usage.cacheWrite5mTokens)
            case "cache_write_1h_tokens": return pusher.integer(event.pointee.usage.cacheWrite1hTokens)
            case "output_tokens": return pusher.integer(event.pointee.usage.outputTokens)
            case "reasoning_tokens": return pusher.integer(event.pointee.usage.reasoningTokens)
            case "requests": return pusher.integer(event.pointee.usage.requests)
            case "web_search_calls": return pusher.integer(event.pointee.usage.webSearchCalls)
            default: return false
            }
        case .workflow:
            switch key {
            case "id": return pusher.string(event.pointee.workflowID)
            case "name": return pusher.string(event.pointee.workflowName)
            default: return false
            }
        }
    }

    private var hasWorkflow: Bool { workflowID != nil || workflowName != nil }
}
