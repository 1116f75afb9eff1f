import TallyJSON

/// What the agency knows about one of its clients: who they are, how they are billed and what
/// an automated task is worth to them.
///
/// Clients seen in events but never configured exist too (``isAutomatic``), with the defaults:
/// billed at cost, no minutes saved.
public struct ClientProfile: Sendable, Hashable {
    public var id: String
    public var name: String?
    public var contact: String?
    /// Minutes of work one automated task saves, as a decimal (pico-units, like ``Money``).
    public var minutesPerTask: Money
    /// Per-workflow overrides, by workflow id.
    public var workflows: [String: WorkflowValue]
    public var plan: BillingPlan
    /// Created because events named the client, not by `clients.upsert`.
    public var isAutomatic: Bool

    public init(id: String, name: String? = nil, contact: String? = nil, minutesPerTask: Money = .zero,
                workflows: [String: WorkflowValue] = [:], plan: BillingPlan = .passThrough, isAutomatic: Bool = false) {
        self.id = id
        self.name = name
        self.contact = contact
        self.minutesPerTask = minutesPerTask
        self.workflows = workflows
        self.plan = plan
        self.isAutomatic = isAutomatic
    }

    /// The name to print: the display name, else the id.
    public var displayName: String { name ?? id }

    /// Minutes one task of `workflow` saves.
    public func minutesPerTask(workflow: String) -> Money { workflows[workflow]?.minutesPerTask ?? minutesPerTask }

    /// What a task of `workflow` is called in reports.
    public func outcomeLabel(workflow: String) -> String { workflows[workflow]?.outcomeLabel ?? "tasks" }
}

/// What one workflow's task is worth for a client: minutes saved and the name of its outcome.
public struct WorkflowValue: Sendable, Hashable {
    public var minutesPerTask: Money?
    /// "tickets routed", "articles drafted".
    public var outcomeLabel: String?

    public init(minutesPerTask: Money? = nil, outcomeLabel: String? = nil) {
        self.minutesPerTask = minutesPerTask
        self.outcomeLabel = outcomeLabel
    }
}

/// Why a client definition is not acceptable: the same field-and-reason error as an event's.
public typealias ClientProfileError = EventValidationError

extension ClientProfile {
    static let allowedMembers: Set<String> = ["id", "name", "contact", "minutes_per_task", "workflows", "plan"]

    /// Applies a `clients.upsert` request to `existing` (or to the defaults): members given
    /// replace the stored ones, members left out keep them.
    public static func merge(_ json: JSONValue, into existing: ClientProfile?) throws(ClientProfileError) -> ClientProfile {
        guard case .object(let members) = json else { throw ClientProfileError(field: "params", reason: "must be an object") }
        if let unknown = members.keys.sorted().first(where: { !allowedMembers.contains($0) }) {
            throw ClientProfileError(field: unknown, reason: "unknown member; allowed: \(allowedMembers.sorted().joined(separator: ", "))")
        }
        guard let id = members["id"]?.stringValue, !id.isEmpty, id.utf8.count <= 256 else {
            throw ClientProfileError(field: "id", reason: "is required: a non-empty string of at most 256 bytes")
        }
        guard id != "unattributed" else { throw ClientProfileError(field: "id", reason: "'unattributed' names spend without a client; choose another id") }
        var profile = existing ?? ClientProfile(id: id)
        profile.isAutomatic = false
        func optionalText(_ name: String) throws(ClientProfileError) -> String?? {
            guard let value = members[name] else { return .none }
            if value.isNull { return .some(nil) }
            guard let text = value.stringValue, text.utf8.count <= 1_000 else { throw ClientProfileError(field: name, reason: "must be a string of at most 1000 bytes or null") }
            return .some(text)
        }
        if let name = try optionalText("name") { profile.name = name }
        if let contact = try optionalText("contact") { profile.contact = contact }
        if let value = members["minutes_per_task"] { profile.minutesPerTask = try minutes(value, field: "minutes_per_task") ?? .zero }
        if let value = members["workflows"] {
            guard case .object(let workflows) = value else { throw ClientProfileError(field: "workflows", reason: "must be an object keyed by workflow id") }
            var parsed: [String: WorkflowValue] = [:]
            for (workflow, entry) in workflows {
                let field = "workflows.\(workflow)"
                guard case .object(let settings) = entry else { throw ClientProfileError(field: field, reason: "must be an object: {minutes_per_task, outcome_label}") }
                if let unknown = settings.keys.sorted().first(where: { !["minutes_per_task", "outcome_label"].contains($0) }) {
                    throw ClientProfileError(field: "\(field).\(unknown)", reason: "unknown member; allowed: minutes_per_task, outcome_label")
                }
                var label: String? = nil
                if let value = settings["outcome_label"], !value.isNull {
                    guard let text = value.stringValue, !text.isEmpty, text.utf8.count <= 100 else {
                        throw ClientProfileError(field: "\(field).outcome_label", reason: "must be a non-empty string of at most 100 bytes")
                    }
                    label = text
                }
                parsed[workflow] = WorkflowValue(minutesPerTask: try settings["minutes_per_task"].flatMap { value throws(ClientProfileError) in
                    try minutes(value, field: "\(field).minutes_per_task")
                }, outcomeLabel: label)
            }
            profile.workflows = parsed
        }
        if let value = members["plan"] {
            do { profile.plan = value.isNull ? .passThrough : try BillingPlan.decode(value) } catch { throw ClientProfileError(field: error.field, reason: error.reason) }
        }
        return profile
    }

    private static func minutes(_ value: JSONValue, field: String) throws(ClientProfileError) -> Money? {
        if value.isNull { return nil }
        let parsed: Money
        do { parsed = try Money.parse(json: value) } catch { throw ClientProfileError(field: field, reason: error.description) }
        guard !parsed.isNegative, parsed <= Money(wholeUSD: 1_000_000) else {
            throw ClientProfileError(field: field, reason: "must be a number of minutes from 0 to 1000000")
        }
        return parsed
    }

    /// The client as the API returns it.
    public var jsonValue: JSONValue {
        var workflowMembers: [String: JSONValue] = [:]
        for (workflow, value) in workflows {
            workflowMembers[workflow] = [
                "minutes_per_task": value.minutesPerTask.map { .string($0.decimalString) } ?? .null,
                "outcome_label": value.outcomeLabel.map(JSONValue.string) ?? .null,
            ]
        }
        return [
            "id": .string(id), "name": name.map(JSONValue.string) ?? .null, "contact": contact.map(JSONValue.string) ?? .null,
            "minutes_per_task": .string(minutesPerTask.decimalString), "workflows": .object(workflowMembers),
            "plan": plan.jsonValue, "automatic": .bool(isAutomatic),
        ]
    }

    /// Reads a stored profile (the shape of ``jsonValue``).
    public static func stored(_ json: JSONValue) throws(ClientProfileError) -> ClientProfile {
        guard case .object(var members) = json else { throw ClientProfileError(field: "client", reason: "stored profile is not an object") }
        let automatic = members.removeValue(forKey: "automatic")?.boolValue ?? false
        var profile = try merge(.object(members), into: nil)
        profile.isAutomatic = automatic
        return profile
    }
}
