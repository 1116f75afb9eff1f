import ArgumentParser
import Foundation
import TallyClient
import TallyJSON

/// `tally call METHOD [PARAMS]`: call any method and print the result as JSON.
struct Call: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Call any JSON-RPC method and print its result.")

    @Argument(help: "The method, e.g. health.check.") var method: String
    @Argument(help: "Named params as a JSON object.") var params: String = "{}"
    @Option(help: "The server's TCP address (or TALLY_SERVER).") var server: String?
    @Option(help: "A token (or TALLY_TOKEN); sent with session.hello first.") var token: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let address = server ?? environment["TALLY_SERVER"] ?? "127.0.0.1:7411"
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw ValidationError("--server must be HOST:PORT, got '\(address)'")
        }
        let parsed: JSONValue
        do {
            parsed = try JSONCodec.parse(params)
        } catch {
            throw ValidationError("PARAMS is not valid JSON: \(error)")
        }
        guard case .object(let named) = parsed else { throw ValidationError("PARAMS must be a JSON object of named params") }
        let client = try await TallyClient.connect(host: String(address[..<colon]), port: port, token: token ?? environment["TALLY_TOKEN"])
        defer { Task { await client.close() } }
        do {
            let result = try await client.call(method, named)
            print(result.jsonText)
        } catch let error as TallyClientError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }
}
