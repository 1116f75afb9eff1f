import Foundation
import TallyCore
import TallyJSON

/// Where an n8n instance is and where its API key is kept. The key itself is read at each poll
/// from an environment variable or a file (``SecretSource``), and never stored or returned.
struct N8nInstanceSettings: Sendable, Hashable {
    var baseURL: String
    var apiKey: SecretSource
    var interval: Duration

    static let defaultIntervalSeconds: Int64 = 300

    /// Why settings are not acceptable; `field` names the param.
    struct Invalid: Error {
        var field: String
        var reason: String
    }

    init(baseURL: String, apiKeyEnv: String?, apiKeyFile: String?, intervalSeconds: Int64) throws(Invalid) {
        guard let url = URL(string: baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme.lowercased()), url.host != nil else {
            throw Invalid(field: "base_url", reason: "must be an http or https URL such as https://n8n.example.com")
        }
        do {
            apiKey = try SecretSource.choose(environment: apiKeyEnv, file: apiKeyFile, environmentField: "api_key_env", fileField: "api_key_file")
        } catch { throw Invalid(field: error.field, reason: error.reason) }
        guard (1...86_400).contains(intervalSeconds) else { throw Invalid(field: "interval_seconds", reason: "must be 1 to 86400 seconds") }
        self.baseURL = baseURL
        self.interval = .seconds(intervalSeconds)
    }

    init(json: JSONValue) throws(Invalid) {
        try self.init(baseURL: json["base_url"]?.stringValue ?? "", apiKeyEnv: json["api_key_env"]?.stringValue,
                      apiKeyFile: json["api_key_file"]?.stringValue,
                      intervalSeconds: json["interval_seconds"]?.int64Value ?? Self.defaultIntervalSeconds)
    }

    var jsonValue: JSONValue {
        var environment: String? = nil
        var file: String? = nil
        switch apiKey {
        case .environment(let name): environment = name
        case .file(let path): file = path
        }
        return [
            "base_url": .string(baseURL), "api_key_env": environment.map(JSONValue.string) ?? .null,
            "api_key_file": file.map(JSONValue.string) ?? .null, "interval_seconds": .integer(interval.components.seconds),
        ]
    }

    /// The param that names the key's source, for errors.
    var apiKeyField: String {
        switch apiKey {
        case .environment: "api_key_env"
        case .file: "api_key_file"
        }
    }

    /// Whether the key can be read right now (shown by `n8n.list`, never the key).
    var keyAvailable: Bool { (try? apiKey.read()) != nil }
}
