import ArgumentParser
import Foundation
import TallyJSON
import TallyRules

/// `tally rules check|test`: check a rule folder offline, for an agency's own CI.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "Check and dry-run Lua rule folders offline (no server needed).",
        subcommands: [Check.self, Test.self])

    /// The folder's rule set; Lua files it lacks come from the sibling `default` folder, as the
    /// server serves them (`rules/acme` inherits `rules/default/alerts.lua`).
    static func load(_ directory: String) throws -> RuleSetSource {
        let trimmed = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let sibling = URL(fileURLWithPath: trimmed).deletingLastPathComponent().appendingPathComponent("default").path
        let fallback = FileManager.default.fileExists(atPath: sibling) && URL(fileURLWithPath: trimmed).lastPathComponent != "default" ? sibling : nil
        do {
            return try RuleSetSource.load(directory: directory, inheritingFrom: fallback)
        } catch {
            printError("\(directory): \(error)")
            throw ExitCode(1)
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compile and smoke-test a rule folder; exit 1 with file:line on failure.")
        @Argument(help: "The folder (e.g. rules/acme).") var directory: String

        func run() throws {
            switch RuleSets.validate(try RulesCommand.load(directory)) {
            case .success(let version):
                print("ok: \(directory) loads as version \(version.short)")
            case .failure(let error):
                printError("\(directory)/\(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Attribute events (JSONL) with a rule folder; with --expect, exit 1 when a client differs.")
        @Argument(help: "The folder (e.g. rules/acme).") var directory: String
        @Option(help: "Events, one JSON object per line.") var events: String
        @Option(help: "Expected results, one {\"id\": ..., \"client\": ... or null} per line.") var expect: String?
        @Flag(help: "Print results as JSON lines.") var json = false

        func run() throws {
            let source = try RulesCommand.load(directory)
            let eventValues = try Self.readLines(events)
            let report: RuleTestReport
            switch RuleSets.test(events: eventValues, source: source) {
            case .success(let value): report = value
            case .failure(let error):
                printError("\(directory)/\(error)")
                throw ExitCode(1)
            }
            var expected: [String: JSONValue] = [:]
            if let expect {
                for (number, line) in try Self.readLines(expect).enumerated() {
                    guard let id = line["id"].flatMap({ $0.stringValue ?? $0.int64Value.map(String.init) }) else {
                        throw ValidationError("\(expect):\(number + 1): each line needs an \"id\"")
                    }
                    expected[id] = line["client"] ?? .null
                }
            }
            var mismatches = 0
            for result in report.results {
                let id = result.eventID ?? "#\(result.index)"
                let client: JSONValue
                switch result.outcome {
                case .success(let attribution): client = attribution.client.map(JSONValue.string) ?? .null
                case .failure: client = .null
                }
                var line = json ? result.jsonValue.jsonText : "\(id)\t\(client == .null ? "(unattributed)" : client.stringValue ?? "")"
                if case .success(let attribution) = result.outcome, !json, let reason = attribution.reason { line += "\t\(reason)" }
                if case .failure(let error) = result.outcome, !json { line += "\terror: \(error)" }
                if let want = expected[id], want != client {
                    mismatches += 1
                    line += json ? "" : "\tEXPECTED \(want == .null ? "(unattributed)" : want.stringValue ?? want.jsonText)"
                    printError("mismatch: event \(id) got \(client.jsonText), expected \(want.jsonText)")
                }
                print(line)
            }
            printError("\(report.results.count) events, \(report.attributedCount) attributed, version \(report.version.short)"
                       + (expect == nil ? "" : ", \(mismatches) mismatch(es)"))
            if mismatches > 0 { throw ExitCode(1) }
        }

        static func readLines(_ path: String) throws -> [JSONValue] {
            return try readText(path).split(separator: "\n", omittingEmptySubsequences: true).enumerated().compactMap { number, line in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty else { return nil }
                do {
                    return try JSONCodec.parse(trimmed)
                } catch {
                    throw ValidationError("\(path):\(number + 1): \(error)")
                }
            }
        }
    }
}
