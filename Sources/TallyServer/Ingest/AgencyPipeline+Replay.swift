import TallyCore
import TallyJSON
import TallyRules
import TallyStore

/// What `attribution.replay` did.
struct ReplaySummary: Sendable {
    struct Move: Hashable, Sendable {
        var from: String?
        var to: String?
    }
    var examined = 0
    var changed = 0
    var failed = 0
    var moved: [Move: (events: Int, cost: Money)] = [:]
    var ruleVersion: String?
}

extension AgencyPipeline {
    /// Re-runs the agency's current rules over stored events in `[from, to)` and books an
    /// adjustment for every event whose client changes (never editing the event). Running it
    /// again with the same rules changes nothing.
    func replay(from: Timestamp, to: Timestamp, filters: [SpendQuery.Dimension: [String]], rules: AgencyRules) async throws -> ReplaySummary {
        var summary = ReplaySummary()
        var after: Int64 = 0
        while true {
            let page = try database.replayCandidates(from: from, to: to, after: after, limit: 2_000)
            guard let last = page.last else { break }
            after = last.sequence
            let selected = page.filter { candidate in
                filters.allSatisfy { dimension, wanted in
                    let value = candidate.value(of: dimension) ?? (dimension == .client ? "unattributed" : "")
                    return wanted.contains(value)
                }
            }
            var events: [(ReplayCandidate, UsageEvent)] = []
            for candidate in selected {
                guard let raw = try? JSONCodec.parse(candidate.raw),
                      let event = try? UsageEvent.decode(raw, receivedAt: candidate.receivedAt, fingerprint: SecretFingerprint.of)
                else {
                    summary.failed += 1
                    continue
                }
                events.append((candidate, event))
            }
            // The rules run on their own actor; the writes come back to this one.
            let (version, results) = await rules.attribute(events: events.map(\.1))
            summary.ruleVersion = version?.short
            try database.transaction {
                for ((candidate, _), result) in zip(events, results) {
                    summary.examined += 1
                    guard case .success(let attribution) = result else {
                        summary.failed += 1
                        continue
                    }
                    guard attribution.client != candidate.currentClient else { continue }
                    try database.recordReattribution(candidate, to: attribution.client, ruleVersion: version?.short ?? "unknown", reason: attribution.reason)
                    summary.changed += 1
                    let move = ReplaySummary.Move(from: candidate.currentClient, to: attribution.client)
                    let previous = summary.moved[move] ?? (0, .zero)
                    summary.moved[move] = (previous.events + 1, previous.cost + Money(picoUSD: Int128(candidate.currentCostPico)))
                }
            }
        }
        budgets.forgetLoadedPeriods()
        return summary
    }
}
