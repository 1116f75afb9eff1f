import Foundation
import TallyJSON
import TallyRules
import Testing

/// Every complete module in docs/rules.md (a ```lua block ending in `return M`) loads and
/// passes its smoke test with the demo rule set's lookup tables.
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
        let demo = try RuleSetSource.load(directory: rulesRoot + "/demo")
        for example in examples {
            let source = demo.replacing(RuleSetSource.attributionFile, with: example).replacing(RuleSetSource.alertsFile, with: nil)
            if case .failure(let error) = RuleSets.validate(source, limits: .testing) {
                Issue.record("example does not validate: \(error)\n\(example)")
            }
        }
    }

    @Test func theInstanceExampleAttributes() throws {
        let example = try #require(try Self.examples().first { $0.contains("tally.table(\"instances\")") })
        let demo = try RuleSetSource.load(directory: rulesRoot + "/demo").replacing(RuleSetSource.attributionFile, with: example)
        let runtime = try RuleRuntime(source: demo, limits: .testing)
        #expect(try runtime.attribute(["id": "e", "instance": "n8n-shared-eu"]) == Attribution(client: "innovate-corp", reason: "instance", tags: ["project": "lead-scoring"]))
    }
}
