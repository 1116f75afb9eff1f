import Foundation
import TallyJSON

/// Where an n8n instance is and where its API key is kept. The key itself is read at each poll
/// from an environment variable or a file, and never stored or returned.
struct N8nInstanceSettings: Sendable, Hashable {
    var baseURL: String
    var apiKeyEnv: String?
    var apiKeyFile: String?
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
        switch (apiKeyEnv, apiKeyFile) {
        case (nil, nil), (.some, .some):
            throw Invalid(field: "api_key_env", reason: "give exactly one of api_key_env (an environment variable's name) or api_key_file (a file's path)")
        case (let name?, nil):
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }) else {
                throw Invalid(field: "api_key_env", reason: "must be an environment variable's name (letters, digits, _), not the key itself")
            }
        case (nil, let path?):
            guard path.hasPrefix("/") else { throw Invalid(field: "api_key_file", reason: "must be an absolute path") }
        }
        guard (1...86_400).contains(intervalSeconds) else { throw Invalid(field: "interval_seconds", reason: "must be 1 to 86400 seconds") }
        self.baseURL = baseURL
        self.apiKeyEnv = apiKeyEnv
        self.apiKeyFile = apiKeyFile
        self.interval = .seconds(intervalSeconds)
    }

    init(json: JSONValue) throws(Invalid) {
        try self.init(baseURL: json["base_url"]?.stringValue ?? "", apiKeyEnv: json["api_key_env"]?.stringValue,
                      apiKeyFile: json["api_key_file"]?.stringValue,
                      intervalSeconds: json["interval_seconds"]?.int64Value ?? Self.defaultIntervalSeconds)
    }

    var jsonValue: JSONValue {
        [
            "base_url": .string(baseURL), "api_key_env": apiKeyEnv.map(JSONValue.string) ?? .null,
            "api_key_file": apiKeyFile.map(JSONValue.string) ?? .null, "interval_seconds": .integer(interval.components.seconds),
        ]
    }

    /// The API key, read now; the error says which variable or file to fix.
    func apiKey() throws(Invalid) -> String {
        if let name = apiKeyEnv {
            guard let value = ProcessInfo.processInfo.environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw Invalid(field: "api_key_env", reason: "environment variable \(name) is not set in the server's environment")
            }
            return value
        }
        let path = apiKeyFile ?? ""
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Invalid(field: "api_key_file", reason: "cannot read \(path)")
        }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw Invalid(field: "api_key_file", reason: "\(path) is empty") }
        return value
    }

    /// Whether the key can be read right now (shown by `n8n.list`, never the key).
    var keyAvailable: Bool { (try? apiKey()) != nil }
}
