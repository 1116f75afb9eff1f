import Foundation

// tally-bench: prints benchmark figures. Run it through scripts/bench (release build).
// Figures are printed, never asserted: performance is measured here, not in tests.

let arguments = CommandLine.arguments.dropFirst()
let which = arguments.first ?? "all"
let executableFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
let tallyBinary = executableFolder + "/tally"

func header(_ title: String) {
    print("\n== \(title)")
}

let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
    .split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
print("tally-bench on \(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)); server: \(tallyBinary)")

do {
    if which == "health" || which == "all" {
        header("health.check round trips over one pipelined TCP connection (server in its own process)")
        let server = try ServerProcess(tallyBinary: tallyBinary)
        defer { server.stop() }
        for window in [1, 16, 128] {
            let report = try await HealthBenchmark.run(server: server, total: window == 1 ? 20_000 : 200_000, window: window)
            print(String(format: "window %3d: %9.0f calls/s   p50 %7.1f µs   p99 %7.1f µs", window, report.perSecond, report.percentile(0.5), report.percentile(0.99)))
        }
        print("server peak RSS: \(server.peakResidentKiB / 1024) MiB")
    }
} catch {
    print("benchmark failed: \(error)")
    exit(1)
}
