import TallyCore
import TallyJSON

/// One line of what a provider billed: a UTC day, an amount, and whatever grouping the provider
/// gives (project or workspace, API key id, line item). Negative amounts are credits or refunds.
///
/// Provider rows are a control total for the ledger, never spend: they live in
/// ``ProviderUsageStore`` and are never added to the ledger's sums.
public struct ProviderCostRow: Sendable, Hashable {
    /// The UTC day billed.
    public var day: UTCDate
    /// The canonical provider name (`openai`, `anthropic`, `openrouter`, ...).
    public var provider: String
    /// OpenAI's project id or Anthropic's workspace id; `nil` when not given (or the default workspace).
    public var project: String?
    /// The provider's API key id (never a secret); `nil` when the provider does not say.
    public var apiKey: String?
    /// OpenAI's `line_item`, Anthropic's `description`, OpenRouter's model.
    public var lineItem: String?
    /// Exact USD; negative for a credit or refund.
    public var amount: Money

    public init(day: UTCDate, provider: String, project: String? = nil, apiKey: String? = nil, lineItem: String? = nil, amount: Money) {
        self.day = day
        self.provider = provider
        self.project = project
        self.apiKey = apiKey
        self.lineItem = lineItem
        self.amount = amount
    }

    /// Whether the row is a credit, refund or promotion rather than usage.
    public var isCredit: Bool {
        if amount.isNegative { return true }
        guard let item = lineItem?.lowercased() else { return false }
        return item.contains("credit") || item.contains("refund") || item.contains("promotion")
    }

    public var jsonValue: JSONValue {
        .object([
            "day": .string(day.description), "provider": .string(provider),
            "project": project.map(JSONValue.string) ?? .null, "api_key": apiKey.map(JSONValue.string) ?? .null,
            "line_item": lineItem.map(JSONValue.string) ?? .null, "amount": amount.jsonValue,
        ])
    }
}

/// An API key a provider's usage data showed on a UTC day (OpenAI's and Anthropic's usage
/// endpoints group by key even where the cost report does not).
public struct ProviderKeySighting: Sendable, Hashable {
    public var day: UTCDate
    public var provider: String
    public var apiKey: String
    public var project: String?
    /// Requests that day, when the provider counts them.
    public var requests: Int64

    public init(day: UTCDate, provider: String, apiKey: String, project: String? = nil, requests: Int64 = 0) {
        self.day = day
        self.provider = provider
        self.apiKey = apiKey
        self.project = project
        self.requests = requests
    }
}

/// What one parsed page or file holds.
public struct ProviderData: Sendable, Hashable {
    public var costs: [ProviderCostRow] = []
    public var sightings: [ProviderKeySighting] = []
    /// The cursor of the next page, when the provider says there is one.
    public var nextPage: String?

    public init(costs: [ProviderCostRow] = [], sightings: [ProviderKeySighting] = [], nextPage: String? = nil) {
        self.costs = costs
        self.sightings = sightings
        self.nextPage = nextPage
    }

    /// The UTC days the data covers (cost rows and sightings).
    public var days: Set<UTCDate> { Set(costs.map(\.day)).union(sightings.map(\.day)) }
}

/// Why provider data could not be read or fetched. Every case names where: the field, the CSV
/// line and column, the setting or the environment variable.
public enum ReconcileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A file or page is malformed at `location` (a JSON path such as `data[2].results[0].amount`,
    /// or `line 7, column amount`).
    case malformed(location: String, reason: String)
    /// A provider Tally has no connector or parser for.
    case unknownProvider(String)
    /// The admin key's environment variable is not set (or empty).
    case missingEnvironmentVariable(String)
    /// The admin key file cannot be read (or is empty).
    case unreadableKeyFile(path: String, reason: String)
    /// A setting of a connector or a param is invalid.
    case invalidSetting(field: String, reason: String)
    /// No connector is configured for the provider.
    case noConnector(String)
    /// The provider answered with an error, or could not be reached.
    case fetchFailed(url: String, reason: String)
    /// The poller is shutting down.
    case shutDown

    public var description: String {
        switch self {
        case .malformed(let location, let reason): "\(location): \(reason)"
        case .unknownProvider(let name): "unknown provider '\(name)'; use one of \(ProviderFormat.providers.joined(separator: ", "))"
        case .missingEnvironmentVariable(let name): "the environment variable \(name) (the admin key) is not set"
        case .unreadableKeyFile(let path, let reason): "cannot read the admin key file \(path): \(reason)"
        case .invalidSetting(let field, let reason): "\(field): \(reason)"
        case .noConnector(let provider): "no connector for '\(provider)'; set one with reconcile.connectors.set"
        case .fetchFailed(let url, let reason): "fetching \(url) failed: \(reason)"
        case .shutDown: "the connector poller is shutting down"
        }
    }
}
