import TallyJSON

extension UsageEvent {
    /// Limits on what one event may carry.
    public enum Limits {
        public static let maximumIDLength = 256
        public static let maximumTextLength = 512
        public static let maximumMetadataBytes = 4_096
        public static let maximumMetadataKeys = 32
    }

    /// The members an event may have; any other is refused so that a typo is not silently dropped.
    public static let fields: Set<String> = [
        "id", "source", "ts", "provider", "model", "usage", "provider_usage", "service_tier", "cost",
        "client", "instance", "workflow", "execution_id", "api_key", "metadata", "status", "outcomes",
    ]

    /// Validates one event.
    ///
    /// - Parameters:
    ///   - receivedAt: the time used when the event has no `ts`.
    ///   - fingerprint: turns a value that looks like a secret key into a safe fingerprint.
    public static func decode(
        _ json: JSONValue, receivedAt: Timestamp, fingerprint: (String) -> String
    ) throws(EventValidationError) -> UsageEvent {
        guard case .object(var members) = json else {
            throw EventValidationError(field: "event", reason: "must be an object, got \(json.typeName)")
        }
        for key in members.keys.sorted() where !fields.contains(key) {
            throw EventValidationError(field: key, reason: "unknown field; allowed: \(fields.sorted().joined(separator: ", "))")
        }
        guard let id = try identifier(members["id"], field: "id") else {
            throw EventValidationError(field: "id", reason: "is required: a unique id per event makes retries safe")
        }
        let source = try text(members, "source", limit: Limits.maximumIDLength) ?? "api"

        var timestamp = receivedAt
        if let ts = members["ts"], !ts.isNull {
            guard case .string(let text) = ts else { throw EventValidationError(field: "ts", reason: "must be an RFC 3339 string, got \(ts.typeName)") }
            do {
                timestamp = try Timestamp(rfc3339: text)
            } catch {
                throw EventValidationError(field: "ts", reason: "\(error)")
            }
        }

        let provider = try requiredText(members, "provider", limit: Limits.maximumTextLength)
        let model = try requiredText(members, "model", limit: Limits.maximumTextLength)

        var usage: TokenUsage
        var reportedCost: Money? = nil
        var usageFormat: String? = nil
        var reportedTier: ServiceTier? = nil
        switch (members["usage"].flatMap { $0.isNull ? nil : $0 }, members["provider_usage"].flatMap { $0.isNull ? nil : $0 }) {
        case (nil, nil):
            throw EventValidationError(field: "usage", reason: "give either 'usage' (Tally's token taxonomy) or 'provider_usage' (the provider's usage object)")
        case (.some, .some):
            throw EventValidationError(field: "provider_usage", reason: "give 'usage' or 'provider_usage', not both")
        case (let canonical?, nil):
            do {
                usage = try TokenUsage.decode(canonical)
            } catch {
                throw EventValidationError(field: "usage", reason: "\(error)")
            }
        case (nil, let providerUsage?):
            do {
                let mapped = try ProviderUsage.map(provider: provider, usage: providerUsage)
                usage = mapped.usage
                reportedCost = mapped.reportedCost
                usageFormat = "\(mapped.format)"
                reportedTier = mapped.serviceTier
            } catch {
                throw EventValidationError(field: "provider_usage", reason: "\(error)")
            }
        }
        do {
            try usage.validate()
        } catch {
            throw EventValidationError(field: "usage", reason: "\(error)")
        }

        var serviceTier = reportedTier ?? .standard
        if let tierText = try text(members, "service_tier", limit: 32) {
            serviceTier = ServiceTier(normalizing: tierText)
            guard [.standard, .batch, .priority, .flex].contains(serviceTier) else {
                throw EventValidationError(field: "service_tier", reason: "expected standard, batch, priority or flex, got '\(tierText)'")
            }
        }
        if let cost = members["cost"], !cost.isNull {
            do {
                let parsed = try Money.parse(json: cost)
                guard !parsed.isNegative else { throw EventValidationError(field: "cost", reason: "must not be negative") }
                reportedCost = parsed
            } catch let error as EventValidationError {
                throw error
            } catch {
                throw EventValidationError(field: "cost", reason: "\(error)")
            }
        }

        var workflowID: String? = nil
        var workflowName: String? = nil
        if let workflow = members["workflow"], !workflow.isNull {
            switch workflow {
            case .object(let fields):
                for key in fields.keys where key != "id" && key != "name" {
                    throw EventValidationError(field: "workflow.\(key)", reason: "unknown field; a workflow has 'id' and 'name'")
                }
                workflowID = try identifier(fields["id"], field: "workflow.id")
                workflowName = try text(fields, "name", limit: Limits.maximumTextLength, path: "workflow.name")
            case .string(let name):
                workflowName = name
            default:
                throw EventValidationError(field: "workflow", reason: "must be an object {id, name}, got \(workflow.typeName)")
            }
        }

        var apiKey = try text(members, "api_key", limit: Limits.maximumTextLength)
        var fingerprinted = false
        if let key = apiKey, APIKeyReference.looksLikeSecret(key) {
            apiKey = fingerprint(key)
            fingerprinted = true
            members["api_key"] = .string(apiKey!)
        }

        var metadata: [String: JSONValue] = [:]
        if let value = members["metadata"], !value.isNull {
            guard case .object(let fields) = value else {
                throw EventValidationError(field: "metadata", reason: "must be an object, got \(value.typeName)")
            }
            guard fields.count <= Limits.maximumMetadataKeys else {
                throw EventValidationError(field: "metadata", reason: "at most \(Limits.maximumMetadataKeys) keys, got \(fields.count)")
            }
            let size = JSONCodec.serialize(value).count
            guard size <= Limits.maximumMetadataBytes else {
                throw EventValidationError(field: "metadata", reason: "at most \(Limits.maximumMetadataBytes) bytes as JSON, got \(size)")
            }
            metadata = fields
        }

        var status = EventStatus.success
        if let statusText = try text(members, "status", limit: 16) {
            guard let parsed = EventStatus(rawValue: statusText) else {
                throw EventValidationError(field: "status", reason: "expected 'success' or 'error', got '\(statusText)'")
            }
            status = parsed
        }

        var outcomes: JSONValue? = nil
        if let value = members["outcomes"], !value.isNull {
            switch value {
            case .integer(let count) where count >= 0:
                outcomes = value
            case .object(let counts):
                for (label, count) in counts {
                    guard case .integer(let number) = count, number >= 0 else {
                        throw EventValidationError(field: "outcomes.\(label)", reason: "must be a non-negative integer count")
                    }
                }
                outcomes = value
            default:
                throw EventValidationError(field: "outcomes", reason: "must be a count or an object of counts by label")
            }
        }

        return UsageEvent(
            id: id, source: source, timestamp: timestamp, provider: provider, model: model, usage: usage,
            serviceTier: serviceTier, reportedCost: reportedCost, usageFormat: usageFormat,
            client: try identifier(members["client"], field: "client"),
            instance: try text(members, "instance", limit: Limits.maximumTextLength),
            workflowID: workflowID, workflowName: workflowName,
            executionID: try identifier(members["execution_id"], field: "execution_id"),
            apiKey: apiKey, apiKeyWasFingerprinted: fingerprinted, metadata: metadata, status: status,
            outcomes: outcomes, raw: .object(members))
    }

    private static func text(_ members: [String: JSONValue], _ name: String, limit: Int, path: String? = nil) throws(EventValidationError) -> String? {
        guard let value = members[name], !value.isNull else { return nil }
        guard case .string(let text) = value else {
            throw EventValidationError(field: path ?? name, reason: "must be a string, got \(value.typeName)")
        }
        guard text.utf8.count <= limit else {
            throw EventValidationError(field: path ?? name, reason: "at most \(limit) bytes, got \(text.utf8.count)")
        }
        return text.isEmpty ? nil : text
    }

    private static func requiredText(_ members: [String: JSONValue], _ name: String, limit: Int) throws(EventValidationError) -> String {
        guard let value = try text(members, name, limit: limit) else {
            throw EventValidationError(field: name, reason: "is required")
        }
        return value
    }

    /// Ids may be sent as strings or integers (n8n's execution ids are numbers).
    private static func identifier(_ value: JSONValue?, field: String) throws(EventValidationError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?:
            guard text.utf8.count <= Limits.maximumIDLength else {
                throw EventValidationError(field: field, reason: "at most \(Limits.maximumIDLength) bytes")
            }
            return text.isEmpty ? nil : text
        case .integer(let number)?: return String(number)
        case let other?: throw EventValidationError(field: field, reason: "must be a string or an integer, got \(other.typeName)")
        }
    }
}
