import ArgumentParser
import Foundation
import TallyClient

/// The server address and token every client subcommand takes (flags, else environment).
struct ClientOptions: ParsableArguments {
    @Option(help: "The server's TCP address (default: TALLY_SERVER or 127.0.0.1:7411).") var server: String?
    @Option(help: "A token (default: TALLY_TOKEN).") var token: String?

    /// The address and token as given by the flags or the environment.
    func endpoint() throws -> ServerEndpoint {
        let environment = ProcessInfo.processInfo.environment
        let address = server ?? environment["TALLY_SERVER"] ?? "127.0.0.1:7411"
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw ValidationError("--server must be HOST:PORT, got '\(address)'")
        }
        return ServerEndpoint(host: String(address[..<colon]), port: port, token: token ?? environment["TALLY_TOKEN"])
    }

    func connect() async throws -> TallyClient {
        let endpoint = try endpoint()
        do {
            return try await endpoint.connect()
        } catch let error as TallyClientError {
            throw ValidationError("\(error)")
        } catch {
            throw ValidationError("cannot reach Tally at \(endpoint): \(error)")
        }
    }
}

/// A resolved server address and token; `Sendable`, so tasks that reconnect can hold it.
struct ServerEndpoint: Sendable, CustomStringConvertible {
    var host: String
    var port: Int
    var token: String?

    var description: String { "\(host):\(port)" }

    /// Connects and says hello; errors are passed on as they are, so callers can tell a refused
    /// connection (worth retrying) from a refused token (not).
    func connect() async throws -> TallyClient {
        try await TallyClient.connect(host: host, port: port, token: token)
    }
}
