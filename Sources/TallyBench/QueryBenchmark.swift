import Foundation
import TallyClient
import TallyJSON

/// `spend.query` for one client's month over a ledger of many events.
enum QueryBenchmark {
    static func seed(server: ServerProcess, events: Int) async throws -> Report {
        let batchSize = 1_000
        return try await sendInSlices(server: server, batches: max(1, events / batchSize), itemsPerBatch: batchSize, slice: 500, window: 4) { batch in
            let events = (0..<batchSize).map { SyntheticEvents.event(batch * batchSize + $0, runID: "seed") }
            return ["jsonrpc": "2.0", "id": .integer(Int64(batch)), "method": "ingest.events", "params": ["events": .array(events)]]
        }
    }

    /// Sends `batches` requests built by `request(batch)` over one pipelined connection, building
    /// `slice` of them at a time so that millions of items never sit in memory at once.
    static func sendInSlices(server: ServerProcess, batches: Int, itemsPerBatch: Int, slice: Int, window: Int,
                             request: (Int) -> JSONValue) async throws -> Report {
        var total = Report(count: 0, elapsed: .zero, latenciesNanoseconds: [])
        var done = 0
        while done < batches {
            let count = min(slice, batches - done)
            let lines = (0..<count).map { request(done + $0).jsonText }
            let hello = #"{"jsonrpc":"2.0","id":"hello","method":"session.hello","params":{"token":"\#(server.adminToken)"}}"#
            let (report, _) = try await HealthBenchmark.measure(port: server.rpcPort, lines: [hello] + lines, total: count + 1, window: window)
            total = Report(count: total.count + count * itemsPerBatch, elapsed: total.elapsed + report.elapsed, latenciesNanoseconds: [])
            done += count
        }
        return total
    }

    /// Times `runs` spend.query calls (one client, one month, by day and model) from the client side.
    static func measure(server: ServerProcess, runs: Int) async throws -> (latenciesMicroseconds: [Double], sample: JSONValue) {
        let client = try await TallyClient.connect(host: "127.0.0.1", port: server.rpcPort, token: server.adminToken)
        let params: [String: JSONValue] = [
            "from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "group_by": ["day", "model"], "filter": ["client": "client-7"],
        ]
        var latencies: [Double] = []
        var sample: JSONValue = .null
        for _ in 0..<runs {
            let start = ContinuousClock.now
            sample = try await client.call("spend.query", params)
            let elapsed = ContinuousClock.now - start
            latencies.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
        }
        await client.close()
        return (latencies.sorted(), sample)
    }
}
