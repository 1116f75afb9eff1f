import TallyCore
import TallyJSON
import TallyRPC
import TallyStore

/// `ingest.events`: store a batch of usage events, each answered accepted, duplicate or rejected.
enum IngestMethods {
    /// The most events one call may carry.
    static let maximumEventsPerCall = 10_000

    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("ingest.events", access: .role(.ingest), params: ["events"], required: ["events"]) { params, context in
                let principal = try context.requirePrincipal()
                let events = try params.array("events")
                guard !events.isEmpty else { throw RPCError.invalidParam("events", "must hold at least one event") }
                guard events.count <= maximumEventsPerCall else {
                    throw RPCError(.resourceExhausted, "at most \(maximumEventsPerCall) events per call, got \(events.count); split the batch",
                                   details: ["field": "events", "limit": .integer(Int64(maximumEventsPerCall))])
                }
                let receivedAt = Timestamp.now
                // Validation runs here, off the agency's thread; only valid events go to the ledger.
                var results = [IngestResult?](repeating: nil, count: events.count)
                var valid: [UsageEvent] = []
                var validIndexes: [Int] = []
                valid.reserveCapacity(events.count)
                for (index, raw) in events.enumerated() {
                    do throws(EventValidationError) {
                        valid.append(try UsageEvent.decode(raw, receivedAt: receivedAt, fingerprint: SecretFingerprint.of))
                        validIndexes.append(index)
                    } catch {
                        results[index] = .rejected(field: "events[\(index)].\(error.field)", reason: error.reason)
                    }
                }
                let decisions = await RuleAttribution.decide(valid, rules: await server.agencies.rules(for: principal.agency), metrics: server.metrics)
                let pipeline = try await server.agencies.pipeline(for: principal.agency)
                let stored: [IngestResult]
                do {
                    stored = try await pipeline.ingest(Array(zip(valid, decisions)), receivedAt: receivedAt)
                } catch {
                    throw RPCError.unavailable("the events could not be committed; nothing of this call was stored, so retry it as is")
                }
                for (index, result) in zip(validIndexes, stored) { results[index] = result }
                // Keys the events name go to the untracked-key watch, after the answer is decided.
                var keys: [(provider: String, key: String, day: UTCDate)] = []
                for (event, result) in zip(valid, stored) {
                    guard case .accepted = result, let key = event.apiKey else { continue }
                    keys.append((ProviderName.normalize(event.provider), key, event.timestamp.utcDate))
                }
                if !keys.isEmpty {
                    let watch = try await server.agencies.keyWatch(for: principal.agency)
                    Task { await watch.note(keys) }
                }

                var counts = (accepted: 0, duplicates: 0, rejected: 0)
                var answers: [JSONValue] = []
                answers.reserveCapacity(events.count)
                for (index, result) in results.enumerated() {
                    let result = result!
                    switch result {
                    case .accepted: counts.accepted += 1
                    case .duplicate: counts.duplicates += 1
                    case .rejected: counts.rejected += 1
                    }
                    answers.append(result.json(index: index, id: events[index]["id"] ?? .null))
                }
                server.metrics.eventsIngested("accepted", count: counts.accepted)
                server.metrics.eventsIngested("duplicate", count: counts.duplicates)
                server.metrics.eventsIngested("rejected", count: counts.rejected)
                return [
                    "accepted": .integer(Int64(counts.accepted)), "duplicates": .integer(Int64(counts.duplicates)),
                    "rejected": .integer(Int64(counts.rejected)), "results": .array(answers),
                ]
            },
        ]
    }
}
