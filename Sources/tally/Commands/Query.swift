import ArgumentParser
import TallyClient
import TallyJSON

/// `tally query`: spend over a time range as a table (or JSON), like `spend.query`.
struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show spend, grouped and filtered (spend.query).")

    @Option(help: "Start, RFC 3339 (default: 30 days before --to).") var from: String?
    @Option(help: "End, exclusive, RFC 3339 (default: now).") var to: String?
    @Option(name: .customLong("group-by"), help: "Comma-separated: client, provider, model, workflow, instance, api_key, status, source, and one of hour, day, week, month.")
    var groupBy: String = "client"
    @Option(name: .customLong("filter"), help: "DIMENSION=VALUE, repeatable (e.g. --filter client=acme).") var filters: [String] = []
    @Option(help: "IANA timezone for time buckets.") var timezone: String?
    @Option(help: "Most rows.") var limit: Int?
    @Flag(help: "Print the JSON result instead of a table.") var json = false
    @OptionGroup var connection: ClientOptions

    func run() async throws {
        var params: [String: JSONValue] = [:]
        if let from { params["from"] = .string(from) }
        if let to { params["to"] = .string(to) }
        let groups = groupBy.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        params["group_by"] = .array(groups.map(JSONValue.string))
        var filter: [String: JSONValue] = [:]
        for item in filters {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--filter takes DIMENSION=VALUE, got '\(item)'") }
            if case .array(let existing)? = filter[parts[0]] {
                filter[parts[0]] = .array(existing + [.string(parts[1])])
            } else {
                filter[parts[0]] = .array([.string(parts[1])])
            }
        }
        if !filter.isEmpty { params["filter"] = .object(filter) }
        if let timezone { params["timezone"] = .string(timezone) }
        if let limit { params["limit"] = .integer(Int64(limit)) }

        let client = try await connection.connect()
        let result: JSONValue
        do {
            result = try await client.call("spend.query", params)
            await client.close()
        } catch let error as TallyClientError {
            await client.close()
            printError("error: \(error)")
            throw ExitCode(2)
        }
        if json {
            print(result.jsonText)
            return
        }
        let keyColumns = groups.map { ["hour", "day", "week", "month"].contains($0) ? "bucket" : $0 }
        let header = keyColumns.map { $0.uppercased() } + ["COST (USD)", "EVENTS", "ERRORS", "UNPRICED", "INPUT", "OUTPUT"]
        func cells(_ row: JSONValue, keys: [String]) -> [String] {
            keys.map { key in
                switch row[key] {
                case .string(let text)?: text
                case .null?, nil: key == "client" ? "(unattributed)" : "-"
                case let other?: other.jsonText
                }
            } + [
                row["cost"]?.stringValue ?? "-", "\(row["events"]?.int64Value ?? 0)", "\(row["errors"]?.int64Value ?? 0)",
                "\(row["unpriced"]?.int64Value ?? 0)", "\(row["tokens"]?["input_tokens"]?.int64Value ?? 0)",
                "\(row["tokens"]?["output_tokens"]?.int64Value ?? 0)",
            ]
        }
        var rows = (result["rows"]?.arrayValue ?? []).map { cells($0, keys: keyColumns) }
        if let total = result["total"] {
            rows.append(Array(repeating: "", count: max(0, keyColumns.count - 1)) + (keyColumns.isEmpty ? [] : ["TOTAL"]) + cells(total, keys: []))
        }
        print(TextTable.render(header: header, rows: rows))
        if result["truncated"] == true { printError("(more rows than --limit; the total covers all of them)") }
        if let unpriced = result["total"]?["unpriced"]?.int64Value, unpriced > 0 {
            printError("\(unpriced) event(s) have no price yet and are not in the cost: see events.list {unpriced_only: true}")
        }
    }
}
