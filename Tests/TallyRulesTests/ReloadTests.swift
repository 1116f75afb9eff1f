import Foundation
import TallyJSON
import TallyRules
import Testing

@Suite("Versions and reload")
struct ReloadTests {
    static let goodRules = module("return 'acme', 'v1'")

    @Test func versionHashDependsOnContentOnly() throws {
        let folder = try TemporaryDirectory()
        try folder.copyRules("demo", to: "a")
        try folder.copyRules("demo", to: "b")
        try folder.write("README.md", "notes are not part of the set", in: "b")
        let a = try RuleSetSource.load(directory: folder.path + "/a")
        let b = try RuleSetSource.load(directory: folder.path + "/b")
        #expect(a.version == b.version)
        #expect(a.version.sha256.count == 64 && a.version.short.count == 12)
        #expect(a.fileNames == ["attribution.lua", "instances.json", "keys.json"])

        try folder.write("keys.json", #"{"key_acme_openai_01": "acme" }"#, in: "b")
        #expect(try RuleSetSource.load(directory: folder.path + "/b").version != a.version)
        // Moving bytes between files, or renaming one, changes the hash too.
        let base = RuleSetSource(files: ["attribution.lua": "ab", "x.json": "{}"])
        #expect(base.version != RuleSetSource(files: ["attribution.lua": "a", "x.json": "b{}"]).version)
        #expect(base.version != RuleSetSource(files: ["attribution.lua": "ab", "y.json": "{}"]).version)
        #expect(base.version == RuleSetSource(files: ["x.json": "{}", "attribution.lua": "ab"]).version)
    }

    @Test func brokenReloadKeepsTheOldVersionServing() async throws {
        let folder = try TemporaryDirectory()
        try folder.copyRules("demo", to: "acme")
        let rules = AgencyRules(agency: "acme", directory: folder.path + "/acme", limits: .testing)
        let first = try #require(await rules.version)
        #expect(try await rules.attribute(["id": "e1", "instance": "n8n-acme-prod"]).client == "acme")

        try folder.write("attribution.lua", "local M = {}\nfunction M.attribute(event)\n  return event.\nend\nreturn M\n", in: "acme")
        let outcome = await rules.reload()
        guard case .failed(let failure, let serving) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(serving == first)
        #expect(failure.error.kind == .syntax)
        #expect(failure.error.file == "attribution.lua" && failure.error.line == 4)
        #expect(failure.error.description.hasPrefix("attribution.lua:4: "))
        #expect(failure.attemptedVersion != nil && failure.attemptedVersion != first)
        #expect(await rules.version == first)
        #expect(try await rules.attribute(["id": "e2", "instance": "n8n-acme-prod"]).client == "acme")
        let status = await rules.status()
        #expect(status.current?.version == first)
        #expect(status.lastFailure?.error.line == 4)
        #expect(status.history.count == 1)
        #expect(status.jsonValue["last_failure"]?["error"]?["line"] == 4)

        // A lookup file that is not JSON is refused with its own file and line.
        try folder.copyRules("demo", to: "acme")
        try folder.write("instances.json", "{\n  \"a\": \"acme\",\n  oops\n}", in: "acme")
        guard case .failed(let jsonFailure, _) = await rules.reload() else {
            Issue.record("expected a failure")
            return
        }
        #expect(jsonFailure.error.kind == .invalidRuleSet && jsonFailure.error.file == "instances.json" && jsonFailure.error.line == 3)

        // A rule that fails its smoke test is refused too.
        try folder.copyRules("demo", to: "acme")
        try folder.write("attribution.lua", "local M = {}\nfunction M.attribute(event)\n  return event.workflow.name\nend\nreturn M\n", in: "acme")
        guard case .failed(let smokeFailure, _) = await rules.reload() else {
            Issue.record("expected a failure")
            return
        }
        #expect(smokeFailure.error.description == "attribution.lua:3: attempt to index a nil value (field 'workflow') (event tally-smoke-minimal)")

        // A missing attribution.lua is refused.
        try FileManager.default.removeItem(atPath: folder.path + "/acme/attribution.lua")
        guard case .failed(let missing, _) = await rules.reload() else {
            Issue.record("expected a failure")
            return
        }
        #expect(missing.error.kind == .invalidRuleSet)
        #expect(await rules.version == first)

        // Fixing the files serves the new version and clears the failure.
        try folder.copyRules("demo", to: "acme")
        try folder.write("attribution.lua", Self.goodRules, in: "acme")
        guard case .loaded(let record, let previous) = await rules.reload() else {
            Issue.record("expected a load")
            return
        }
        #expect(previous == first)
        #expect(record.files.contains("attribution.lua"))
        #expect(try await rules.attribute(["id": "e3"]) == Attribution(client: "acme", reason: "v1"))
        let after = await rules.status()
        #expect(after.lastFailure == nil)
        #expect(after.history.map(\.version) == [first, record.version])
    }

    @Test func unchangedFilesAreNotRecompiled() async throws {
        let folder = try TemporaryDirectory()
        try folder.copyRules("demo", to: "acme")
        let rules = AgencyRules(agency: "acme", directory: folder.path + "/acme", limits: .testing)
        let version = try #require(await rules.version)
        #expect(await rules.reload() == .unchanged(version))
        #expect(await rules.status().history.count == 1)
    }

    @Test func aFirstLoadThatFailsServesNothingUntilFixed() async throws {
        let folder = try TemporaryDirectory()
        try folder.write("attribution.lua", "return 42", in: "acme")
        let rules = AgencyRules(agency: "acme", directory: folder.path + "/acme", limits: .testing)
        #expect(await rules.version == nil)
        await #expect(throws: RuleError.self) { try await rules.attribute(["id": "e"]) }
        let batch = await rules.attribute(events: [["id": "a"], ["id": "b"]])
        #expect(batch.version == nil)
        #expect(batch.results.allSatisfy { if case .failure(let error) = $0 { error.kind == .unavailable } else { false } })
        #expect(await rules.status().lastFailure?.error.kind == .invalidRuleSet)
        try folder.write("attribution.lua", Self.goodRules, in: "acme")
        #expect(await rules.reload().serving != nil)
        #expect(try await rules.attribute(["id": "e"]).client == "acme")
    }

    @Test func batchesReportTheVersionAndPerEventErrors() async throws {
        let folder = try TemporaryDirectory()
        try folder.write("attribution.lua", module("if event.id == 'bad' then error('nope') end return 'acme'"), in: "acme")
        let rules = AgencyRules(agency: "acme", directory: folder.path + "/acme", limits: .testing)
        let batch = await rules.attribute(events: [["id": "a"], ["id": "bad"], ["id": "c"]])
        #expect(batch.version == (await rules.version))
        #expect(batch.results.map { (try? $0.get())?.client } == ["acme", nil, "acme"])
        if case .failure(let error) = batch.results[1] { #expect(error.eventID == "bad" && error.message == "nope") }
    }

    @Test func validateAndTestDoNotTouchTheServingVersion() async throws {
        let folder = try TemporaryDirectory()
        try folder.copyRules("demo", to: "acme")
        let rules = AgencyRules(agency: "acme", directory: folder.path + "/acme", limits: .testing)
        let serving = await rules.version

        // Validation uses the serving set's lookup tables.
        let usesLookup = module("return tally.lookup('instances', 'n8n-acme-prod')")
        #expect(try await rules.validate(source: usesLookup).get() != serving)
        let broken = await rules.validate(source: "local x = = 1")
        #expect((try? broken.get()) == nil)
        if case .failure(let error) = broken { #expect(error.kind == .syntax && error.line == 1) }

        let events: [JSONValue] = [["id": "e1", "instance": "n8n-acme-prod"], ["id": "e2"], ["id": "e3", "client": "x"]]
        let report = try await rules.test(events: events, source: module("""
            if event.id == 'e3' then error('bad event') end
            tally.log('info', 'saw ' .. event.id)
            return tally.lookup('instances', event.instance or '')
            """)).get()
        #expect(report.attributedCount == 1 && report.unattributedCount == 1 && report.failedCount == 1)
        #expect(report.results[0].logs == [RuleLogLine(level: .info, message: "saw e1")])
        #expect(report.results[2].jsonValue["error"]?["message"] == "bad event")
        #expect(report.results[2].eventID == "e3")
        // Without a source, the serving files are tested.
        let current = try await rules.test(events: events).get()
        #expect(current.version == serving)
        #expect(current.results.map { (try? $0.outcome.get())?.client } == ["acme", nil, "x"])
        #expect(await rules.version == serving)
        #expect(await rules.status().history.count == 1)

        // The stateless forms need no folder.
        #expect((try? RuleSets.validate(source: Self.goodRules).get()) != nil)
        #expect((try? RuleSets.validate(source: "return nil").get()) == nil)
        let stateless = try RuleSets.test(events: events, source: RuleSetSource(attribution: Self.goodRules)).get()
        #expect(stateless.attributedCount == 3)
    }

    @Test func putValidatesWritesAndReloads() async throws {
        let folder = try TemporaryDirectory()
        try folder.copyRules("default", to: "default")
        let registry = RuleSetRegistry(root: folder.path, limits: .testing)
        let acme = try registry.rules(for: "acme")
        // No folder of its own yet: served by the default rules.
        #expect(try await acme.attribute(["id": "e", "workflow": ["name": "Globex - Chat"]]).client == "globex")
        #expect(try registry.rules(for: "acme") === acme)

        let refused = await acme.put(file: "attribution.lua", text: "syntax error here")
        if case .failed(let failure, _) = refused { #expect(failure.error.kind == .syntax) } else { Issue.record("expected a refusal") }
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/acme"))

        let outcome = await acme.put(file: "attribution.lua", text: Self.goodRules)
        guard case .loaded = outcome else {
            Issue.record("expected a load, got \(outcome)")
            return
        }
        #expect(FileManager.default.fileExists(atPath: folder.path + "/acme/instances.json"))
        #expect(try String(contentsOfFile: folder.path + "/acme/attribution.lua", encoding: .utf8) == Self.goodRules)
        #expect(try await acme.attribute(["id": "e"]) == Attribution(client: "acme", reason: "v1"))
        #expect(registry.loadedAgencies() == ["acme"])
        let outcomes = await registry.reloadAll()
        #expect(outcomes["acme"] == .unchanged(try #require(await acme.version)))
    }

    @Test func registryRejectsUnsafeAgencyNames() {
        let registry = RuleSetRegistry(root: rulesRoot, limits: .testing)
        for name in ["", "../etc", "a/b", ".hidden", "-x", "UPPER", String(repeating: "a", count: 65)] {
            #expect(throws: RuleError.self) { try registry.rules(for: name) }
        }
        #expect(RuleSetRegistry.isValidAgencyName("innovate-corp_2"))
    }
}
