import TallyCore
import TallyJSON

/// A problem `keys.audit` found.
public struct KeyProblem: Sendable, Hashable {
    /// The kinds of problem.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Seen in events or provider data, never registered.
        case rogueKey = "rogue_key"
        /// Registered, not seen for the given number of days.
        case unusedKey = "unused_key"
        /// Created more than the rotation period ago.
        case rotationDue = "rotation_due"
        /// One key used for several clients.
        case sharedKey = "shared_key"
        /// Ledger events that name no key at all.
        case eventsWithoutKey = "events_without_key"
    }

    public var kind: Kind
    public var provider: String?
    public var keyID: String?
    public var detail: String
    public var clients: [String]
    /// Events concerned (for `events_without_key`), days unused or key age in days.
    public var count: Int64?

    public var jsonValue: JSONValue {
        .object([
            "problem": .string(kind.rawValue), "provider": provider.map(JSONValue.string) ?? .null,
            "key_id": keyID.map(JSONValue.string) ?? .null, "detail": .string(detail),
            "clients": .array(clients.map(JSONValue.string)), "count": count.map(JSONValue.integer) ?? .null,
        ])
    }
}

/// The key audit: pure, with the day it runs as a parameter (no clock).
public enum KeyAudit {
    /// - Parameters:
    ///   - registered: the agency's registered keys.
    ///   - seen: keys seen in the ledger and in provider data (both may name the same key).
    ///   - eventsWithoutKey: ledger events in the audited range that name no key.
    ///   - asOf: the day of the audit.
    ///   - unusedDays: a registered key not seen for this many days is unused.
    ///   - rotationDays: a key created this many days ago or more is due for rotation.
    public static func audit(registered: [RegisteredKey], seen: [SeenKey], eventsWithoutKey: Int64, asOf: UTCDate,
                             unusedDays: Int, rotationDays: Int) -> [KeyProblem] {
        var problems: [KeyProblem] = []
        struct ID: Hashable, Comparable {
            var provider: String
            var key: String
            static func < (l: ID, r: ID) -> Bool { (l.provider, l.key) < (r.provider, r.key) }
        }
        var merged: [ID: (last: UTCDate, clients: Set<String>, sources: Set<String>)] = [:]
        for key in seen {
            let id = ID(provider: key.provider, key: key.keyID)
            var current = merged[id] ?? (last: key.lastDay, clients: Set<String>(), sources: Set<String>())
            current.last = max(current.last, key.lastDay)
            current.clients.formUnion(key.clients)
            current.sources.insert(key.source)
            merged[id] = current
        }
        let registeredIDs = Set(registered.map { ID(provider: $0.provider, key: $0.keyID) })
        for (id, usage) in merged.sorted(by: { $0.key < $1.key }) where !registeredIDs.contains(id) {
            problems.append(KeyProblem(
                kind: .rogueKey, provider: id.provider, keyID: id.key,
                detail: "key \(id.key) is used (seen in \(usage.sources.sorted().joined(separator: " and ")) data, last on \(usage.last)) but not registered",
                clients: usage.clients.sorted(), count: nil))
        }
        for key in registered {
            let id = ID(provider: key.provider, key: key.keyID)
            let lastUse = merged[id]?.last
            let idleSince = lastUse ?? key.createdAt
            let idleDays = asOf.daysSinceEpoch - idleSince.daysSinceEpoch
            if idleDays >= Int64(unusedDays) {
                problems.append(KeyProblem(
                    kind: .unusedKey, provider: key.provider, keyID: key.keyID,
                    detail: lastUse.map { "key \(key.keyID) was last used on \($0), \(idleDays) days ago; revoke it if nothing needs it" }
                        ?? "key \(key.keyID) was never seen in use since its creation on \(key.createdAt), \(idleDays) days ago",
                    clients: key.client.map { [$0] } ?? [], count: idleDays))
            }
            let age = asOf.daysSinceEpoch - key.createdAt.daysSinceEpoch
            if age >= Int64(rotationDays) {
                problems.append(KeyProblem(
                    kind: .rotationDue, provider: key.provider, keyID: key.keyID,
                    detail: "key \(key.keyID) was created on \(key.createdAt), \(age) days ago (rotate every \(rotationDays) days)",
                    clients: key.client.map { [$0] } ?? [], count: age))
            }
        }
        for (id, usage) in merged.sorted(by: { $0.key < $1.key }) where usage.clients.count > 1 {
            problems.append(KeyProblem(
                kind: .sharedKey, provider: id.provider, keyID: id.key,
                detail: "key \(id.key) is used for \(usage.clients.count) clients (\(usage.clients.sorted().joined(separator: ", "))); give each client its own key so that the provider's bill splits by client",
                clients: usage.clients.sorted(), count: Int64(usage.clients.count)))
        }
        if eventsWithoutKey > 0 {
            problems.append(KeyProblem(
                kind: .eventsWithoutKey, provider: nil, keyID: nil,
                detail: "\(eventsWithoutKey) events name no API key; send api_key (its id or fingerprint) with every event",
                clients: [], count: eventsWithoutKey))
        }
        return problems
    }

    /// Refuses a key id that looks like a whole secret key (`sk-...`, a long random string).
    public static func validateKeyID(_ keyID: String) throws(ReconcileError) {
        guard !keyID.isEmpty, keyID.utf8.count <= 256 else {
            throw .invalidSetting(field: "key_id", reason: "give a non-empty id or fingerprint of at most 256 bytes")
        }
        if keyID.hasPrefix("sk-") || keyID.hasPrefix("sk_") || APIKeyReference.looksLikeSecret(keyID) {
            throw .invalidSetting(field: "key_id", reason: "looks like a secret key; register the key's id (key_..., apikey_...) or a fingerprint, never the secret")
        }
    }
}
