import Foundation
import TallyCore
import TallyJSON
import TallyStore

/// Times each stage of ingest on its own, in one process, to show where an event's time goes.
enum StageProfile {
    static func run(events count: Int) throws {
        let lines = SyntheticEvents.requestLines(batches: count / 1_000, batchSize: 1_000, runID: "profile").map { Array($0.utf8) }
        func time(_ label: String, _ body: () throws -> Void) rethrows {
            let start = ContinuousClock.now
            try body()
            let elapsed = ContinuousClock.now - start
            let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            print(String(format: "%-44@ %8.2f µs/event", label as NSString, nanoseconds / 1e3 / Double(count)))
        }
        var parsed: [JSONValue] = []
        try time("jansson parse + JSONValue") { parsed = try lines.map { try JSONCodec.parse($0) } }
        let events = parsed.flatMap { $0["params"]?["events"]?.arrayValue ?? [] }
        var decoded: [UsageEvent] = []
        try time("UsageEvent.decode") {
            decoded = try events.map { try UsageEvent.decode($0, receivedAt: .now, fingerprint: SecretFingerprint.of) }
        }
        time("serialize event (raw column)") { for event in events { _ = event.jsonText } }
        let book = PriceBook(shipped: try PriceCatalog.decode(try JSONCodec.parse(try Data(contentsOf: URL(fileURLWithPath: CommandLine.arguments[0])
            .deletingLastPathComponent().appendingPathComponent("tally_TallyServer.resources/Resources/prices.json")).map { $0 })))
        time("price") { for event in decoded { _ = book.price(usage: event.usage, provider: event.provider, model: event.model, at: event.timestamp) } }
        let folder = NSTemporaryDirectory() + "tally-profile-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try AgencyDatabase(agency: AgencyID("profile")!, directory: DataDirectory(folder))
        try time("AgencyDatabase.write (one txn per 1,000)") {
            for chunk in stride(from: 0, to: decoded.count, by: 1_000) {
                try database.transaction {
                    for event in decoded[chunk..<min(chunk + 1_000, decoded.count)] {
                        _ = try database.write(LedgerEntry(
                            event: event, receivedAt: .now, client: event.client, attributionReason: "x", ruleVersion: "v",
                            attributionError: nil, cost: Money(picoUSD: 1_000), computedCost: Money(picoUSD: 1_000), costBasis: .catalog,
                            priceVersion: "p", resolvedModel: event.model, pricingNote: nil))
                    }
                }
            }
        }
    }
}
