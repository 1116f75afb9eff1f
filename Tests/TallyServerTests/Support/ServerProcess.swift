import Foundation

/// A real `tally serve` process (the binary this package built), for tests that kill it.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let rpcPort: Int
    private let output = Pipe()

    /// The `tally` executable next to the test bundle (`.build/debug/tally`).
    static var binary: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/tally").path
    }

    /// Starts the server on free ports; returns once it listens, with the first-start token if printed.
    static func start(dataDirectory: String) async throws -> (ServerProcess, token: String?) {
        let server = ServerProcess(rpcPort: freePort())
        server.process.executableURL = URL(fileURLWithPath: binary)
        server.process.arguments = ["serve", "--data", dataDirectory, "--rpc", "127.0.0.1:\(server.rpcPort)",
                                    "--http", "127.0.0.1:\(freePort())", "--log-level", "error"]
        server.process.standardOutput = server.output
        try server.process.run()
        let text = await offCooperativePool {
            // Reading a pipe blocks: it must not hold one of the few threads every test shares.
            var text = ""
            let deadline = Date().addingTimeInterval(60)
            while !text.contains("JSON-RPC on tcp://"), Date() < deadline {
                let chunk = server.output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            return text
        }
        guard text.contains("JSON-RPC on tcp://") else { throw CocoaError(.fileReadUnknown) }
        let token = text.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("tly_") }.map(String.init)
        return (server, token)
    }

    private init(rpcPort: Int) { self.rpcPort = rpcPort }

    /// SIGKILL: no shutdown, no flush: what a power cut or the OOM killer does to the process.
    func kill() async {
        Foundation.kill(process.processIdentifier, SIGKILL)
        let process = self.process
        await offCooperativePool { process.waitUntilExit() }
    }

    func stop() async {
        process.interrupt()
        let process = self.process
        await offCooperativePool { process.waitUntilExit() }
    }

    static func freePort() -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Runs blocking work (pipe reads, waiting for a child process) on a Dispatch thread, so that it
/// never occupies one of Swift concurrency's cooperative threads, which every test shares (two
/// on this machine: blocking both would stall every other test).
func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: work()) }
    }
}
