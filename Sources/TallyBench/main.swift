import Foundation
import TallyRules

// tally-bench: prints benchmark figures. Run it through scripts/bench (release build).
// Figures are printed, never asserted: performance is measured here, not in tests.
//
//   tally-bench [health|rules|ingest|query|reports|budgets|profile|all] [--events N] [--requests N]

let arguments = Array(CommandLine.arguments.dropFirst())
let which = arguments.first.flatMap { $0.hasPrefix("--") ? nil : $0 } ?? "all"
func option(_ name: String, default value: Int, in arguments: [String] = arguments) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let number = Int(arguments[index + 1]) else { return value }
    return number
}
let executableFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
let tallyBinary = executableFolder + "/tally"

func header(_ title: String) {
    print("\n== \(title)")
}

func printSeeded(_ report: Report, _ what: String) {
    let seconds = Double(report.elapsed.components.seconds) + Double(report.elapsed.components.attoseconds) / 1e18
    print(String(format: "seeded %d %@ at %.0f %@/s", report.count, what, Double(report.count) / seconds, what))
}

let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
    .split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
print("tally-bench on \(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)); server: \(tallyBinary)")

do {
    if which == "profile" {
        try StageProfile.run(events: option("--events", default: 100_000))
    }
    if which == "health" || which == "all" {
        header("health.check round trips over one pipelined TCP connection (server in its own process)")
        let server = try await ServerProcess(tallyBinary: tallyBinary)
        for window in [1, 16, 128] {
            let report = try await HealthBenchmark.run(server: server, total: window == 1 ? 20_000 : 200_000, window: window)
            print(String(format: "window %3d: %9.0f calls/s   p50 %7.1f µs   p99 %7.1f µs", window, report.perSecond, report.percentile(0.5), report.percentile(0.99)))
        }
        print("server peak RSS: \(server.peakResidentKiB / 1024) MiB")
        await server.stop()
    }
    if which == "rules" || which == "all" {
        // `--rules DIR` measures another rule set on the same events.
        let rulesFolder = arguments.firstIndex(of: "--rules").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
            ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("rules/default").path
        header("attribution with the rules in \(rulesFolder) (one Lua state, typical events)")
        let runtime = try RuleRuntime(source: try RuleSetSource.load(directory: rulesFolder))
        // `--path ingest` or `--path json` measures one of the two (for a profiler).
        let path = arguments.firstIndex(of: "--path").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } ?? "both"
        let rounds = option("--rounds", default: 30)
        if path != "json" {
            print("ingest (validated events):  \(try AttributionBenchmark.measure(runtime, events: AttributionBenchmark.typicalUsageEvents, rounds: rounds))")
        }
        if path != "ingest" {
            print("rules.test (JSON events):   \(try AttributionBenchmark.measure(runtime, events: AttributionBenchmark.typicalEvents, rounds: rounds))")
        }
    }
    if which == "ingest" || which == "all" {
        let events = option("--events", default: 200_000)
        for (label, rules) in [("default rules active (./rules)", "./rules"), ("no rule folder (built-in attribution)", "/nonexistent-tally-rules")] {
            header("ingest.events, batches of 1,000, one pipelined TCP connection (window 4), \(events) events, \(label)")
            let server = try await ServerProcess(tallyBinary: tallyBinary, extraArguments: ["--rules", rules])
            let result = try await IngestBenchmark.run(server: server, batches: events / 1_000, batchSize: 1_000, window: 4)
            await server.stop()
            let perSecond = Double(result.events) / (Double(result.server.elapsed.components.seconds) + Double(result.server.elapsed.components.attoseconds) / 1e18)
            print(String(format: "server: %9.0f events/s   ack latency per batch p50 %7.2f ms   p99 %7.2f ms   peak RSS %d MiB",
                         perSecond, result.server.percentile(0.5) / 1000, result.server.percentile(0.99) / 1000, result.peakResidentMiB))
            print(String(format: "floor (jansson parse + one INSERT per event into SQLite, one process): %9.0f events/s", result.floorEventsPerSecond))
            print(String(format: "server / floor: %.2f", perSecond / result.floorEventsPerSecond))
            if let sample = result.sample.first, sample.contains("\"error\"") { print("first answer: \(sample.prefix(300))") }
        }
    }
    if which == "query" || which == "all" {
        let events = option("--events", default: which == "all" ? 1_000_000 : 10_000_000)
        header("spend.query: one client's month by day and model, over \(events) stored events")
        let server = try await ServerProcess(tallyBinary: tallyBinary)
        printSeeded(try await QueryBenchmark.seed(server: server, events: events), "events")
        let (latencies, sample) = try await QueryBenchmark.measure(server: server, runs: 30)
        print(String(format: "spend.query round trip over TCP: p50 %.2f ms   max %.2f ms", latencies[latencies.count / 2] / 1000, latencies.last! / 1000)
              + "   (\(sample["rows"]?.arrayValue?.count ?? 0) rows over \(sample["total"]?["events"]?.int64Value ?? 0) of the client's events)")
        print("server peak RSS: \(server.peakResidentKiB / 1024) MiB")
        await server.stop()
    }
    if which == "reports" || which == "all" {
        let events = option("--events", default: which == "all" ? 1_000_000 : 10_000_000)
        header("reports.client and reports.agency for one month over \(events) stored events and \(events / 4) n8n executions")
        let server = try await ServerProcess(tallyBinary: tallyBinary)
        printSeeded(try await QueryBenchmark.seed(server: server, events: events), "events")
        printSeeded(try await ReportBenchmark.seedExecutions(server: server, events: events), "executions")
        for row in try await ReportBenchmark.measure(server: server, runs: 10) {
            print(String(format: "%@ round trip over TCP: p50 %7.1f ms   max %7.1f ms", row.label.padding(toLength: 20, withPad: " ", startingAt: 0),
                         row.milliseconds[row.milliseconds.count / 2], row.milliseconds.last!)
                  + (row.label.hasSuffix("json") ? "   (\(row.sample["executions"]?["total"]?.int64Value ?? 0) executions, cost \(row.sample["llm_cost"]?.stringValue ?? row.sample["spend"]?["llm_cost"]?.stringValue ?? "?"))" : ""))
        }
        print("server peak RSS: \(server.peakResidentKiB / 1024) MiB")
        await server.stop()
    }
    if which == "budgets" || which == "all" {
        let requests = option("--requests", default: 20_000)
        header("budgets.check and budgets.status round trips over TCP, one at a time (50 budgets, 50,000 events), \(requests) calls each")
        let server = try await ServerProcess(tallyBinary: tallyBinary)
        for row in try await BudgetBenchmark.run(server: server, requests: requests) {
            print(String(format: "%@ %@: round trip p50 %7.1f µs  p99 %7.1f µs   at the server: p99 ≤ %.2f ms, %.2f%% within 1 ms", row.method.padding(toLength: 15, withPad: " ", startingAt: 0),
                         row.load.padding(toLength: 14, withPad: " ", startingAt: 0), row.report.percentile(0.5), row.report.percentile(0.99),
                         row.server.bound(0.99) * 1000, row.server.share(within: 0.001) * 100))
        }
        await server.stop()
    }
} catch {
    print("benchmark failed: \(error)")
    exit(1)
}
