import ArgumentParser
import Foundation
import TallyClient
import TallyJSON

/// `tally budgets set|list|status|check|delete`: budgets from the command line.
struct BudgetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budgets", abstract: "Set, list and check client budgets.",
        subcommands: [Set.self, List.self, Status.self, Check.self, Delete.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or replace a budget (budgets.set).")
        @Argument(help: "The client.") var client: String
        @Argument(help: "The amount in USD, e.g. 1000.") var amount: String
        @Option(help: "day, week, month or quarter.") var period: String = "month"
        @Option(help: "The day the period starts (month: 1-31; week: 1=Monday..7).") var anchor: Int = 1
        @Option(help: "IANA time zone of the period boundaries.") var timezone: String = "UTC"
        @Option(help: "Comma-separated ratios, e.g. 0.5,0.75,0.9.") var thresholds: String?
        @Option(help: "alert (warn only) or block (budgets.check denies).") var policy: String = "alert"
        @Option(help: "The budget's id (default CLIENT:PERIOD).") var id: String?
        @Option(help: "Narrow to one workflow id.") var workflow: String?
        @OptionGroup var connection: ClientOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var params: [String: JSONValue] = [
                "client": .string(client), "amount": .string(amount), "period": .string(period), "anchor": .integer(Int64(anchor)),
                "timezone": .string(timezone), "policy": .string(policy),
            ]
            if let id { params["id"] = .string(id) }
            if let workflow { params["workflow"] = .string(workflow) }
            if let thresholds { params["thresholds"] = .array(thresholds.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }) }
            let result = try await callPrinting("budgets.set", params, connection: connection, json: json)
            if !json, let budget = result["budget"] { print("budget \(budget["id"]?.stringValue ?? "?") saved") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List budgets (budgets.list).")
        @Option(help: "Only this client's budgets.") var client: String?
        @OptionGroup var connection: ClientOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let result = try await callPrinting("budgets.list", client.map { ["client": .string($0)] } ?? [:], connection: connection, json: json)
            guard !json else { return }
            printTable(["id", "client", "amount", "period", "policy"], (result["budgets"]?.arrayValue ?? []).map { budget in
                ["id", "client", "amount", "period", "policy"].map { budget[$0]?.stringValue ?? "" }
            })
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Spent, remaining and forecast (budgets.status).")
        @Option(help: "One budget.") var id: String?
        @Option(help: "One client's budgets.") var client: String?
        @OptionGroup var connection: ClientOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var params: [String: JSONValue] = [:]
            if let id { params["id"] = .string(id) }
            if let client { params["client"] = .string(client) }
            let result = try await callPrinting("budgets.status", params, connection: connection, json: json)
            guard !json else { return }
            printTable(["budget", "period", "spent", "amount", "remaining", "forecast", "crossed"], (result["budgets"]?.arrayValue ?? []).map { status in
                [status["budget"]?["id"]?.stringValue ?? "", status["period"]?["key"]?.stringValue ?? "", status["spent"]?.stringValue ?? "",
                 status["budget"]?["amount"]?.stringValue ?? "", status["remaining"]?.stringValue ?? "", status["forecast"]?.stringValue ?? "",
                 (status["thresholds_crossed"]?.arrayValue ?? []).compactMap { $0["label"]?.stringValue }.joined(separator: " ")]
            })
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pre-flight check; exits 3 when denied (budgets.check).")
        @Argument(help: "The client.") var client: String
        @Argument(help: "The estimated cost in USD.") var estimatedCost: String = "0"
        @OptionGroup var connection: ClientOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let result = try await callPrinting("budgets.check", ["client": .string(client), "estimated_cost": .string(estimatedCost)], connection: connection, json: json)
            let allowed = result["allowed"]?.boolValue ?? true
            if !json { print(allowed ? "allowed (remaining \(result["remaining"]?.stringValue ?? "unlimited"))" : "denied (remaining \(result["remaining"]?.stringValue ?? "?"))") }
            if !allowed { throw ExitCode(3) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a budget (budgets.delete).")
        @Argument(help: "The budget's id.") var id: String
        @OptionGroup var connection: ClientOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            _ = try await callPrinting("budgets.delete", ["id": .string(id)], connection: connection, json: json)
            if !json { print("budget \(id) deleted") }
        }
    }
}

/// Calls a method; prints the result when `json`; an RPC error is printed and exits 2.
func callPrinting(_ method: String, _ params: [String: JSONValue], connection: ClientOptions, json: Bool) async throws -> JSONValue {
    let client = try await connection.connect()
    do {
        let result = try await client.call(method, params)
        await client.close()
        if json { print(result.jsonText) }
        return result
    } catch let error as TallyClientError {
        await client.close()
        printError("error: \(error)")
        throw ExitCode(2)
    }
}

/// A plain aligned table.
func printTable(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { column in ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0 }
    for line in [header] + rows {
        print(line.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  "))
    }
}
