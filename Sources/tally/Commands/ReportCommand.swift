import ArgumentParser
import Foundation
import TallyClient
import TallyJSON

/// `tally report client|agency`: a period's report as JSON, CSV, Markdown or a printable HTML page.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Client and agency reports (reports.client, reports.agency).",
        subcommands: [Client.self, Agency.self])

    /// What both reports take: the period, the format and where to write.
    struct ReportOptions: ParsableArguments {
        @Option(help: "A UTC month YYYY-MM or day YYYY-MM-DD (default: this month).") var period: String?
        @Option(help: "Start of a custom range (RFC 3339), with --to.") var from: String?
        @Option(help: "End of a custom range (RFC 3339), with --from.") var to: String?
        @Option(help: "json, csv, markdown or html (default: from -o's extension, else markdown).") var format: String?
        @Option(name: [.short, .customLong("output")], help: "Write to this file instead of standard output.") var output: String?
        @Flag(help: "Print the JSON report (same as --format json).") var json = false

        var resolvedFormat: String {
            if let format { return format }
            if json { return "json" }
            switch output.map({ URL(fileURLWithPath: $0).pathExtension.lowercased() }) {
            case "html", "htm": return "html"
            case "csv": return "csv"
            case "json": return "json"
            default: return "markdown"
            }
        }

        var params: [String: JSONValue] {
            var params: [String: JSONValue] = ["format": .string(resolvedFormat)]
            if let period { params["period"] = .string(period) }
            if let from { params["from"] = .string(from) }
            if let to { params["to"] = .string(to) }
            return params
        }

        /// Prints or writes the report; JSON reports are printed as the JSON result.
        func deliver(_ result: JSONValue) throws {
            let text: String
            if resolvedFormat == "json" {
                text = result.jsonText + "\n"
            } else {
                text = result["content"]?.stringValue ?? ""
            }
            guard let output else {
                print(text, terminator: "")
                return
            }
            do {
                try text.write(toFile: output, atomically: true, encoding: .utf8)
            } catch {
                printError("error: cannot write \(output): \(error.localizedDescription)")
                throw ExitCode(1)
            }
            printError("wrote \(output) (\(resolvedFormat), \(text.utf8.count) bytes)")
        }
    }

    struct Client: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One client's report: cost, billed amount and margin, tasks automated, hours saved.",
            discussion: "Example: tally report client acme --period 2026-11 --format html -o report.html")
        @Argument(help: "The client's id.") var client: String
        @OptionGroup var report: ReportOptions
        @OptionGroup var connection: ClientOptions

        func run() async throws {
            var params = report.params
            params["client"] = .string(client)
            try report.deliver(try await callPrinting("reports.client", params, connection: connection, json: false))
        }
    }

    struct Agency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The agency's report: executions, failure hotspots, spend by provider, model and client, spikes.",
            discussion: "Example: tally report agency --period 2026-11 --format markdown")
        @OptionGroup var report: ReportOptions
        @OptionGroup var connection: ClientOptions

        func run() async throws {
            try report.deliver(try await callPrinting("reports.agency", report.params, connection: connection, json: false))
        }
    }
}
