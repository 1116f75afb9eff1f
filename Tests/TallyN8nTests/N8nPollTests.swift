import Testing
import TallyCore
import TallyJSON
@testable import TallyN8n

/// Reading n8n's executions pages and deciding how far a poll reads.
@Suite struct N8nPollTests {
    static func at(_ text: String) -> Timestamp { try! Timestamp(rfc3339: text) }

    static func page(_ json: String) throws -> N8nExecutionPage { try N8nExecutionPage.parse(Array(json.utf8), instance: "n8n-prod") }

    @Test func readsCurrentAndLegacyExecutionShapes() throws {
        let page = try Self.page("""
            {"data": [
              {"id": "1042", "finished": true, "mode": "retry", "retryOf": "1041", "startedAt": "2026-11-03T10:00:00.000Z",
               "stoppedAt": "2026-11-03T10:00:04.250Z", "workflowId": "wf-7", "status": "success"},
              {"id": 17, "finished": false, "mode": "trigger", "startedAt": "2026-11-03T09:00:00.000Z",
               "stoppedAt": "2026-11-03T09:00:01.000Z", "workflowId": 3},
              {"id": 18, "finished": false, "startedAt": "2026-11-03T09:30:00.000Z", "stoppedAt": null, "workflowId": 3}
            ], "nextCursor": "MTA0MQ=="}
            """)
        #expect(page.nextCursor == "MTA0MQ==")
        #expect(page.executions.map(\.id) == ["1042", "17", "18"])
        #expect(page.executions.map(\.status) == [.success, .error, .running])
        #expect(page.executions[0].retryOf == "1041")
        #expect(page.executions[0].stoppedAt == Self.at("2026-11-03T10:00:04.250Z"))
        #expect(page.executions[1].workflowID == "3")
        #expect(page.executions.allSatisfy { $0.instance == "n8n-prod" })
    }

    @Test func aBadExecutionIsNamedByItsPosition() {
        #expect(throws: N8nExecutionPage.FormatError.self) { try Self.page(#"{"data": [{"id": "1", "workflowId": "w", "startedAt": "yesterday"}]}"#) }
        do {
            _ = try Self.page(#"{"data": [{"id": "1", "workflowId": "w", "startedAt": "2026-11-03T10:00:00Z"}, {"id": "2"}]}"#)
            Issue.record("expected a failure")
        } catch { #expect("\(error)".contains("data[1]") && "\(error)".contains("workflowId")) }
        #expect(throws: N8nExecutionPage.FormatError.self) { try Self.page("<html>login</html>") }
        #expect(throws: N8nExecutionPage.FormatError.self) { try Self.page(#"{"items": []}"#) }
    }

    static func execution(_ id: String, _ started: String, _ status: ExecutionStatus = .success) -> Execution {
        Execution(instance: "n8n-prod", id: id, workflowID: "wf", status: status, startedAt: at(started))
    }

    /// Pages of three, newest first, as n8n serves them.
    static func pages(_ executions: [Execution]) -> (String?) async throws -> N8nExecutionPage {
        { cursor in
            let start = Int(cursor ?? "0")!
            let slice = Array(executions.dropFirst(start).prefix(3))
            let next = start + 3 < executions.count ? String(start + 3) : nil
            return N8nExecutionPage(executions: slice, nextCursor: next)
        }
    }

    @Test func aFirstPollReadsEveryPageAndTheNextStopsAtTheWatermark() async throws {
        let all = (1...8).reversed().map { Self.execution("\($0)", "2026-11-03T10:0\($0):00Z") }
        let first = try await N8nPoll.run(watermark: nil, now: Self.at("2026-11-03T11:00:00Z"), fetch: Self.pages(all))
        #expect(first.executions.count == 8 && first.pages == 3)
        #expect(first.nextWatermark == Self.at("2026-11-03T10:08:00Z"))
        #expect(first.gap == nil)

        let newer = [Self.execution("10", "2026-11-03T10:10:00Z"), Self.execution("9", "2026-11-03T10:09:00Z")] + all
        let second = try await N8nPoll.run(watermark: first.nextWatermark, now: Self.at("2026-11-03T11:00:00Z"), fetch: Self.pages(newer))
        #expect(second.pages == 1, "the first page already reaches execution 8")
        #expect(second.nextWatermark == Self.at("2026-11-03T10:10:00Z"))
    }

    @Test func aRunningExecutionHoldsTheWatermarkSoItsEndIsRead() async throws {
        let executions = [Self.execution("3", "2026-11-03T10:03:00Z"), Self.execution("2", "2026-11-03T10:02:00Z", .running),
                          Self.execution("1", "2026-11-03T10:01:00Z")]
        let result = try await N8nPoll.run(watermark: nil, now: Self.at("2026-11-03T10:05:00Z"), fetch: Self.pages(executions))
        #expect(result.nextWatermark == Self.at("2026-11-03T10:02:00Z"))
        // A run stuck for more than a day no longer holds it back.
        let later = try await N8nPoll.run(watermark: nil, now: Self.at("2026-11-05T10:05:00Z"), fetch: Self.pages(executions))
        #expect(later.nextWatermark == Self.at("2026-11-03T10:03:00Z"))
    }

    @Test func executionsPrunedBeforeTheyWereReadAreReportedAsAGap() async throws {
        // Tally last read up to 10:02; n8n has since pruned everything up to 10:05.
        let remaining = (5...9).reversed().map { Self.execution("\($0)", "2026-11-03T10:0\($0):00Z") }
        let result = try await N8nPoll.run(watermark: Self.at("2026-11-03T10:02:00Z"), now: Self.at("2026-11-03T11:00:00Z"), fetch: Self.pages(remaining))
        #expect(result.executions.count == 5)
        #expect(result.gap?.after == Self.at("2026-11-03T10:02:00Z"))
        #expect(result.gap?.before == Self.at("2026-11-03T10:05:00Z"))
    }

    @Test func stateSurvivesItsJSONForm() {
        var state = N8nPollState()
        state.watermark = Self.at("2026-11-03T10:02:00Z")
        state.executionsSeen = 42
        state.gaps = [.init(after: Self.at("2026-11-01T00:00:00Z"), before: Self.at("2026-11-02T00:00:00Z"), detectedAt: Self.at("2026-11-03T00:00:00Z"))]
        #expect(N8nPollState(json: state.jsonValue) == state)
        #expect(N8nPollState(json: "garbage") == N8nPollState())
    }
}
