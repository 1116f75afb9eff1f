import TallyClient
import TallyJSON

/// `budgets.check` and `budgets.status` latency, idle and while ingest runs on another
/// connection, with a budget on every client of the synthetic events.
enum BudgetBenchmark {
    struct Row {
        let method: String
        let load: String
        let report: Report
        /// What the server itself measured for the same calls.
        let server: ServerHistogram
    }

    static func run(server: ServerProcess, requests: Int) async throws -> [Row] {
        let client = try await TallyClient.connect(host: "127.0.0.1", port: server.rpcPort, token: server.adminToken)
        for number in 0..<50 {
            _ = try await client.call("budgets.set", ["client": .string("client-\(number)"), "amount": "100000", "period": "month", "policy": "block"])
        }
        await client.close()
        // Spend on every budget, so checks and statuses have periods to read.
        _ = try await IngestBenchmark.run(server: server, batches: 50, batchSize: 1_000, window: 4)

        let hello = #"{"jsonrpc":"2.0","id":"hello","method":"session.hello","params":{"token":"\#(server.adminToken)"}}"#
        let calls: [(String, [String])] = [
            ("budgets.check", (0..<50).map { #"{"jsonrpc":"2.0","id":1,"method":"budgets.check","params":{"client":"client-\#($0)","estimated_cost":"0.25"}}"# }),
            ("budgets.status", (0..<50).map { #"{"jsonrpc":"2.0","id":1,"method":"budgets.status","params":{"id":"client-\#($0):month"}}"# }),
        ]
        var rows: [Row] = []
        for (method, lines) in calls {
            // Warm-up, then one call at a time (window 1): each latency is one round trip.
            _ = try await HealthBenchmark.measure(port: server.rpcPort, lines: [hello] + lines, total: 2_000, window: 1)
            var before = try await ServerHistogram.scrape(httpPort: server.httpPort, method: method)
            let (idle, _) = try await HealthBenchmark.measure(port: server.rpcPort, lines: [hello] + lines, total: requests, window: 1)
            rows.append(Row(method: method, load: "idle", report: idle,
                            server: try await ServerHistogram.scrape(httpPort: server.httpPort, method: method).since(before)))
            let ingest = Task { try await IngestBenchmark.run(server: server, batches: 100, batchSize: 1_000, window: 4) }
            try await Task.sleep(for: .milliseconds(200))
            before = try await ServerHistogram.scrape(httpPort: server.httpPort, method: method)
            let (loaded, _) = try await HealthBenchmark.measure(port: server.rpcPort, lines: [hello] + lines, total: requests, window: 1)
            let during = try await ServerHistogram.scrape(httpPort: server.httpPort, method: method).since(before)
            _ = try await ingest.value
            rows.append(Row(method: method, load: "during ingest", report: loaded, server: during))
        }
        return rows
    }
}
