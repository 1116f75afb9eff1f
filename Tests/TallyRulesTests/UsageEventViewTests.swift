import TallyCore
import TallyJSON
import TallyRules
import Testing

/// Ingest hands validated events to the rules field by field (`RuleRuntime.attribute(_: UsageEvent)`).
/// Whatever way a rule reads them, it must see the view docs/rules.md documents, the same as
/// `rules.test` shows for the equivalent JSON.
@Suite("Validated events as rules see them")
struct UsageEventViewTests {
    static let received: JSONValue = [
        "id": "evt-view", "source": "n8n", "ts": "2026-11-03T12:00:00.1230Z", "provider": "openai", "model": "gpt-4o-mini",
        "usage": ["input_tokens": 1843, "cache_read_tokens": 1024, "output_tokens": 412],
        "service_tier": "flex", "client": "acme", "instance": "n8n-prod",
        "workflow": ["id": "wf_17", "name": "Acme - Summarizer"], "execution_id": "exec_88412", "api_key": "key_acme_01",
        "metadata": ["client_id": "innovate", "tags": ["a", "b"], "nested": ["deep": true], "ratio": 0.5],
        "status": "error", "outcomes": ["emails_sent": 3], "cost": "0.0125",
    ]

    /// The documented view of `received`: every field, usage complete with its defaults.
    static let view: JSONValue = [
        "id": "evt-view", "source": "n8n", "ts": "2026-11-03T12:00:00.123Z", "provider": "openai", "model": "gpt-4o-mini",
        "usage": [
            "input_tokens": 1843, "cache_read_tokens": 1024, "cache_write_5m_tokens": 0, "cache_write_1h_tokens": 0,
            "output_tokens": 412, "reasoning_tokens": 0, "requests": 1, "web_search_calls": 0,
        ],
        "service_tier": "flex", "client": "acme", "instance": "n8n-prod",
        "workflow": ["id": "wf_17", "name": "Acme - Summarizer"], "execution_id": "exec_88412", "api_key": "key_acme_01",
        "metadata": ["client_id": "innovate", "tags": ["a", "b"], "nested": ["deep": true], "ratio": 0.5],
        "status": "error", "outcomes": ["emails_sent": 3], "cost": "0.0125",
    ]

    /// Describes the event as tags, one per field, read by name and (`all`) by iterating.
    static let describe = """
        local M = {}
        local function dump(value)
          if type(value) ~= "table" then return type(value):sub(1, 1) .. ":" .. tostring(value) end
          local keys = {}
          for key in pairs(value) do keys[#keys + 1] = key end
          table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
          local parts = {}
          for _, key in ipairs(keys) do parts[#parts + 1] = tostring(key) .. "=" .. dump(value[key]) end
          return "{" .. table.concat(parts, ",") .. "}"
        end
        local fields = {"id", "source", "ts", "provider", "model", "usage", "service_tier", "status", "metadata",
          "client", "instance", "workflow", "execution_id", "api_key", "outcomes", "cost", "not_a_field"}
        function M.attribute(event)
          local tags = {}
          for _, field in ipairs(fields) do tags[field] = dump(event[field]):sub(1, 200) end
          local keys = {}
          for key in pairs(event) do keys[#keys + 1] = key end
          table.sort(keys)
          tags.all = table.concat(keys, ",")
          tags.same_table = tostring(event.workflow == event.workflow and event.usage == event.usage)
          tags.usage_sum = tostring(event.usage.input_tokens + event.usage.output_tokens)
          return "seen", "view", tags
        end
        return M
        """

    static func validated(_ json: JSONValue) throws -> UsageEvent {
        try UsageEvent.decode(json, receivedAt: Timestamp(microsecondsSinceEpoch: 0), fingerprint: { "fp:" + $0 })
    }

    @Test func aValidatedEventReadsAsItsDocumentedJSON() throws {
        let runtime = try RuleRuntime(source: RuleSetSource(attribution: Self.describe), limits: .testing)
        let typed = try runtime.attribute(Self.validated(Self.received)).tags
        let json = try runtime.attribute(Self.view).tags
        #expect(typed == json)
        #expect(typed["ts"] == "s:2026-11-03T12:00:00.123Z")
        #expect(typed["usage"] == "{cache_read_tokens=n:1024,cache_write_1h_tokens=n:0,cache_write_5m_tokens=n:0,input_tokens=n:1843,output_tokens=n:412,reasoning_tokens=n:0,requests=n:1,web_search_calls=n:0}")
        #expect(typed["metadata"] == "{client_id=s:innovate,nested={deep=b:true},ratio=n:0.5,tags={1=s:a,2=s:b}}")
        #expect(typed["workflow"] == "{id=s:wf_17,name=s:Acme - Summarizer}")
        #expect(typed["outcomes"] == "{emails_sent=n:3}")
        #expect(typed["cost"] == "s:0.0125")
        #expect(typed["client"] == "s:acme")
        #expect(typed["not_a_field"] == "n:nil")
        #expect(typed["all"] == "api_key,client,cost,execution_id,id,instance,metadata,model,outcomes,provider,service_tier,source,status,ts,usage,workflow")
        #expect(typed["same_table"] == "true")
        #expect(typed["usage_sum"] == "2255")
    }

    @Test func absentFieldsAreNil() throws {
        let runtime = try RuleRuntime(source: RuleSetSource(attribution: Self.describe), limits: .testing)
        let minimal: JSONValue = ["id": "evt-min", "provider": "openai", "model": "gpt-4o-mini", "usage": ["input_tokens": 1]]
        let tags = try runtime.attribute(Self.validated(minimal)).tags
        for field in ["client", "instance", "workflow", "execution_id", "api_key", "outcomes", "cost", "metadata"] {
            #expect(tags[field] == "n:nil", "\(field)")
        }
        #expect(tags["source"] == "s:api")
        #expect(tags["ts"] == "s:1970-01-01T00:00:00Z")
        #expect(tags["all"] == "id,model,provider,service_tier,source,status,ts,usage")
    }

    @Test func timestampsReadAsSwiftFormatsThem() throws {
        let runtime = try RuleRuntime(source: RuleSetSource(attribution: module("return 'x', event.ts")), limits: .testing)
        for text in ["2026-11-03T12:00:00Z", "2024-02-29T23:59:59.999999Z", "1969-12-31T23:59:59.5Z", "0001-01-01T00:00:00Z",
                     "9999-12-31T23:59:59.000001Z", "2026-03-29T01:30:00+02:00", "2000-03-01T00:00:00.10Z"] {
            let event = try Self.validated(["id": "t", "ts": .string(text), "provider": "openai", "model": "m", "usage": ["input_tokens": 1]])
            #expect(try runtime.attribute(event).reason == event.timestamp.rfc3339, "\(text)")
        }
    }

    @Test func batchesThroughAgencyRulesMatchSingleCalls() async throws {
        let folder = try TemporaryDirectory()
        try folder.write("attribution.lua", Self.describe)
        let rules = AgencyRules(agency: "view", directory: folder.path, limits: .testing)
        let events = try (0..<5).map { index in try Self.validated(["id": .string("evt-\(index)"), "provider": "openai", "model": "m", "usage": ["input_tokens": .integer(Int64(index))], "client": "c"]) }
        let (version, results) = await rules.attribute(events: events)
        #expect(version != nil)
        let runtime = try RuleRuntime(source: RuleSetSource(attribution: Self.describe), limits: .testing)
        for (event, result) in zip(events, results) {
            #expect(try result.get() == runtime.attribute(event))
        }
    }

    /// Attacks through the fields of a validated event end that call only, with the event named,
    /// and the next event is served normally.
    @Test(arguments: [
        ("while true do local _ = event.workflow.name end", RuleError.Kind.timeout),
        ("local s = event.model while true do s = s .. s end", .memory),
        ("local t = {} for i = 1, 1e8 do t[i] = event.usage end", .memory),
        ("return event.workflow.name.x.y", .runtime),
        ("kept = event", .runtime),
        ("return event", .invalidResult),
    ])
    func attacksThroughTheEventAreContained(attack: String, kind: RuleError.Kind) throws {
        let runtime = try RuleRuntime(source: RuleSetSource(attribution: module("""
            if event.id == "attack" then \(attack) end
            return event.client, event.workflow and event.workflow.name
            """)), limits: RuleLimits(callDeadline: .milliseconds(200), loadDeadline: .seconds(10), memoryLimit: 8 << 20))
        let attack = try Self.validated(["id": "attack", "provider": "openai", "model": "gpt-4o", "usage": ["input_tokens": 1], "workflow": ["name": "w"]])
        #expect {
            try runtime.attribute(attack)
        } throws: { error in
            let error = error as! RuleError
            return error.kind == kind && error.eventID == "attack"
        }
        for index in 0..<3 {
            let normal = try Self.validated(["id": .string("n\(index)"), "provider": "openai", "model": "m", "usage": ["input_tokens": 1], "client": "acme", "workflow": ["name": "flow"]])
            #expect(try runtime.attribute(normal) == Attribution(client: "acme", reason: "flow"))
        }
    }
}
