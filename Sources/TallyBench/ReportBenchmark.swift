import Foundation
import TallyClient
import TallyJSON

/// `reports.client` and `reports.agency` for November 2026 over a ledger of many events, with
/// the n8n executions those events belong to (four events per execution).
enum ReportBenchmark {
    /// Pushes the executions of the synthetic events (`SyntheticEvents.event` uses execution `number / 4`).
    static func seedExecutions(server: ServerProcess, events: Int) async throws -> Report {
        let batchSize = 5_000
        return try await QueryBenchmark.sendInSlices(server: server, batches: max(1, events / 4 / batchSize), itemsPerBatch: batchSize,
                                                     slice: 100, window: 2) { batch in
            let items: [JSONValue] = (0..<batchSize).map { offset in
                let execution = batch * batchSize + offset
                let event = SyntheticEvents.event(execution * 4, runID: "seed")
                return [
                    "instance": event["instance"] ?? .null, "id": .string(String(execution)), "workflow": event["workflow"]?["id"] ?? .null,
                    "status": execution % 40 == 0 ? "error" : "success", "started_at": event["ts"] ?? .null,
                ]
            }
            return ["jsonrpc": "2.0", "id": .integer(Int64(batch)), "method": "ingest.executions", "params": ["executions": .array(items)]]
        }
    }

    /// Times `runs` calls of each report (November 2026) from the client side, in milliseconds.
    static func measure(server: ServerProcess, runs: Int) async throws -> [(label: String, milliseconds: [Double], sample: JSONValue)] {
        let client = try await TallyClient.connect(host: "127.0.0.1", port: server.rpcPort, token: server.adminToken)
        var rows: [(String, [Double], JSONValue)] = []
        for (label, method, params) in [
            ("reports.client json", "reports.client", ["client": "client-7", "period": "2026-11"] as [String: JSONValue]),
            ("reports.client html", "reports.client", ["client": "client-7", "period": "2026-11", "format": "html"]),
            ("reports.agency json", "reports.agency", ["period": "2026-11"]),
            ("reports.agency html", "reports.agency", ["period": "2026-11", "format": "html"]),
        ] {
            var latencies: [Double] = []
            var sample: JSONValue = .null
            for _ in 0..<runs {
                let start = ContinuousClock.now
                sample = try await client.call(method, params)
                let elapsed = ContinuousClock.now - start
                latencies.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
            }
            rows.append((label, latencies.sorted(), sample))
        }
        await client.close()
        return rows
    }
}
