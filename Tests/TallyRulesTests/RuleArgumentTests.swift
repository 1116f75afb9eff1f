import TallyJSON
import TallyRules
import Testing

/// A typed event (the ingest fast path) reaches the rules exactly like its JSON form.
@Suite("Typed arguments")
struct RuleArgumentTests {
    struct Event: RuleArgument {
        var id = "evt_typed"
        var client: String? = nil
        var workflowName: String? = "Acme - Summarizer"
        var tokens: Int64 = 1200
        var cost: Double = 0.25
        var cached: Bool? = false
        var metadata: [String: JSONValue] = ["client_id": "from-metadata", "tags": ["a", "b"]]

        var ruleArgumentID: String? { id }

        func writeMembers(to writer: inout RuleArgumentWriter) {
            writer.string("id", id)
            writer.string("client", client)
            writer.object("workflow") { workflow in
                workflow.string("id", "wf_1")
                workflow.string("name", workflowName)
            }
            writer.object("usage") { usage in
                usage.integer("input_tokens", tokens)
                usage.integer("requests", 1 as Int?)
            }
            writer.number("cost", cost)
            writer.bool("cached", cached)
            writer.json("metadata", .object(metadata))
            writer.json("dynamic_key", "value")
            writer.json("absent", nil)
        }
    }

    @Test func typedEventsAreAttributedLikeTheirJSON() throws {
        let runtime = try RuleRuntime(source: RuleSetSource.load(directory: rulesRoot + "/demo", inheritingFrom: rulesRoot + "/default"), limits: .testing)
        #expect(try runtime.attribute(Event()) == Attribution(client: "from-metadata", reason: "metadata.client_id"))
        #expect(try runtime.attribute(Event(client: "explicit")) == Attribution(client: "explicit", reason: "client"))
        let viaWorkflow = try runtime.attribute(Event(metadata: [:]))
        #expect(viaWorkflow == Attribution(client: "acme", reason: "workflow_name", tags: ["project": "summarizer"]))
    }

    @Test func everyWriterMethodReachesTheScript() throws {
        let runtime = try RuleRuntime(source: RuleSetSource(attribution: module("""
              if event.id ~= 'evt_typed' then return nil end
              local parts = {
                event.workflow.name, math.type(event.usage.input_tokens), tostring(event.usage.requests),
                tostring(event.cost), tostring(event.cached), event.metadata.tags[2], event.dynamic_key, tostring(event.absent),
              }
              return 'acme', table.concat(parts, ',')
            """)), limits: .testing)
        #expect(try runtime.attribute(Event()).reason == "Acme - Summarizer,integer,1,0.25,false,b,value,nil")
    }

    @Test func errorsNameTheTypedEvent() throws {
        let runtime = try RuleRuntime(source: RuleSetSource(attribution: module("if event.id == 'evt_typed' then error('no') end return nil")), limits: .testing)
        #expect {
            try runtime.attribute(Event())
        } throws: { error in
            (error as! RuleError).eventID == "evt_typed"
        }
    }

    @Test func agencyRulesAcceptTypedBatches() async throws {
        let folder = try TemporaryDirectory()
        try folder.copyRules("demo", to: "acme")
        let rules = AgencyRules(agency: "acme", directory: folder.path + "/acme", limits: .testing)
        let batch = await rules.attribute(events: [Event(), Event(client: "x")])
        #expect(batch.results.map { (try? $0.get())?.client } == ["from-metadata", "x"])
    }
}
