import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TallyCore
import TallyJSON

/// How to reach one provider's admin API. The admin key is never stored: only the name of the
/// environment variable or the path of the file that holds it, read at each pull.
public struct ConnectorSettings: Sendable, Hashable {
    public var provider: String
    /// e.g. `https://api.openai.com`, `https://api.anthropic.com`, `https://openrouter.ai`.
    public var baseURL: String
    public var adminKeyEnvironment: String?
    public var adminKeyFile: String?
    public var intervalSeconds: Int
    public var enabled: Bool
    public var lastPullAt: Timestamp?
    public var lastError: String?

    /// The default base URL of each provider's API.
    public static let defaultBaseURLs = [
        ProviderName.openAI: "https://api.openai.com", ProviderName.anthropic: "https://api.anthropic.com",
        ProviderName.openRouter: "https://openrouter.ai",
    ]
    public static let intervalRange = 60...604_800

    public init(provider: String, baseURL: String, adminKeyEnvironment: String?, adminKeyFile: String?, intervalSeconds: Int = 3_600,
                enabled: Bool = true, lastPullAt: Timestamp? = nil, lastError: String? = nil) {
        self.provider = provider
        self.baseURL = baseURL
        self.adminKeyEnvironment = adminKeyEnvironment
        self.adminKeyFile = adminKeyFile
        self.intervalSeconds = intervalSeconds
        self.enabled = enabled
        self.lastPullAt = lastPullAt
        self.lastError = lastError
    }

    /// Checks the settings; errors name the field.
    public func validate() throws(ReconcileError) {
        _ = try ProviderFormat.connectorProvider(provider)
        guard baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://"), baseURL.count > 8, !baseURL.contains(" ") else {
            throw .invalidSetting(field: "base_url", reason: "give an http:// or https:// URL, e.g. \(Self.defaultBaseURLs[provider] ?? "https://...")")
        }
        _ = try adminKeySource()
        guard Self.intervalRange.contains(intervalSeconds) else {
            throw .invalidSetting(field: "interval_seconds", reason: "must be within \(Self.intervalRange.lowerBound)...\(Self.intervalRange.upperBound)")
        }
    }

    /// Where the admin key is kept (the settings name exactly one source).
    func adminKeySource() throws(ReconcileError) -> SecretSource {
        do {
            return try SecretSource.choose(environment: adminKeyEnvironment, file: adminKeyFile, environmentField: "admin_key_env", fileField: "admin_key_file")
        } catch { throw .invalidSetting(field: error.field, reason: error.reason) }
    }

    /// Reads the admin key from the environment variable or file named in the settings.
    public func adminKey(environment: (String) -> String? = SecretSource.processEnvironment) throws(ReconcileError) -> String {
        let source = try adminKeySource()
        do {
            return try source.read(environment: environment)
        } catch {
            switch error {
            case .variableNotSet(let name): throw .missingEnvironmentVariable(name)
            case .unreadableFile(let path, let reason): throw .unreadableKeyFile(path: path, reason: reason)
            }
        }
    }

    /// Listed by `reconcile.connectors.list`: where the key comes from, never the key.
    public var jsonValue: JSONValue {
        .object([
            "provider": .string(provider), "base_url": .string(baseURL),
            "admin_key_env": adminKeyEnvironment.map(JSONValue.string) ?? .null, "admin_key_file": adminKeyFile.map(JSONValue.string) ?? .null,
            "interval_seconds": .integer(Int64(intervalSeconds)), "enabled": .bool(enabled),
            "last_pull_at": lastPullAt.map { .string($0.rfc3339) } ?? .null, "last_error": lastError.map(JSONValue.string) ?? .null,
        ])
    }
}

/// Fetches a provider's cost and usage pages over HTTP, following cursors.
public struct ProviderFetcher: Sendable {
    let client: HTTPClient
    /// The most pages one pull follows (a cursor loop is an error, not a hang).
    public static let maximumPages = 500

    public init(client: HTTPClient) {
        self.client = client
    }

    /// Pulls the provider's costs (and key sightings where it has a usage endpoint) for the UTC
    /// days `from...to`.
    public func pull(_ settings: ConnectorSettings, adminKey: String, from: UTCDate, to: UTCDate) async throws -> ProviderData {
        let start = from.start
        let end = to.adding(days: 1).start
        let base = settings.baseURL.hasSuffix("/") ? String(settings.baseURL.dropLast()) : settings.baseURL
        var data = ProviderData()
        switch settings.provider {
        case ProviderName.openAI:
            let range = "start_time=\(start.secondsSinceEpoch)&end_time=\(end.secondsSinceEpoch)&bucket_width=1d"
            let costs = try await pages(base + "/v1/organization/costs?\(range)&limit=31&group_by%5B%5D=project_id&group_by%5B%5D=api_key_id&group_by%5B%5D=line_item",
                                        format: .openAICosts, headers: [("Authorization", "Bearer \(adminKey)")])
            let usage = try await pages(base + "/v1/organization/usage/completions?\(range)&limit=31&group_by%5B%5D=api_key_id&group_by%5B%5D=project_id",
                                        format: .openAIUsage, headers: [("Authorization", "Bearer \(adminKey)")])
            data.costs = costs.costs
            data.sightings = usage.sightings
        case ProviderName.anthropic:
            let range = "starting_at=\(start.rfc3339)&ending_at=\(end.rfc3339)&bucket_width=1d&limit=31"
            let headers = [("x-api-key", adminKey), ("anthropic-version", "2023-06-01")]
            let costs = try await pages(base + "/v1/organizations/cost_report?\(range)&group_by%5B%5D=workspace_id&group_by%5B%5D=description",
                                        format: .anthropicCosts, headers: headers)
            let usage = try await pages(base + "/v1/organizations/usage_report/messages?\(range)&group_by%5B%5D=api_key_id&group_by%5B%5D=workspace_id",
                                        format: .anthropicUsage, headers: headers)
            data.costs = costs.costs
            data.sightings = usage.sightings
        case ProviderName.openRouter:
            data = try await pages(base + "/api/v1/activity", format: .openRouterActivity, headers: [("Authorization", "Bearer \(adminKey)")])
        default:
            throw ReconcileError.unknownProvider(settings.provider)
        }
        data.costs = data.costs.filter { $0.day >= from && $0.day <= to }
        data.sightings = data.sightings.filter { $0.day >= from && $0.day <= to }
        data.nextPage = nil
        return data
    }

    private func pages(_ url: String, format: ProviderFormat, headers: [(String, String)]) async throws -> ProviderData {
        var all = ProviderData()
        var cursor: String? = nil
        var seen: Set<String> = []
        for index in 0..<Self.maximumPages {
            let pageURL = cursor.map { url + (url.contains("?") ? "&" : "?") + "page=" + Self.percentEncode($0) } ?? url
            let body = try await get(pageURL, headers: headers)
            let page: ProviderData
            do throws(ReconcileError) {
                page = try format.parse(body)
            } catch {
                throw Self.located(error, page: index + 1, url: url)
            }
            all.costs += page.costs
            all.sightings += page.sightings
            guard let next = page.nextPage else { return all }
            guard seen.insert(next).inserted else {
                throw ReconcileError.fetchFailed(url: Self.redacted(url), reason: "the provider repeated the cursor \(next)")
            }
            cursor = next
        }
        throw ReconcileError.fetchFailed(url: Self.redacted(url), reason: "more than \(Self.maximumPages) pages")
    }

    private func get(_ url: String, headers: [(String, String)]) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Tally-Reconcile/1")
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .seconds(60))
            body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        } catch {
            throw ReconcileError.fetchFailed(url: Self.redacted(url), reason: "\(error)")
        }
        let text = String(buffer: body)
        guard (200..<300).contains(Int(response.status.code)) else {
            let snippet = text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200)
            throw ReconcileError.fetchFailed(url: Self.redacted(url), reason: "HTTP \(response.status.code)\(snippet.isEmpty ? "" : ": \(snippet)")")
        }
        return text
    }

    /// A malformed-page error that also names the page and the endpoint.
    static func located(_ error: ReconcileError, page: Int, url: String) -> ReconcileError {
        switch error {
        case .malformed(let location, let reason): .malformed(location: "page \(page) of \(redacted(url)): \(location)", reason: reason)
        default: error
        }
    }

    /// The URL without its query, for messages.
    static func redacted(_ url: String) -> String { String(url.prefix { $0 != "?" }) }

    static func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
