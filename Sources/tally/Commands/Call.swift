import ArgumentParser
import Foundation
import TallyClient
import TallyJSON

/// `tally call METHOD [PARAMS]`: call any method and print the result as JSON.
struct Call: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Call any JSON-RPC method and print its result.")

    @Argument(help: "The method, e.g. health.check.") var method: String
    @Argument(help: "Named params as a JSON object.") var params: String = "{}"
    @OptionGroup var connection: ClientOptions

    func run() async throws {
        let parsed: JSONValue
        do {
            parsed = try JSONCodec.parse(params)
        } catch {
            throw ValidationError("PARAMS is not valid JSON: \(error)")
        }
        guard case .object(let named) = parsed else { throw ValidationError("PARAMS must be a JSON object of named params") }
        let client = try await connection.connect()
        do {
            let result = try await client.call(method, named)
            await client.close()
            print(result.jsonText)
        } catch let error as TallyClientError {
            await client.close()
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }
}
