#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real `tally serve` child process on free loopback ports, for tests and benchmarks that must
/// not share a process with the server (SIGKILL tests, client/server benchmarks).
public final class ServeProcess: @unchecked Sendable {
    /// Why the server did not come up.
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    public let child: ChildProcess
    public let dataDirectory: String
    public let rpcPort: Int
    public let httpPort: Int
    /// The admin token a first start prints (nil when the data folder already had agencies).
    public let firstStartToken: String?

    /// Starts `tally serve` over `dataDirectory` and returns once it listens.
    public init(binary: String, dataDirectory: String, extraArguments: [String] = [], logLevel: String = "error") async throws {
        self.dataDirectory = dataDirectory
        rpcPort = LoopbackPort.free()
        httpPort = LoopbackPort.free()
        child = try ChildProcess(executable: binary, arguments: [
            "serve", "--data", dataDirectory, "--rpc", "127.0.0.1:\(rpcPort)", "--http", "127.0.0.1:\(httpPort)",
            "--log-level", logLevel,
        ] + extraArguments)
        let deadline = ContinuousClock.now + .seconds(60)
        var text = child.output
        while !text.contains("JSON-RPC on tcp://") {
            guard ContinuousClock.now < deadline, child.isRunning else {
                child.signal(SIGKILL)
                throw StartError(description: "tally serve did not start: \(text) \(child.errors)")
            }
            try await Task.sleep(for: .milliseconds(20))
            text = child.output
        }
        firstStartToken = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
            .first { $0.hasPrefix("tly_") }.map(String.init)
    }

    /// SIGKILL: no shutdown, no flush: what a power cut or the OOM killer does.
    public func kill() async {
        child.signal(SIGKILL)
        await child.waitForExit()
    }

    /// SIGINT: a graceful shutdown; returns the exit status.
    @discardableResult
    public func stop() async -> Int32 {
        child.signal(SIGINT)
        return await child.waitForExit()
    }

    /// Peak resident memory of the server so far, from /proc (VmHWM), in KiB.
    public var peakResidentKiB: Int {
        let status = ChildProcess.read("/proc/\(child.pid)/status")
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "0") ?? 0
    }
}
