import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TallyServer

/// `tally serve`: run the service.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Tally service (JSON-RPC over TCP and HTTP).")

    @Option(help: "Folder of the SQLite files.") var data = "./data"
    @Option(help: "Folder of the agencies' Lua rules.") var rules = "./rules"
    @Option(help: "JSON-RPC over TCP, HOST:PORT.") var rpc = "127.0.0.1:7411"
    @Option(help: "JSON-RPC over HTTP, health and metrics, HOST:PORT.") var http = "127.0.0.1:7412"
    @Option(help: "Largest accepted message (one TCP line or HTTP body), in bytes.") var maxMessageBytes = 4 * 1024 * 1024
    @Option(help: "Most calls in one JSON-RPC batch.") var maxBatch = 1_000
    @Option(help: "Requests in flight per TCP connection before the server stops reading it.") var maxInFlight = 32
    @Option(help: "Seconds a TCP connection may stay mid-line before the partial line is dropped.") var readTimeout = 30
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: ArgumentHelp(
        "An origin (scheme://host[:port]) whose browser pages may call POST /rpc across origins (CORS); repeatable.",
        discussion: "Without it, /rpc refuses any request whose Origin header is not the listener's own (the dashboard's)."))
    var allowOrigin: [String] = []

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "tally")

        var configuration = ServerConfiguration()
        configuration.dataDirectory = data
        configuration.rulesDirectory = rules
        guard let rpcAddress = ListenAddress(rpc) else { throw ValidationError("--rpc must be HOST:PORT, got '\(rpc)'") }
        guard let httpAddress = ListenAddress(http) else { throw ValidationError("--http must be HOST:PORT, got '\(http)'") }
        guard maxMessageBytes >= 1024 else { throw ValidationError("--max-message-bytes must be at least 1024") }
        guard maxBatch >= 1, maxInFlight >= 1, readTimeout >= 1 else {
            throw ValidationError("--max-batch, --max-in-flight and --read-timeout must be positive")
        }
        configuration.rpcAddress = rpcAddress
        configuration.httpAddress = httpAddress
        configuration.maximumMessageBytes = maxMessageBytes
        configuration.maximumBatchSize = maxBatch
        configuration.maximumInFlightPerConnection = maxInFlight
        configuration.readTimeout = .seconds(readTimeout)
        configuration.allowedOrigins = try allowOrigin.map { text in
            guard let origin = ServerConfiguration.normalizedOrigin(text) else {
                throw ValidationError("--allow-origin must be an origin like https://ops.example.com or http://localhost:3000, got '\(text)'")
            }
            return origin
        }

        let firstToken = try FirstStart.prepare(dataDirectory: data)
        let server = try TallyServer(configuration: configuration, logger: logger)
        let addresses = try await server.start()
        if let firstToken {
            print("""

                First start: created agency '\(firstToken.record.agency)' with an admin token (shown once, keep it):

                    \(firstToken.secret)

                Try it:
                    tally call session.hello '{"token":"\(firstToken.secret)"}' --server \(addresses.rpc)
                    curl -s -H 'Authorization: Bearer \(firstToken.secret)' -d '{"jsonrpc":"2.0","id":1,"method":"health.check"}' http://\(addresses.http)/rpc

                """)
        }
        print("tally \(Tally.configuration.version): JSON-RPC on tcp://\(addresses.rpc) and http://\(addresses.http)/rpc")
        print("dashboard: http://\(addresses.http)/")
        // stdout may be a pipe (a supervisor, a script waiting for the token): flush now.
        fflush(nil)
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
