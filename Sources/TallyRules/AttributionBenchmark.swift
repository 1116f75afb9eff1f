import CLua
import TallyCore
import TallyJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures the per-event cost of `attribute` on a warm runtime, for `tally-bench` and for
/// checking a rule set's speed. Runs on the calling thread; the runtime stays usable.
public enum AttributionBenchmark {
    /// One measurement: per-event times over `rounds` rounds of `eventsPerRound` calls each.
    public struct Measurement: Sendable, Hashable, CustomStringConvertible {
        public var rounds: Int
        public var eventsPerRound: Int
        /// Median over rounds of (round time / events in the round), in nanoseconds.
        public var medianNanoseconds: Double
        public var fastestNanoseconds: Double
        public var slowestNanoseconds: Double

        public var description: String {
            "attribute: median \(Self.format(medianNanoseconds)) per event (fastest round \(Self.format(fastestNanoseconds)), slowest \(Self.format(slowestNanoseconds)); \(rounds) rounds x \(eventsPerRound) events)"
        }

        private static func format(_ nanoseconds: Double) -> String {
            nanoseconds >= 1000 ? "\((nanoseconds / 10).rounded() / 100) us" : "\(Int(nanoseconds.rounded())) ns"
        }
    }

    /// Typical ingest events, one per attribution path of the default rules (explicit client,
    /// metadata, workflow name, instance map, key map, unattributed).
    public static let typicalEvents: [JSONValue] = {
        func event(_ id: String, _ extra: [String: JSONValue]) -> JSONValue {
            var members: [String: JSONValue] = [
                "id": .string(id), "source": "n8n", "ts": "2025-03-14T09:26:53Z", "provider": "openai", "model": "gpt-4o-mini",
                "usage": [
                    "input_tokens": 1843, "cache_read_tokens": 1024, "cache_write_5m_tokens": 0, "cache_write_1h_tokens": 0,
                    "output_tokens": 412, "reasoning_tokens": 0, "requests": 1,
                ],
                "execution_id": "exec_88412", "api_key": "key_unknown", "instance": "n8n-unknown",
                "workflow": ["id": "wf_17", "name": "Nightly digest"],
            ]
            for (key, value) in extra { members[key] = value }
            return .object(members)
        }
        return [
            event("evt_client", ["client": "acme"]),
            event("evt_metadata", ["metadata": ["client_id": "innovate-corp", "run": "r-1"]]),
            event("evt_workflow", ["workflow": ["id": "wf_3", "name": "Acme - Summarizer"]]),
            event("evt_instance", ["instance": "n8n-acme-prod"]),
            event("evt_key", ["api_key": "key_globex_openrouter_01"]),
            event("evt_none", [:]),
        ]
    }()

    /// ``typicalEvents`` validated as ingest validates them: what `ingest.events` hands the rules.
    public static let typicalUsageEvents: [UsageEvent] = typicalEvents.map { json in
        try! UsageEvent.decode(json, receivedAt: Timestamp(microsecondsSinceEpoch: 0), fingerprint: { $0 })
    }

    /// Attributes validated events round-robin, as ingest does; errors (if the rules fail) are thrown.
    public static func measure(
        _ runtime: RuleRuntime, events: [UsageEvent] = typicalUsageEvents, rounds: Int = 30, eventsPerRound: Int = 3000
    ) throws(RuleError) -> Measurement {
        // Through the buffer, as ``AgencyRules`` attributes a batch.
        try events.withUnsafeBufferPointer { (events) throws(RuleError) in
            try measure(count: events.count, rounds: rounds, eventsPerRound: eventsPerRound) { (index) throws(RuleError) in
                _ = try runtime.attribute(at: events.baseAddress! + index)
            }
        }
    }

    /// Attributes JSON events round-robin, as `rules.test` and dry runs do.
    public static func measure(
        _ runtime: RuleRuntime, events: [JSONValue], rounds: Int = 30, eventsPerRound: Int = 3000
    ) throws(RuleError) -> Measurement {
        try measure(count: events.count, rounds: rounds, eventsPerRound: eventsPerRound) { (index) throws(RuleError) in
            _ = try runtime.attribute(events[index])
        }
    }

    private static func measure(
        count: Int, rounds: Int, eventsPerRound: Int, attribute: (Int) throws(RuleError) -> Void
    ) throws(RuleError) -> Measurement {
        precondition(count > 0 && rounds > 0 && eventsPerRound > 0)
        for index in 0..<count { try attribute(index) }  // warm up
        var perEvent: [Double] = []
        perEvent.reserveCapacity(rounds)
        for _ in 0..<rounds {
            let start = monotonicNanoseconds()
            for index in 0..<eventsPerRound {
                try attribute(index % count)
            }
            perEvent.append(Double(monotonicNanoseconds() - start) / Double(eventsPerRound))
        }
        perEvent.sort()
        return Measurement(
            rounds: rounds, eventsPerRound: eventsPerRound, medianNanoseconds: perEvent[perEvent.count / 2],
            fastestNanoseconds: perEvent.first!, slowestNanoseconds: perEvent.last!)
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
