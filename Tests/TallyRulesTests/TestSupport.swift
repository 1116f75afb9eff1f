import Foundation
import TallyJSON
import TallyRules
import Testing

/// Limits for tests: short deadlines so hostile scripts end quickly, but generous enough that a
/// debug build on a loaded 2-core machine never times out a legitimate call.
extension RuleLimits {
    static let testing = RuleLimits(callDeadline: .milliseconds(100), loadDeadline: .milliseconds(1000))
    /// For scripts that must end by memory, not by time.
    static let memoryBound = RuleLimits(callDeadline: .seconds(10), loadDeadline: .seconds(10), memoryLimit: 8 << 20)
}

/// The repository's `rules/` folder, wherever the tests run from.
let rulesRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        let candidate = url.appendingPathComponent("rules")
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("default/attribution.lua").path) {
            return candidate.path
        }
    }
    return "rules"
}()

/// An `attribution.lua` whose `attribute` runs `body` (which must return).
func module(_ body: String) -> String {
    """
    local M = {}
    function M.attribute(event)
    \(body)
    end
    return M
    """
}

/// A rule set that behaves for every event except `{"id": "attack"}`, for which it runs `attack`.
/// It passes its smoke test, so the attack happens in service.
func hostileRuntime(_ attack: String, limits: RuleLimits = .testing) throws -> RuleRuntime {
    try RuleRuntime(source: RuleSetSource(attribution: module("""
          if event.id == "attack" then
            \(attack)
          end
          return "acme", "normal"
        """)), limits: limits)
}

let attackEvent: JSONValue = ["id": "attack"]
let normalEvent: JSONValue = ["id": "normal"]

/// Runs the attack, expects one of `kinds`, then checks that the next normal call still works.
@discardableResult
func expectContained(_ runtime: RuleRuntime, kinds: Set<RuleError.Kind>, sourceLocation: SourceLocation = #_sourceLocation) -> RuleError? {
    var caught: RuleError?
    do {
        let result = try runtime.attribute(attackEvent)
        Issue.record("the attack returned \(result) instead of failing", sourceLocation: sourceLocation)
    } catch {
        caught = error
        #expect(kinds.contains(error.kind), "unexpected kind: \(error)", sourceLocation: sourceLocation)
        #expect(error.eventID == "attack", sourceLocation: sourceLocation)
    }
    for _ in 0..<3 {
        #expect((try? runtime.attribute(normalEvent)) == Attribution(client: "acme", reason: "normal"), sourceLocation: sourceLocation)
    }
    return caught
}

/// Runs `body` inside `attribute` and returns what it returned as the reason.
func evaluate(_ body: String, lookups: [String: String] = [:], limits: RuleLimits = .testing) throws -> String? {
    let source = RuleSetSource(attribution: module("if event.id ~= 'probe' then return nil end\n" + body), lookups: lookups)
    let runtime = try RuleRuntime(source: source, limits: limits)
    return try runtime.attribute(["id": "probe"]).reason
}

/// A temporary folder removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-rules-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func write(_ name: String, _ text: String, in subfolder: String? = nil) throws {
        var folder = path
        if let subfolder { folder += "/" + subfolder }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
    }

    /// Copies a shipped rule set into `subfolder`.
    /// Copies a shipped rule folder; an attribution.lua it inherits (rules/demo) is copied from default.
    func copyRules(_ name: String, to subfolder: String) throws {
        let source = rulesRoot + "/" + name
        let files = try FileManager.default.contentsOfDirectory(atPath: source)
        for file in files {
            try write(file, String(contentsOfFile: source + "/" + file, encoding: .utf8), in: subfolder)
        }
        if !files.contains("attribution.lua") {
            try write("attribution.lua", String(contentsOfFile: rulesRoot + "/default/attribution.lua", encoding: .utf8), in: subfolder)
        }
    }
}
