import Logging
import TallyCore
import TallyJSON
import TallyReconcile
import TallyStore
import TallyWebhooks

/// The built-in `untracked_key` alert: raised as soon as a connector pull or an import shows
/// provider usage of an API key the agency never registered (`keys.register`).
///
/// It goes the way budget alerts go: stored once in the ledger's alerts table (budget id
/// `keys`, period = the provider, key `untracked_key:<key id>`, so each key alerts once),
/// pushed to `alerts.subscribe` sessions and queued for the agency's webhooks. It is not
/// decided by `alerts.lua`, whose `on_spend` sees budget periods only.
enum UntrackedKeyAlerts {
    static let budgetID = "keys"

    /// Raises one alert per unregistered key in `data` (once per key, ever); returns every
    /// unregistered key the data names.
    @discardableResult
    static func raise(agency: AgencyID, data: ProviderData, store: ProviderUsageStore, pipeline: AgencyPipeline, hub: AlertHub,
                      deliverer: WebhookDeliverer, logger: Logger, seenIn: String = "the provider's data") async -> [String] {
        do {
            let registered = Set(try await store.registeredKeys().map { "\($0.provider)\u{0}\($0.keyID)" })
            var candidates: [String: (provider: String, key: String, days: Set<UTCDate>, amount: Money)] = [:]
            for row in data.costs {
                guard let key = row.apiKey, !registered.contains("\(row.provider)\u{0}\(key)") else { continue }
                var entry = candidates["\(row.provider)\u{0}\(key)"] ?? (provider: row.provider, key: key, days: Set<UTCDate>(), amount: Money.zero)
                entry.days.insert(row.day)
                entry.amount += row.amount
                candidates["\(row.provider)\u{0}\(key)"] = entry
            }
            for sighting in data.sightings where !registered.contains("\(sighting.provider)\u{0}\(sighting.apiKey)") {
                var entry = candidates["\(sighting.provider)\u{0}\(sighting.apiKey)"] ?? (provider: sighting.provider, key: sighting.apiKey, days: Set<UTCDate>(), amount: Money.zero)
                entry.days.insert(sighting.day)
                candidates["\(sighting.provider)\u{0}\(sighting.apiKey)"] = entry
            }
            var raised: [String] = []
            let now = Timestamp.now
            for (_, candidate) in candidates.sorted(by: { $0.key < $1.key }) {
                let days = candidate.days.sorted()
                let message = "untracked \(candidate.provider) API key \(candidate.key): \(seenIn) shows its usage"
                    + (days.isEmpty ? "" : " from \(days.first!) to \(days.last!)")
                    + (candidate.amount.isZero ? "" : " (\(candidate.amount.decimalString) USD)")
                    + " but it is not registered; register it with keys.register or revoke it"
                let alertData: JSONValue = .object([
                    "provider": .string(candidate.provider), "key_id": .string(candidate.key), "amount": candidate.amount.jsonValue,
                    "days": .array(days.map { .string($0.description) }),
                ])
                raised.append(candidate.key)
                guard let alert = try await pipeline.recordBuiltInAlert(
                    budgetID: budgetID, periodKey: candidate.provider, key: "untracked_key:\(candidate.key)", level: "warning",
                    message: message, data: alertData, now: now) else { continue }
                logger.info("alert fired", metadata: ["agency": "\(agency)", "alert": "\(alert.id)", "level": "warning"])
                await hub.publish(alert, agency: agency)
                do {
                    try await deliverer.enqueue(alert: alert.jsonValue, alertID: alert.id, level: alert.level)
                    try await pipeline.markAlertOutboxed(alert)
                } catch {
                    logger.error("alert not queued for webhooks; it will be retried at the next start",
                                 metadata: ["agency": "\(agency)", "alert": "\(alert.id)", "error": "\(error)"])
                }
            }
            return raised
        } catch {
            logger.error("untracked key alerts failed", metadata: ["agency": "\(agency)", "error": "\(error)"])
            return []
        }
    }
}

extension AgencyPipeline {
    /// Stores an alert the server raises itself (not from a budget's `on_spend`), once per
    /// `(budgetID, periodKey, key)`; returns it when new.
    func recordBuiltInAlert(budgetID: String, periodKey: String, key: String, level: String, message: String, data: JSONValue,
                            now: Timestamp) throws -> StoredAlert? {
        try database.recordAlert(budgetID: budgetID, periodKey: periodKey, key: key, client: nil, level: level, message: message, data: data, at: now)
    }
}

/// Watches the keys ingested events name, and raises `untracked_key` for one that is not
/// registered, off the ingest path (the answer never waits for it).
///
/// It remembers the keys it has checked, so a known key costs a set lookup; the registered keys
/// are re-read only when a key it has not seen arrives (a `keys.register` is seen at once).
actor EventKeyWatch {
    private let raise: @Sendable (ProviderData) async -> [String]
    private let registered: @Sendable () async throws -> Set<String>
    private var settled: Set<String> = []

    init(registered: @escaping @Sendable () async throws -> Set<String>, raise: @escaping @Sendable (ProviderData) async -> [String]) {
        self.registered = registered
        self.raise = raise
    }

    /// Checks the (provider, key, day) of accepted events.
    func note(_ keys: [(provider: String, key: String, day: UTCDate)]) async {
        let fresh = keys.filter { !settled.contains(Self.id($0.provider, $0.key)) }
        guard !fresh.isEmpty else { return }
        guard let known = try? await registered() else { return }
        var sightings: [ProviderKeySighting] = []
        for entry in fresh {
            let id = Self.id(entry.provider, entry.key)
            guard settled.insert(id).inserted else { continue }
            if !known.contains(id) { sightings.append(ProviderKeySighting(day: entry.day, provider: entry.provider, apiKey: entry.key)) }
        }
        if !sightings.isEmpty { _ = await raise(ProviderData(sightings: sightings)) }
    }

    /// Forgets a key (after `keys.register`, so that it is checked against the registry again).
    func forget(provider: String, key: String) { settled.remove(Self.id(provider, key)) }

    static func id(_ provider: String, _ key: String) -> String { provider + "\u{0}" + key }
}
