import ArgumentParser
import Foundation
import TallyClient
import TallyJSON

/// `tally alerts list|tail`: the alert history, and the live feed.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "List fired alerts or follow them live.", subcommands: [List.self, Tail.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fired alerts, newest first (alerts.list).")
        @Option(help: "Only alerts since this RFC 3339 time.") var since: String?
        @Option(help: "Only this client's alerts.") var client: String?
        @Option(help: "info, warning or critical (and louder).") var level: String?
        @OptionGroup var connection: ClientOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var params: [String: JSONValue] = [:]
            if let since { params["since"] = .string(since) }
            if let client { params["client"] = .string(client) }
            if let level { params["level"] = .string(level) }
            let result = try await callPrinting("alerts.list", params, connection: connection, json: json)
            guard !json else { return }
            printTable(["fired_at", "level", "client", "key", "message"], (result["alerts"]?.arrayValue ?? []).map { alert in
                ["fired_at", "level", "client", "key", "message"].map { alert[$0]?.stringValue ?? "" }
            })
        }
    }

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Follow alerts as they fire (alerts.subscribe), until interrupted.")
        @Option(help: "Only this client's alerts.") var client: String?
        @OptionGroup var connection: ClientOptions
        @Flag(help: "Print each alert as one JSON line.") var json = false

        func run() async throws {
            let client = try await connection.connect()
            _ = try await client.call("alerts.subscribe", self.client.map { ["client": .string($0)] } ?? [:])
            printError("following alerts; Ctrl-C stops")
            for await notification in client.notifications where notification.method == "alerts.fired" {
                let alert = notification.params["alert"] ?? .null
                if json {
                    print(alert.jsonText)
                } else {
                    print("\(alert["fired_at"]?.stringValue ?? "")  \(alert["level"]?.stringValue ?? "")  \(alert["client"]?.stringValue ?? "")  \(alert["message"]?.stringValue ?? "")")
                }
                fflush(nil)
            }
        }
    }
}
