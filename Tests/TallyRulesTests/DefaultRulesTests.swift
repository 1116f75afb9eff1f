import TallyJSON
import TallyRules
import Testing

@Suite("Shipped rule sets")
struct DefaultRulesTests {
    let demo: RuleRuntime
    let shippedDefault: RuleRuntime

    init() throws {
        demo = try RuleRuntime(source: RuleSetSource.load(directory: rulesRoot + "/demo", inheritingFrom: rulesRoot + "/default"), limits: .testing)
        shippedDefault = try RuleRuntime(source: RuleSetSource.load(directory: rulesRoot + "/default"), limits: .testing)
    }

    /// A complete event that matches every rule, so each test removes what outranks the rule it checks.
    static let everything: [String: JSONValue] = [
        "id": "evt_1", "source": "n8n", "ts": "2025-03-14T09:26:53Z", "provider": "openai", "model": "gpt-4o-mini",
        "usage": ["input_tokens": 1843, "output_tokens": 412, "requests": 1],
        "client": "explicit-client",
        "metadata": ["client_id": "metadata-client"],
        "workflow": ["id": "wf_3", "name": "Acme - Summarizer"],
        "instance": "n8n-acme-prod",
        "api_key": "key_innovate_anthropic_01",
    ]

    func attribute(_ runtime: RuleRuntime, removing removed: [String] = [], setting extra: [String: JSONValue] = [:]) throws -> Attribution {
        var members = Self.everything
        for key in removed { members[key] = nil }
        for (key, value) in extra { members[key] = value }
        return try runtime.attribute(.object(members))
    }

    @Test func explicitClientWins() throws {
        #expect(try attribute(demo) == Attribution(client: "explicit-client", reason: "client"))
    }

    @Test func metadataClientIDComesSecond() throws {
        #expect(try attribute(demo, removing: ["client"]) == Attribution(client: "metadata-client", reason: "metadata.client_id"))
    }

    @Test func workflowNameConventionComesThird() throws {
        let attribution = try attribute(demo, removing: ["client", "metadata"])
        #expect(attribution == Attribution(client: "acme", reason: "workflow_name", tags: ["project": "summarizer"]))
    }

    @Test func workflowNameIsSluggedAndAcceptsDashVariants() throws {
        let enDash = try attribute(demo, removing: ["client", "metadata"], setting: ["workflow": ["name": "Innovate Corp. \u{2013} Lead Scoring v2"]])
        #expect(enDash == Attribution(client: "innovate-corp", reason: "workflow_name", tags: ["project": "lead-scoring-v2"]))
        let noProject = try attribute(demo, removing: ["client", "metadata"], setting: ["workflow": ["name": "Globex - "]])
        #expect(noProject == Attribution(client: "globex", reason: "workflow_name"))
    }

    @Test func instanceMapComesFourth() throws {
        let plain = try attribute(demo, removing: ["client", "metadata", "workflow"])
        #expect(plain == Attribution(client: "acme", reason: "instance"))
        let withProject = try attribute(demo, removing: ["client", "metadata", "workflow"], setting: ["instance": "n8n-shared-eu"])
        #expect(withProject == Attribution(client: "innovate-corp", reason: "instance", tags: ["project": "lead-scoring"]))
    }

    @Test func apiKeyMapComesFifth() throws {
        let plain = try attribute(demo, removing: ["client", "metadata", "workflow", "instance"])
        #expect(plain == Attribution(client: "innovate-corp", reason: "api_key"))
        let withProject = try attribute(demo, removing: ["client", "metadata", "workflow", "instance"], setting: ["api_key": "key_globex_openrouter_01"])
        #expect(withProject == Attribution(client: "globex", reason: "api_key", tags: ["project": "research"]))
    }

    @Test func nothingMatchesMeansUnattributed() throws {
        let attribution = try attribute(demo, removing: ["client", "metadata", "workflow", "instance", "api_key"])
        #expect(attribution == Attribution(client: nil, reason: "no_match"))
        #expect(try demo.attribute(["id": "bare"]) == Attribution(client: nil, reason: "no_match"))
    }

    @Test func emptyOrMalformedFieldsFallThrough() throws {
        let attribution = try attribute(
            demo,
            setting: [
                "client": "", "metadata": ["client_id": 42], "workflow": ["name": "Nightly digest"],
                "instance": "unknown-instance", "api_key": "key_acme_openai_01",
            ])
        #expect(attribution == Attribution(client: "acme", reason: "api_key"))
        let wrongTypes = try demo.attribute(["id": "x", "client": 7, "metadata": "oops", "workflow": "not a table"])
        #expect(wrongTypes == Attribution(client: nil, reason: "no_match"))
    }

    @Test func unknownInstanceFallsBackToKey() throws {
        let attribution = try attribute(demo, removing: ["client", "metadata", "workflow"], setting: ["instance": "n8n-unknown"])
        #expect(attribution == Attribution(client: "innovate-corp", reason: "api_key"))
    }

    @Test func shippedDefaultHasEmptyMaps() throws {
        #expect(try attribute(shippedDefault) == Attribution(client: "explicit-client", reason: "client"))
        #expect(try attribute(shippedDefault, removing: ["client", "metadata"]).client == "acme")
        let unmapped = try attribute(shippedDefault, removing: ["client", "metadata", "workflow"])
        #expect(unmapped == Attribution(client: nil, reason: "no_match"))
    }

    @Test func typicalBenchmarkEventsCoverEveryPath() throws {
        let reasons = try AttributionBenchmark.typicalEvents.map { try demo.attribute($0).reason }
        #expect(reasons == ["client", "metadata.client_id", "workflow_name", "instance", "api_key", "no_match"])
    }

    /// The alerts themselves are covered by DefaultAlertsTests; here, that both sets serve them.
    @Test func shippedSetsHaveAlerts() throws {
        let status: JSONValue = [
            "client": "acme", "budget": ["id": "b1", "amount": "100", "amount_usd": 100.0], "period": ["key": "2025-03"],
            "spent": "85.50", "ratio": 0.855, "thresholds_crossed": [["ratio": 0.5, "label": "50%"], ["ratio": 0.8, "label": "80%"]],
        ]
        // demo inherits default's Lua files, alerts.lua included.
        for runtime in [demo, shippedDefault] {
            #expect(runtime.hasAlerts)
            let alerts = try runtime.onSpend(status)
            #expect(alerts.map(\.key) == ["threshold:50%", "threshold:80%"])
            #expect(alerts.map(\.level) == [.info, .warning])
            #expect(alerts.first?.data["client"] == "acme")
            #expect(try runtime.onSpend(["client": "acme", "thresholds_crossed": []]).isEmpty)
        }
    }
}
