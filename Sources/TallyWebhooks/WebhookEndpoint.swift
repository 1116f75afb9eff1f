import Foundation
import TallyCore
import TallyJSON

/// How an alert is laid out in the POST body.
public enum WebhookFormat: String, Sendable, Hashable, CaseIterable {
    /// Tally's own event document (see `docs/webhooks.md`).
    case json
    /// `{"text": "..."}`, which Slack incoming webhooks (and Mattermost, Discord's `/slack` URLs) accept.
    case slack
}

/// How serious an alert is; an endpoint may ask for a minimum level only.
public enum AlertLevel: String, Sendable, Hashable, CaseIterable, Comparable {
    case info
    case warning
    case critical

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }

    public static func < (lhs: AlertLevel, rhs: AlertLevel) -> Bool { lhs.rank < rhs.rank }
}

/// A webhook endpoint as the user sets it (`webhooks.set`): where to POST, in which format, and
/// with which signing secret.
///
/// The initializer validates every field; a `nil` secret means "generate one" for a new endpoint
/// and "keep the current one" when an existing endpoint is updated.
public struct WebhookEndpoint: Sendable, Hashable {
    /// The user's slug for the endpoint: 1 to 64 of `a-z A-Z 0-9 _ - .`, starting with a letter or digit.
    public var id: String
    /// An absolute `http` or `https` URL with a host.
    public var url: String
    public var format: WebhookFormat
    /// The HMAC key for `X-Tally-Signature`; at least 16 characters when given.
    public var secret: String?
    public var enabled: Bool
    /// Alerts below this level are not sent to the endpoint; `nil` sends every level.
    public var minimumLevel: AlertLevel?

    public static let minimumSecretLength = 16
    public static let maximumURLLength = 2048

    public init(
        id: String, url: String, format: WebhookFormat = .json, secret: String? = nil, enabled: Bool = true,
        minimumLevel: AlertLevel? = nil
    ) throws(WebhookError) {
        guard Self.isValidID(id) else {
            throw .invalidField(field: "id", reason: "use 1 to 64 letters, digits, '_', '-' or '.', starting with a letter or digit (got \"\(id.prefix(80))\")")
        }
        try Self.validateURL(url)
        if let secret {
            guard secret.count >= Self.minimumSecretLength else {
                throw .invalidField(field: "secret", reason: "use at least \(Self.minimumSecretLength) characters, or leave it out to have one generated")
            }
            guard secret.utf8.count <= 256, !secret.contains(where: { $0.isNewline }) else {
                throw .invalidField(field: "secret", reason: "use at most 256 bytes on one line")
            }
        }
        self.id = id
        self.url = url
        self.format = format
        self.secret = secret
        self.enabled = enabled
        self.minimumLevel = minimumLevel
    }

    static func isValidID(_ id: String) -> Bool {
        guard (1...64).contains(id.utf8.count), let first = id.utf8.first else { return false }
        func allowed(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        }
        return allowed(first) && id.utf8.allSatisfy { allowed($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }

    /// Refuses anything but an absolute http(s) URL with a host, so a typo fails at `webhooks.set`
    /// instead of as twenty failed deliveries later.
    static func validateURL(_ url: String) throws(WebhookError) {
        guard !url.isEmpty else { throw .invalidField(field: "url", reason: "give the endpoint's http:// or https:// URL") }
        guard url.utf8.count <= maximumURLLength else {
            throw .invalidField(field: "url", reason: "use at most \(maximumURLLength) bytes")
        }
        guard !url.contains(where: { $0.isWhitespace }) else {
            throw .invalidField(field: "url", reason: "remove the spaces or line breaks (percent-encode them if they belong to the URL)")
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw .invalidField(field: "url", reason: "\"\(url.prefix(200))\" is not a URL; give an absolute http:// or https:// URL")
        }
        guard scheme == "http" || scheme == "https" else {
            throw .invalidField(field: "url", reason: "the scheme must be http or https, not \"\(scheme)\"")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidField(field: "url", reason: "\"\(url.prefix(200))\" has no host; write it as \(scheme)://host/path")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw .invalidField(field: "url", reason: "port \(port) is out of range 1-65535")
        }
    }
}

/// An endpoint as listed (`webhooks.list`): everything but the secret, of which only a hint is shown.
public struct WebhookEndpointSummary: Sendable, Hashable {
    public var id: String
    public var url: String
    public var format: WebhookFormat
    public var enabled: Bool
    public var minimumLevel: AlertLevel?
    /// The first 4 characters of the secret and an ellipsis, to tell secrets apart without revealing them.
    public var secretHint: String
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    /// The listing as JSON (times in RFC 3339, UTC).
    public var json: JSONValue {
        [
            "id": .string(id), "url": .string(url), "format": .string(format.rawValue), "enabled": .bool(enabled),
            "min_level": minimumLevel.map { .string($0.rawValue) } ?? .null, "secret_hint": .string(secretHint),
            "created_at": .string(createdAt.rfc3339), "updated_at": .string(updatedAt.rfc3339),
        ]
    }
}

/// What `WebhookStore.setEndpoint` did.
public struct WebhookSetResult: Sendable, Hashable {
    public var endpoint: WebhookEndpointSummary
    /// Whether the endpoint is new (rather than an update of one with the same id).
    public var created: Bool
    /// The secret now in force when it was generated or replaced by this call; `nil` when the old
    /// one was kept. Shown to the user this once: listings give only a hint.
    public var secret: String?
}

/// What went wrong, worded for the user to fix it.
public enum WebhookError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A field of a request is wrong; `field` names it (`url`, `id`, `secret`, `level`...).
    case invalidField(field: String, reason: String)
    /// No endpoint has this id.
    case unknownEndpoint(String)
    /// The deliverer was shut down; create a new one.
    case shutDown

    public var field: String? {
        if case .invalidField(let field, _) = self { return field }
        if case .unknownEndpoint = self { return "id" }
        return nil
    }

    public var description: String {
        switch self {
        case .invalidField(let field, let reason): "invalid \(field): \(reason)"
        case .unknownEndpoint(let id): "no webhook endpoint \"\(id)\"; webhooks.list shows the ids"
        case .shutDown: "the webhook deliverer is shut down"
        }
    }
}

/// Secrets and ids from the system's secure generator (getrandom on Linux).
enum WebhookRandom {
    static func hex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        text.reserveCapacity(count * 2)
        for _ in 0..<count {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            text += byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return text
    }

    /// A new signing secret: 32 random bytes as 64 hex digits.
    static func secret() -> String { hex(bytes: 32) }

    /// A new delivery id, `whd_` and 16 random bytes in hex.
    static func deliveryID() -> String { "whd_" + hex(bytes: 16) }
}
