import Foundation

/// A `tally serve` child process on free loopback ports over a temporary data folder, so the
/// benchmark's client and the server do not share a process.
final class ServerProcess {
    let process = Process()
    let dataDirectory: String
    let rpcPort: Int
    let httpPort: Int
    let adminToken: String

    init(tallyBinary: String, extraArguments: [String] = []) throws {
        dataDirectory = NSTemporaryDirectory() + "tally-bench-\(UUID().uuidString)"
        rpcPort = Self.freePort()
        httpPort = Self.freePort()
        process.executableURL = URL(fileURLWithPath: tallyBinary)
        process.arguments = ["serve", "--data", dataDirectory, "--rpc", "127.0.0.1:\(rpcPort)", "--http", "127.0.0.1:\(httpPort)", "--log-level", "warning"] + extraArguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // The first start prints the admin token; wait for it (and so for the listeners).
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("JSON-RPC on tcp://"), Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let token = text.split(whereSeparator: \.isWhitespace).first(where: { $0.hasPrefix("tly_") }) else {
            process.terminate()
            throw BenchError("the server did not start: \(text)")
        }
        adminToken = String(token)
    }

    /// Peak resident memory of the server so far, from /proc (VmHWM).
    var peakResidentKiB: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) else { return 0 }
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "0") ?? 0
    }

    func stop() {
        process.interrupt()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    static func freePort() -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
