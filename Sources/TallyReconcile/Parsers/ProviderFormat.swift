import TallyCore
import TallyJSON

/// The shapes of provider data Tally reads: the JSON pages of the providers' admin APIs (as
/// fetched, or saved to a file) and a generic CSV.
public enum ProviderFormat: String, Sendable, Hashable, CaseIterable {
    /// `GET /v1/organization/costs` (OpenAI): daily buckets of `{amount: {value}, line_item, project_id, api_key_id}`.
    case openAICosts = "openai_costs"
    /// `GET /v1/organization/usage/completions` (OpenAI): key sightings only (tokens, not money).
    case openAIUsage = "openai_usage"
    /// `GET /v1/organizations/cost_report` (Anthropic): `amount` is a decimal string in cents.
    case anthropicCosts = "anthropic_costs"
    /// `GET /v1/organizations/usage_report/messages` (Anthropic): key sightings only.
    case anthropicUsage = "anthropic_usage"
    /// `GET /api/v1/activity` (OpenRouter): `{date, model, usage}` per day and model.
    case openRouterActivity = "openrouter_activity"
    /// `date,provider,project,api_key,amount` with a header line.
    case csv

    /// The providers with a connector.
    public static let providers = [ProviderName.openAI, ProviderName.anthropic, ProviderName.openRouter]

    /// Checks a provider name against those with a connector and returns it canonical.
    public static func connectorProvider(_ raw: String) throws(ReconcileError) -> String {
        let name = ProviderName.normalize(raw)
        guard providers.contains(name) else { throw .unknownProvider(raw) }
        return name
    }

    /// Parses one JSON page or file in this format. `provider` is used by the CSV only (its
    /// rows name their own provider; the column may be empty when `provider` is given).
    public func parse(_ text: String, provider: String? = nil) throws(ReconcileError) -> ProviderData {
        switch self {
        case .csv: return try CostCSV.parse(text, provider: provider)
        default:
            let json: JSONValue
            do {
                json = try JSONCodec.parse(text)
            } catch {
                throw .malformed(location: "JSON", reason: "\(error)")
            }
            return try parse(json)
        }
    }

    /// Parses a JSON page in this format.
    public func parse(_ json: JSONValue) throws(ReconcileError) -> ProviderData {
        switch self {
        case .openAICosts: try OpenAIPages.costs(json)
        case .openAIUsage: try OpenAIPages.usage(json)
        case .anthropicCosts: try AnthropicPages.costs(json)
        case .anthropicUsage: try AnthropicPages.usage(json)
        case .openRouterActivity: try OpenRouterActivity.parse(json)
        case .csv: throw .malformed(location: "file", reason: "a CSV file is text, not JSON")
        }
    }

    /// Recognises a file's format from its content: CSV when it does not start with `{`,
    /// otherwise from the shape of the first result (`amount` object, `amount` string, tokens, `date`).
    public static func detect(_ text: String) throws(ReconcileError) -> ProviderFormat {
        guard text.drop(while: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "\u{FEFF}" }).first == "{" else { return .csv }
        let json: JSONValue
        do {
            json = try JSONCodec.parse(text)
        } catch {
            throw .malformed(location: "JSON", reason: "\(error)")
        }
        guard let data = json["data"]?.arrayValue else {
            throw .malformed(location: "data", reason: "expected an array of buckets or activity items (a provider API page)")
        }
        for item in data {
            if item["date"] != nil { return .openRouterActivity }
            for result in item["results"]?.arrayValue ?? [] {
                if result["amount"]?.objectValue != nil { return .openAICosts }
                if result["amount"]?.stringValue != nil { return .anthropicCosts }
                if result["uncached_input_tokens"] != nil { return .anthropicUsage }
                if result["input_tokens"] != nil || result["num_model_requests"] != nil { return .openAIUsage }
            }
        }
        if data.isEmpty { return .openAICosts }
        throw .malformed(location: "data", reason: "not a page Tally knows (OpenAI costs or usage, Anthropic cost or usage report, OpenRouter activity)")
    }

    /// The provider whose data this format holds; `nil` for the CSV.
    public var provider: String? {
        switch self {
        case .openAICosts, .openAIUsage: ProviderName.openAI
        case .anthropicCosts, .anthropicUsage: ProviderName.anthropic
        case .openRouterActivity: ProviderName.openRouter
        case .csv: nil
        }
    }
}

/// Field readers that name the JSON path on failure.
enum Fields {
    /// Visits `data[].results[]` of a bucketed report page (OpenAI's and Anthropic's): each
    /// result with its bucket's day (read by `day`) and its location, for errors.
    static func forEachResult(
        in page: JSONValue, day: (JSONValue, _ at: String) throws(ReconcileError) -> UTCDate,
        _ body: (UTCDate, JSONValue, String) throws(ReconcileError) -> Void
    ) throws(ReconcileError) {
        for (b, bucket) in try array(page, "data", at: "").enumerated() {
            let path = "data[\(b)]"
            let bucketDay = try day(bucket, path)
            for (r, result) in try array(bucket, "results", at: path).enumerated() {
                try body(bucketDay, result, "\(path).results[\(r)]")
            }
        }
    }

    static func array(_ json: JSONValue, _ key: String, at path: String) throws(ReconcileError) -> [JSONValue] {
        guard let value = json[key] else { throw .malformed(location: join(path, key), reason: "is missing") }
        guard let array = value.arrayValue else { throw .malformed(location: join(path, key), reason: "expected an array, got \(value.typeName)") }
        return array
    }

    /// A string member, `nil` when missing or null.
    static func optionalString(_ json: JSONValue, _ key: String, at path: String) throws(ReconcileError) -> String? {
        guard let value = json[key], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw .malformed(location: join(path, key), reason: "expected a string or null, got \(value.typeName)") }
        return text.isEmpty ? nil : text
    }

    static func day(seconds json: JSONValue, _ key: String, at path: String) throws(ReconcileError) -> UTCDate {
        guard let seconds = json[key]?.int64Value else { throw .malformed(location: join(path, key), reason: "expected Unix seconds") }
        return Timestamp(secondsSinceEpoch: seconds).utcDate
    }

    static func day(rfc3339 json: JSONValue, _ key: String, at path: String) throws(ReconcileError) -> UTCDate {
        guard let text = json[key]?.stringValue else { throw .malformed(location: join(path, key), reason: "expected an RFC 3339 time") }
        do {
            return try Timestamp(rfc3339: text).utcDate
        } catch {
            throw .malformed(location: join(path, key), reason: "\(error)")
        }
    }

    /// A `YYYY-MM-DD` day, also accepting a time after it (`2026-10-01 00:00:00`, `2026-10-01T00:00:00Z`).
    static func day(text: String, at location: String) throws(ReconcileError) -> UTCDate {
        if text.count > 10, let timestamp = try? Timestamp(rfc3339: text) { return timestamp.utcDate }
        do {
            return try UTCDate.parse(String(text.prefix(10)))
        } catch {
            throw .malformed(location: location, reason: "expected a date YYYY-MM-DD: \(error)")
        }
    }

    /// Exact money from a decimal string, an integer, or a JSON number (read through its shortest text).
    static func money(_ value: JSONValue?, at location: String) throws(ReconcileError) -> Money {
        guard let value, !value.isNull else { throw .malformed(location: location, reason: "is missing") }
        do {
            return try Money.parse(json: value)
        } catch {
            throw .malformed(location: location, reason: "\(error)")
        }
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }
}
