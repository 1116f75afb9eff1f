import Foundation

/// A real `tally serve` process (the binary this package built), for tests that kill it.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let rpcPort: Int
    /// The child's standard output goes to a file, not a pipe: a pipe's write end can leak into
    /// other children spawned at the same moment and then never report end-of-file.
    private let outputPath = NSTemporaryDirectory() + "tally-serve-\(UUID().uuidString).log"

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
        _ = FileManager.default.createFile(atPath: server.outputPath, contents: nil)
        server.process.standardOutput = FileHandle(forWritingAtPath: server.outputPath)
        try server.process.run()
        var text = ""
        let deadline = ContinuousClock.now + .seconds(60)
        while !text.contains("JSON-RPC on tcp://") {
            guard ContinuousClock.now < deadline, server.process.isRunning else {
                server.process.terminate()
                throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "tally serve did not start: \(text)"])
            }
            try await Task.sleep(for: .milliseconds(20))
            text = (try? String(contentsOfFile: server.outputPath, encoding: .utf8)) ?? ""
        }
        let token = text.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("tly_") }.map(String.init)
        return (server, token)
    }

    private init(rpcPort: Int) { self.rpcPort = rpcPort }

    /// SIGKILL: no shutdown, no flush: what a power cut or the OOM killer does to the process.
    func kill() async {
        Foundation.kill(process.processIdentifier, SIGKILL)
        await waitForExit()
    }

    func stop() async {
        process.interrupt()
        await waitForExit()
        try? FileManager.default.removeItem(atPath: outputPath)
    }

    private func waitForExit() async {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
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
