import Testing
import TallyCore
import TallyJSON

/// Client profiles merge field by field; pushed executions are read with the field named when wrong.
@Suite struct ClientProfileTests {
    @Test func anUpsertKeepsWhatItLeavesOutAndNullClears() throws {
        let created = try ClientProfile.merge(["id": "acme", "name": "ACME", "contact": "ops@acme.example", "minutes_per_task": 2.5,
                                               "workflows": ["wf-1": ["minutes_per_task": 6, "outcome_label": "tickets routed"]]], into: nil)
        #expect(created.minutesPerTask == (try Money.parse("2.5")))
        #expect(created.minutesPerTask(workflow: "wf-1") == (try Money.parse("6")))
        #expect(created.minutesPerTask(workflow: "wf-2") == (try Money.parse("2.5")))
        #expect(created.outcomeLabel(workflow: "wf-1") == "tickets routed" && created.outcomeLabel(workflow: "wf-2") == "tasks")
        #expect(created.plan == .passThrough)
        let updated = try ClientProfile.merge(["id": "acme", "contact": nil, "plan": ["type": "cost_plus", "markup_percent": 20]], into: created)
        #expect(updated.name == "ACME" && updated.contact == nil && updated.workflows.count == 1)
        #expect(updated.plan == .costPlus(markupPercent: try Money.parse("20")))
        #expect(try ClientProfile.stored(updated.jsonValue) == updated)
    }

    @Test func badProfilesNameTheField() {
        for (json, field) in [
            (["name": "x"] as JSONValue, "id"), (["id": ""], "id"), (["id": "a", "minutes_per_task": -1], "minutes_per_task"),
            (["id": "a", "minutes_per_task": "lots"], "minutes_per_task"), (["id": "a", "workflows": ["w": 5]], "workflows.w"),
            (["id": "a", "workflows": ["w": ["outcome_label": ""]]], "workflows.w.outcome_label"), (["id": "a", "colour": "red"], "colour"),
            (["id": "a", "plan": ["type": "retainer", "included": "10"]], "plan.fee"),
        ] {
            do {
                _ = try ClientProfile.merge(json, into: nil)
                Issue.record("accepted \(json.jsonText)")
            } catch { #expect(error.field == field, "\(json.jsonText): \(error)") }
        }
    }

    @Test func pushedExecutionsAreValidatedFieldByField() throws {
        let execution = try Execution.decode(["instance": "n8n-a", "id": 42, "workflow": ["id": 7, "name": "Seven"], "status": "crashed",
                                              "started_at": "2026-11-03T10:00:00Z", "retry_of": 41])
        #expect(execution.id == "42" && execution.workflowID == "7" && execution.workflowName == "Seven" && execution.retryOf == "41")
        #expect(execution.status.outcome == .failed)
        for (json, field) in [
            (["id": "1", "workflow": "w", "status": "success", "started_at": "2026-11-03T10:00:00Z"] as JSONValue, "instance"),
            (["instance": "a", "workflow": "w", "status": "success", "started_at": "2026-11-03T10:00:00Z"], "id"),
            (["instance": "a", "id": "1", "status": "success", "started_at": "2026-11-03T10:00:00Z"], "workflow"),
            (["instance": "a", "id": "1", "workflow": "w", "status": "ok", "started_at": "2026-11-03T10:00:00Z"], "status"),
            (["instance": "a", "id": "1", "workflow": "w", "status": "success", "started_at": "yesterday"], "started_at"),
            (["instance": "a", "id": "1", "workflow": "w", "status": "success", "started_at": "2026-11-03T10:00:00Z", "mood": "good"], "mood"),
        ] {
            do {
                _ = try Execution.decode(json)
                Issue.record("accepted \(json.jsonText)")
            } catch { #expect(error.field == field, "\(json.jsonText): \(error)") }
        }
    }

    @Test func legacyN8nRunsGetAStatus() {
        #expect(ExecutionStatus.legacy(finished: true, stopped: true) == .success)
        #expect(ExecutionStatus.legacy(finished: false, stopped: true) == .error)
        #expect(ExecutionStatus.legacy(finished: false, stopped: false) == .running)
        #expect(!ExecutionStatus.running.isSettled && ExecutionStatus.canceled.isSettled)
    }
}
