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
    /// The ports the server bound (it is started on port 0 and says which ports it got, so no
    /// other process can take a port between choosing and binding it).
    public let rpcPort: Int
    public let httpPort: Int
    /// The admin token a first start prints (nil when the data folder already had agencies).
    public let firstStartToken: String?

    /// Starts `tally serve` over `dataDirectory` and returns once it listens.
    public init(binary: String, dataDirectory: String, extraArguments: [String] = [], logLevel: String = "error") async throws {
        self.dataDirectory = dataDirectory
        child = try ChildProcess(executable: binary, arguments: [
            "serve", "--data", dataDirectory, "--rpc", "127.0.0.1:0", "--http", "127.0.0.1:0", "--log-level", logLevel,
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
        // "tally VERSION: JSON-RPC on tcp://HOST:PORT and http://HOST:PORT/rpc"
        guard let rpc = Self.port(after: "tcp://", in: text), let http = Self.port(after: "http://", in: text) else {
            child.signal(SIGKILL)
            throw StartError(description: "tally serve did not say its ports: \(text)")
        }
        rpcPort = rpc
        httpPort = http
        firstStartToken = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
            .first { $0.hasPrefix("tly_") }.map(String.init)
    }

    private static func port(after scheme: String, in text: String) -> Int? {
        guard let word = text.split(whereSeparator: \.isWhitespace).first(where: { $0.hasPrefix(scheme) }) else { return nil }
        let address = word.dropFirst(scheme.count).prefix { $0 != "/" }
        guard let colon = address.lastIndex(of: ":") else { return nil }
        return Int(address[address.index(after: colon)...])
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
