import Foundation
import TallyJSON
import TallyRules
import Testing

/// Every complete module in docs/rules.md (a ```lua block ending in `return M`) loads and
/// passes its smoke test with the demo rule set's lookup tables: as `alerts.lua` when it defines
/// `on_spend`, otherwise as `attribution.lua`.
@Suite("Guide examples")
struct DocsExamplesTests {
    static func examples() throws -> [String] {
        let guide = try String(contentsOfFile: rulesRoot + "/../docs/rules.md", encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in guide.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "```lua" {
                current = []
            } else if line == "```", let lines = current {
                let block = lines.joined(separator: "\n")
                if block.hasSuffix("return M") { blocks.append(block) }
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    @Test func everyCompleteExampleValidates() throws {
        let examples = try Self.examples()
        #expect(examples.count >= 5)
        let demo = try RuleSetSource.load(directory: rulesRoot + "/demo", inheritingFrom: rulesRoot + "/default")
        for example in examples {
            let source =
                example.contains("function M.on_spend")
                ? demo.replacing(RuleSetSource.alertsFile, with: example)
                : demo.replacing(RuleSetSource.attributionFile, with: example).replacing(RuleSetSource.alertsFile, with: nil)
            if case .failure(let error) = RuleSets.validate(source, limits: .testing) {
                Issue.record("example does not validate: \(error)\n\(example)")
            }
        }
    }

    @Test func theInstanceExampleAttributes() throws {
        let example = try #require(try Self.examples().first { $0.contains("tally.table(\"instances\")") })
        let demo = try RuleSetSource.load(directory: rulesRoot + "/demo", inheritingFrom: rulesRoot + "/default").replacing(RuleSetSource.attributionFile, with: example)
        let runtime = try RuleRuntime(source: demo, limits: .testing)
        #expect(try runtime.attribute(["id": "e", "instance": "n8n-shared-eu"]) == Attribution(client: "innovate-corp", reason: "instance", tags: ["project": "lead-scoring"]))
    }

    @Test func theCustomAlertExampleFiresOncePerHourOverTheLimit() throws {
        let example = try #require(try Self.examples().first { $0.contains("function M.on_spend") })
        let demo = try RuleSetSource.load(directory: rulesRoot + "/demo", inheritingFrom: rulesRoot + "/default").replacing(RuleSetSource.alertsFile, with: example)
        let runtime = try RuleRuntime(source: demo, limits: .testing)
        let alerts = try runtime.onSpend([
            "client": "acme",
            "hourly": [
                ["hour": "2026-11-29T09:00:00Z", "spent": "12.00", "spent_usd": 12.0, "calls": 10, "errors": 0],
                ["hour": "2026-11-29T10:00:00Z", "spent": "61.20", "spent_usd": 61.2, "calls": 90, "errors": 0],
            ],
        ])
        #expect(alerts.map(\.key) == ["hourly-limit:2026-11-29T10:00:00Z"])
        #expect(alerts.first?.level == .critical)
        #expect(alerts.first?.message == "acme spent 61.20 USD in the hour from 2026-11-29T10:00:00Z (limit 50 USD)")
    }
}
