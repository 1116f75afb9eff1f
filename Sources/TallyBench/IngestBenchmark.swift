import Foundation
import TallyJSON
import TallyStore

/// Events per second through `ingest.events` over one pipelined TCP connection, against the
/// floor: the same request texts parsed and inserted straight into SQLite in one process.
enum IngestBenchmark {
    struct Result {
        let server: Report
        let events: Int
        let floorEventsPerSecond: Double
        let peakResidentMiB: Int
        let sample: [String]
    }

    static func run(server: ServerProcess, batches: Int, batchSize: Int, window: Int) async throws -> Result {
        let runID = "bench-\(UInt32.random(in: 0...UInt32.max))"
        let lines = SyntheticEvents.requestLines(batches: batches, batchSize: batchSize, runID: runID)
        let hello = #"{"jsonrpc":"2.0","id":"hello","method":"session.hello","params":{"token":"\#(server.adminToken)"}}"#
        // The hello is the first line of the same connection; its answer is counted with the rest.
        let (report, sample) = try await HealthBenchmark.measure(port: server.rpcPort, lines: [hello] + lines, total: lines.count + 1, window: window)
        let floor = try floorEventsPerSecond(lines)
        return Result(server: report, events: batches * batchSize, floorEventsPerSecond: floor,
                      peakResidentMiB: server.peakResidentKiB / 1024, sample: sample)
    }

    /// Parse each request with jansson and insert its events with one prepared statement, one
    /// transaction per request: the least any ingest path must do.
    static func floorEventsPerSecond(_ lines: [String]) throws -> Double {
        let folder = NSTemporaryDirectory() + "tally-floor-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let connection = try SQLiteConnection(path: folder + "/floor.sqlite")
        try connection.execute("""
            CREATE TABLE events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, ts TEXT NOT NULL, provider TEXT, model TEXT,
                                 client TEXT, input_tokens INTEGER, output_tokens INTEGER, raw TEXT NOT NULL)
            """)
        let insert = try connection.statement("INSERT INTO events (event_id, ts, provider, model, client, input_tokens, output_tokens, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        let byteLines = lines.map { Array($0.utf8) }
        let start = ContinuousClock.now
        var count = 0
        for line in byteLines {
            let request = try JSONCodec.parse(line)
            let events = request["params"]?["events"]?.arrayValue ?? []
            try connection.transaction {
                for event in events {
                    try insert.execute([
                        event["id"]?.stringValue ?? "", event["ts"]?.stringValue ?? "", event["provider"]?.stringValue,
                        event["model"]?.stringValue, event["client"]?.stringValue, event["usage"]?["input_tokens"]?.int64Value,
                        event["usage"]?["output_tokens"]?.int64Value, event.jsonText,
                    ])
                    count += 1
                }
            }
        }
        let elapsed = ContinuousClock.now - start
        return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
