import ArgumentParser
import Foundation
import TallyClient
import TallyJSON

/// `tally reconcile import|run|pull`: provider cost data against the ledger.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile", abstract: "Import or pull provider costs and reconcile them with the ledger.",
        subcommands: [Import.self, Run.self, Pull.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import provider cost data from a file (reconcile.import): a saved admin API page (OpenAI costs or usage, Anthropic cost or usage report, OpenRouter activity) or a CSV of date,provider,project,api_key,amount.")
        @Argument(help: "The file (- for standard input).") var file: String
        @Option(help: "The provider of the whole file (needed for a CSV without a provider column).") var provider: String?
        @Option(help: "The format, when not recognised from the content: openai_costs, openai_usage, anthropic_costs, anthropic_usage, openrouter_activity or csv.") var format: String?
        @OptionGroup var connection: ClientOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var params: [String: JSONValue] = ["content": .string(try readText(file))]
            if let provider { params["provider"] = .string(provider) }
            if let format { params["format"] = .string(format) }
            let result = try await callPrinting("reconcile.import", params, connection: connection, json: json)
            guard !json else { return }
            printTable(["provider", "costs", "key sightings", "total", "days"], (result["imported"]?.arrayValue ?? []).map { part in
                let days = part["days"]?.arrayValue?.compactMap(\.stringValue) ?? []
                return [part["provider"]?.stringValue ?? "", String(part["costs"]?.int64Value ?? 0), String(part["key_sightings"]?.int64Value ?? 0),
                        part["total"]?.stringValue ?? "", days.isEmpty ? "" : "\(days.first!)..\(days.last!)"]
            })
            let untracked = result["untracked_keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if !untracked.isEmpty { print("untracked keys (not registered): \(untracked.joined(separator: ", "))") }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compare the ledger with provider costs per UTC day (reconcile.run).")
        @Option(help: "openai, anthropic or openrouter (default: every provider with data).") var provider: String?
        @Option(help: "The first UTC day, YYYY-MM-DD.") var from: String
        @Option(help: "The last UTC day, YYYY-MM-DD (inclusive).") var to: String
        @Option(help: "A day matches when the difference is within this many USD.") var tolerance: String?
        @Option(help: "markdown (default), csv, html or json.") var format: String = "markdown"

        @OptionGroup var connection: ClientOptions

        func run() async throws {
            var params: [String: JSONValue] = ["from": .string(from), "to": .string(to), "format": .string(format)]
            if let provider { params["provider"] = .string(provider) }
            if let tolerance { params["tolerance"] = .string(tolerance) }
            let result = try await callPrinting("reconcile.run", params, connection: connection, json: format == "json")
            if format != "json" { print(result["content"]?.stringValue ?? "", terminator: "") }
        }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pull a provider's costs now through its connector (reconcile.pull).")
        @Argument(help: "openai, anthropic or openrouter.") var provider: String
        @Option(help: "The first UTC day (default: 30 days before --to).") var from: String?
        @Option(help: "The last UTC day (default: today).") var to: String?
        @OptionGroup var connection: ClientOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var params: [String: JSONValue] = ["provider": .string(provider)]
            if let from { params["from"] = .string(from) }
            if let to { params["to"] = .string(to) }
            let result = try await callPrinting("reconcile.pull", params, connection: connection, json: json)
            if !json {
                print("\(provider): \(result["costs"]?.int64Value ?? 0) cost rows, \(result["key_sightings"]?.int64Value ?? 0) key sightings, \(result["from"]?.stringValue ?? "")..\(result["to"]?.stringValue ?? ""), total \(result["total"]?.stringValue ?? "")")
            }
        }
    }
}
