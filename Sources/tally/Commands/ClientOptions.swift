import ArgumentParser
import Foundation
import TallyClient

/// The server address and token every client subcommand takes (flags, else environment).
struct ClientOptions: ParsableArguments {
    @Option(help: "The server's TCP address (default: TALLY_SERVER or 127.0.0.1:7411).") var server: String?
    @Option(help: "A token (default: TALLY_TOKEN).") var token: String?

    func connect() async throws -> TallyClient {
        let environment = ProcessInfo.processInfo.environment
        let address = server ?? environment["TALLY_SERVER"] ?? "127.0.0.1:7411"
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw ValidationError("--server must be HOST:PORT, got '\(address)'")
        }
        do {
            return try await TallyClient.connect(host: String(address[..<colon]), port: port, token: token ?? environment["TALLY_TOKEN"])
        } catch let error as TallyClientError {
            throw ValidationError("\(error)")
        } catch {
            throw ValidationError("cannot reach Tally at \(address): \(error)")
        }
    }
}
