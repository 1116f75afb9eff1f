import Logging
import TallyJSON

/// The result of attributing one event in a dry run (`rules.test`).
public struct RuleTestResult: Sendable, Hashable {
    /// Position of the event in the request.
    public var index: Int
    /// The event's `id`, when it has one.
    public var eventID: String?
    public var outcome: Result<Attribution, RuleError>
    /// What the rules logged while handling this event.
    public var logs: [RuleLogLine]

    /// `{"index", "event_id", "client", "reason", "tags"}` or `{"index", "event_id", "error"}`, plus `"logs"`.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = ["index": .integer(Int64(index))]
        if let eventID { members["event_id"] = .string(eventID) }
        switch outcome {
        case .success(let attribution):
            members["client"] = attribution.client.map { .string($0) } ?? .null
            members["reason"] = attribution.reason.map { .string($0) } ?? .null
            members["tags"] = .object(attribution.tags.mapValues { .string($0) })
        case .failure(let error):
            members["error"] = error.jsonValue
        }
        members["logs"] = .array(logs.map { ["level": .string($0.level.rawValue), "message": .string($0.message)] })
        return .object(members)
    }
}

/// A dry run of a rule set over some events. Nothing is stored and no serving state is touched.
public struct RuleTestReport: Sendable, Hashable {
    /// The version that was tested.
    public var version: RuleVersion
    public var results: [RuleTestResult]

    public var attributedCount: Int { results.count { (try? $0.outcome.get())?.client != nil } }
    public var unattributedCount: Int { results.count { (try? $0.outcome.get()).map { $0.client == nil } ?? false } }
    public var failedCount: Int { results.count { if case .failure = $0.outcome { true } else { false } } }

    public var jsonValue: JSONValue {
        [
            "version": .string(version.short),
            "attributed": .integer(Int64(attributedCount)),
            "unattributed": .integer(Int64(unattributedCount)),
            "failed": .integer(Int64(failedCount)),
            "results": .array(results.map(\.jsonValue)),
        ]
    }
}

/// Checking and dry-running rule sets without storing or serving anything.
///
/// Each call compiles the source into a fresh, private Lua state that is discarded afterwards,
/// so these are safe to call from any thread (they take a few milliseconds).
public enum RuleSets {
    /// Compiles and smoke-tests `source`; returns its version or the first problem (file, line, message).
    public static func validate(_ source: RuleSetSource, limits: RuleLimits = .default) -> Result<RuleVersion, RuleError> {
        Result { () throws(RuleError) -> RuleVersion in try RuleRuntime(source: source, limits: limits, logger: quietLogger).version }
    }

    /// Validates an `attribution.lua` text on its own (no lookup tables, no alerts).
    public static func validate(source: String, limits: RuleLimits = .default) -> Result<RuleVersion, RuleError> {
        validate(RuleSetSource(attribution: source), limits: limits)
    }

    /// Attributes `events` with `source` in a private state. Fails only if the source does not
    /// load; an event that fails has its error in its own result.
    public static func test(events: [JSONValue], source: RuleSetSource, limits: RuleLimits = .default) -> Result<RuleTestReport, RuleError> {
        Result { () throws(RuleError) -> RuleTestReport in
            let runtime = try RuleRuntime(source: source, limits: limits, logger: quietLogger)
            return test(events: events, runtime: runtime)
        }
    }

    static func test(events: [JSONValue], runtime: RuleRuntime) -> RuleTestReport {
        var results: [RuleTestResult] = []
        results.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            let outcome = Result { () throws(RuleError) -> Attribution in try runtime.attribute(event) }
            results.append(RuleTestResult(index: index, eventID: event["id"]?.stringValue, outcome: outcome, logs: runtime.lastLogs))
        }
        return RuleTestReport(version: runtime.version, results: results)
    }

    /// Dry runs report script logs in their result instead of the server log.
    static let quietLogger = Logger(label: "tally.rules.dry-run", factory: { _ in SwiftLogNoOpLogHandler() })
}
