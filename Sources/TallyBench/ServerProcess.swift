import Foundation
import TallyProcess

/// A `tally serve` child process on free loopback ports over a temporary data folder, so the
/// benchmark's client and the server do not share a process.
final class ServerProcess: Sendable {
    let process: ServeProcess
    var rpcPort: Int { process.rpcPort }
    var httpPort: Int { process.httpPort }
    let adminToken: String
    var peakResidentKiB: Int { process.peakResidentKiB }

    init(tallyBinary: String, extraArguments: [String] = []) async throws {
        let folder = NSTemporaryDirectory() + "tally-bench-\(UUID().uuidString)"
        process = try await ServeProcess(binary: tallyBinary, dataDirectory: folder, extraArguments: extraArguments, logLevel: "warning")
        guard let token = process.firstStartToken else {
            await process.stop()
            throw BenchError("the server printed no admin token: \(process.child.output)")
        }
        adminToken = token
    }

    func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(atPath: process.dataDirectory)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
