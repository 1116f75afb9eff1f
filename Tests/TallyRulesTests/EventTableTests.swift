import TallyJSON
import TallyRules
import Testing

/// The event reaches the rules as a table whose fields are converted when first read.
@Suite("Event tables")
struct EventTableTests {
    static let event: JSONValue = [
        "id": "evt_9", "provider": "anthropic", "model": "claude-sonnet-4",
        "usage": ["input_tokens": 1200, "output_tokens": 300, "requests": 1],
        "workflow": ["id": "wf_1", "name": "Acme - Summarizer"],
        "metadata": ["client_id": "acme", "tags": ["a", "b"], "nested": ["deep": ["deeper": true]]],
        "cost": 0.25, "retried": false, "missing": nil,
    ]

    func run(_ body: String) throws -> String? {
        let runtime = try RuleRuntime(source: RuleSetSource(attribution: module("if event.id ~= 'evt_9' then return nil end\n" + body)), limits: .testing)
        return try runtime.attribute(Self.event).reason
    }

    @Test func fieldsReadLikeAPlainTable() throws {
        #expect(try run("return 'x', type(event)") == "table")
        #expect(try run("return 'x', event.usage.input_tokens + event.usage.output_tokens .. ''") == "1500")
        #expect(try run("return 'x', math.type(event.usage.requests)") == "integer")
        #expect(try run("return 'x', tostring(event.cost) .. tostring(event.retried)") == "0.25false")
        #expect(try run("return 'x', tostring(event.missing) .. tostring(event.absent)") == "nilnil")
        #expect(try run("return 'x', event.metadata.tags[2] .. #event.metadata.tags") == "b2")
        #expect(try run("return 'x', tostring(event.metadata.nested.deep.deeper)") == "true")
        #expect(try run("return 'x', tostring(event[1]) .. tostring(event[true])") == "nilnil")
        #expect(try run("local w = event.workflow return 'x', tostring(w == event.workflow)") == "true")
    }

    @Test func pairsListsTheFieldsAsReceived() throws {
        let keys = try run("""
            local keys = {}
            for key in pairs(event) do keys[#keys + 1] = key end
            table.sort(keys)
            return 'x', table.concat(keys, ',')
            """)
        #expect(keys == "cost,id,metadata,model,provider,retried,usage,workflow")
        let withWrites = try run("""
            event.extra = 1
            event.model = 'other'
            local seen = {}
            for key, value in pairs(event) do if key == 'extra' or key == 'model' then seen[#seen + 1] = key .. '=' .. value end end
            table.sort(seen)
            return 'x', table.concat(seen, ',')
            """)
        #expect(withWrites == "extra=1,model=other")
        // pairs gives the objects and arrays a field read gives, before or after the read.
        let same = try run("""
            local before = event.workflow
            local found = {}
            for key, value in pairs(event) do found[key] = value end
            for key, value in pairs(event.metadata) do found['metadata.' .. key] = value end
            found.workflow.seen = true
            return 'x', tostring(found.workflow == before and found.usage == event.usage and found['metadata.tags'] == event.metadata.tags and event.workflow.seen)
            """)
        #expect(same == "true")
        #expect(try run("local n = 0 for k, v in pairs(event.usage) do n = n + v end return 'x', tostring(n)") == "1501")
    }

    @Test func scriptsMayWriteToTheirEvent() throws {
        #expect(try run("event.client = 'set' return 'x', event.client") == "set")
        #expect(try run("event.model = 'other' return 'x', event.model") == "other")
        #expect(try run("return 'x', tostring(getmetatable(event))") == "locked")
    }

    @Test func rawAccessAndTableFunctionsActAsOnATable() throws {
        // Raw access sees what the script wrote, as on a table whose fields come from __index.
        #expect(try run("return 'x', tostring(rawget(event, 'id')) .. tostring(next(event)) .. rawlen(event) .. #event") == "nilnil00")
        #expect(try run("rawset(event, 'k', 'v') return 'x', rawget(event, 'k') .. event.k") == "vv")
        #expect(try run("event[1] = 'a' event[2] = 'b' return 'x', #event .. rawlen(event) .. next(event)") == "221")
        #expect(try run("table.insert(event, 'z') table.insert(event.workflow, 'w') return 'x', event[1] .. event.workflow[1]") == "zw")
        // Writing nil over a field that was never written leaves the received value visible.
        #expect(try run("event.id = nil return 'x', event.id") == "evt_9")
        #expect(try run("return 'x', tostring(event):match('^table: ') and tostring(event.usage):match('^table: ')") == "table: ")
        #expect(try run("return 'x', select(2, pcall(setmetatable, event, {}))") == "cannot change a protected metatable")
        #expect(try run("return 'x', select(2, pcall(string.rep, event))")?.hasSuffix("(string expected, got table)") == true)
        #expect(try run("local seen = {[event] = 1, [event.workflow] = 2} return 'x', seen[event] .. seen[event.workflow]") == "12")
    }

    @Test func anEventObjectReturnedAsTagsOrDataIsConverted() throws {
        let runtime = try RuleRuntime(source: RuleSetSource(attribution: module("if event.id ~= 'evt_9' then return nil end event.workflow.extra = 'x' return 'acme', 'r', event.workflow")), limits: .testing)
        let attribution = try runtime.attribute(Self.event)
        #expect(attribution.tags == ["id": "wf_1", "name": "Acme - Summarizer", "extra": "x"])
        let nested = try RuleRuntime(source: RuleSetSource(attribution: module("if event.id ~= 'evt_9' then return nil end return 'acme', 'r', {w = event.workflow}")), limits: .testing)
        #expect {
            try nested.attribute(Self.event)
        } throws: { error in
            (error as! RuleError).message.contains("tag 'w' must be a string, not a table")
        }
    }

    @Test func aTableKeptFromAnEarlierCallSaysSo() throws {
        let runtime = try RuleRuntime(source: RuleSetSource(attribution: """
            local M = {}
            local kept
            function M.attribute(event)
              if event.id == 'keep' then kept = event; local _ = kept.provider return nil end
              if event.id == 'read-cached' then return 'x', kept.provider end
              if event.id == 'read-new' then return 'x', kept.model end
              if event.id == 'write' then kept.model = 'x' return nil end
              if event.id == 'iterate' then for _ in pairs(kept) do end return nil end
              if event.id == 'return' then return 'x', 'r', kept end
              return nil
            end
            return M
            """), limits: .testing)
        _ = try runtime.attribute(["id": "keep", "provider": "openai", "model": "gpt-4o"])
        // Even a field read during its call: reads are not stored into the table.
        for id in ["read-cached", "read-new", "write", "iterate"] {
            #expect {
                try runtime.attribute(["id": .string(id)])
            } throws: { error in
                (error as! RuleError).message.contains("earlier call")
            }
        }
        #expect {
            try runtime.attribute(["id": "return"])
        } throws: { error in
            (error as! RuleError).message.contains("tags are an event table from an earlier call")
        }
    }

    @Test func alertDataCanCarryTheStatusTable() throws {
        let source = RuleSetSource(attribution: module("return nil"), alerts: """
            local M = {}
            function M.on_spend(status)
              if status.client ~= 'acme' then return nil end
              status.note = 'seen'
              return {{key = 'k', message = 'm', data = status}}
            end
            return M
            """)
        let runtime = try RuleRuntime(source: source, limits: .testing)
        let status: JSONValue = ["client": "acme", "thresholds_crossed": [0.5], "period": ["start": "2025-03-01"], "spent": "12.5"]
        let alerts = try runtime.onSpend(status)
        #expect(alerts.count == 1)
        #expect(alerts[0].data == ["client": "acme", "thresholds_crossed": [0.5], "period": ["start": "2025-03-01"], "spent": "12.5", "note": "seen"])
        #expect(alerts[0].level == .warning)
    }
}
