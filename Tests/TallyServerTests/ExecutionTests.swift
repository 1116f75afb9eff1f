import Foundation
import Testing
import TallyClient
import TallyCore
import TallyJSON
import TallyTestSupport

/// n8n polling (pruned gaps, restarts, keys that are missing or wrong), pushed executions, and
/// clients and reports refusing bad input with errors that name the field.
@Suite struct ExecutionTests {
    typealias FakeN8n = ReportTests.FakeN8n

    static func executions(_ range: ClosedRange<Int>) -> [String] {
        range.reversed().map { index in
            ReportTests.n8nExecution("\(index)", workflow: "wf-1", started: "2026-11-0\(index < 10 ? 1 : 2)T\(String(format: "%02d", index % 10 + 10)):00:00Z", status: "success")
        }
    }

    static func expectError(_ status: String, containing text: String, _ call: () async throws -> JSONValue,
                            sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            let answer = try await call()
            Issue.record("expected \(status), got \(answer.jsonText)", sourceLocation: sourceLocation)
        } catch TallyClientError.rpc(let code, let message, let actual, _, let data) {
            #expect(actual == status || (status == "InvalidParams" && code == -32602), "\(code) \(message)", sourceLocation: sourceLocation)
            #expect(message.contains(text) || (data?.jsonText.contains(text) ?? false), "\(message) \(data?.jsonText ?? "")", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func executionsPrunedBeforeAPollAreReportedAsAGapAndPollingResumesAfterARestart() async throws {
        let n8n = try await FakeN8n(executions: Self.executions(1...10), pageSize: 4)
        defer { Task { try? await n8n.receiver.stop() } }
        var server = try await TestServer.start()
        var client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
        _ = try await client.call("n8n.register", [
            "id": "n8n-main", "base_url": .string(n8n.baseURL), "api_key_file": .string(try ReportTests.keyFile()), "interval_seconds": 3600,
        ])
        let first = try await ReportTests.waitForPoll(client)
        #expect(first["executions_seen"] == 10)
        #expect(first["gaps"] == [])

        // n8n pruned 1...12 (11 and 12 were never read) and ran 13...16.
        n8n.serve(Self.executions(13...16))
        let poll = try await client.call("n8n.poll", ["id": "n8n-main"])["poll"]
        #expect(poll?["inserted"] == 4)
        #expect(poll?["gap"]?["after"] == .string(ReportTests.at("2026-11-02T10:00:00Z").rfc3339), "the newest execution read before: 10")
        #expect(poll?["gap"]?["before"] == .string(ReportTests.at("2026-11-02T13:00:00Z").rfc3339), "the oldest n8n still had: 13")

        await client.close()
        server = try await server.restarted()
        client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
        let state = try await client.call("n8n.list", [:])["instances"]?[0]?["state"]
        #expect(state?["executions_seen"] == 14)
        #expect(state?["gaps"]?.arrayValue?.count == 1)
        #expect(state?["watermark"] == .string(ReportTests.at("2026-11-02T16:00:00Z").rfc3339))
        let again = try await client.call("n8n.poll", ["id": "n8n-main"])["poll"]
        #expect(again?["inserted"] == 0 && again?["gap"] == .null, "the restart continued from the saved watermark")
        let listed = try await client.call("executions.list", ["from": "2026-11-01T00:00:00Z", "to": "2026-11-03T00:00:00Z", "limit": 1000])
        #expect(listed["executions"]?.arrayValue?.count == 14)
        await client.close()
        await server.stop()
    }

    @Test func keysAreNeverStoredOrReturnedAndMissingOrWrongKeysSayWhatToFix() async throws {
        let n8n = try await FakeN8n(executions: Self.executions(1...3))
        defer { Task { try? await n8n.receiver.stop() } }
        try await withServer { server in
            let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
            let variable = "TALLY_TEST_N8N_KEY_NEVER_SET"
            let registered = try await client.call("n8n.register", ["id": "unset", "base_url": .string(n8n.baseURL), "api_key_env": .string(variable)])
            #expect(registered["instance"]?["key_available"] == false)
            await Self.expectError("FAILED_PRECONDITION", containing: variable) { try await client.call("n8n.poll", ["id": "unset"]) }

            _ = try await client.call("n8n.register", ["id": "wrong", "base_url": .string(n8n.baseURL), "api_key_file": .string(try ReportTests.keyFile("not-the-key"))])
            await Self.expectError("UNAVAILABLE", containing: "refused the API key") { try await client.call("n8n.poll", ["id": "wrong"]) }
            let state = try await client.call("n8n.list", [:])["instances"]?.arrayValue?.first { $0["id"] == "wrong" }?["state"]
            #expect(state?["last_error"]?.stringValue?.contains("refused the API key") == true)

            let listed = try await client.call("n8n.list", [:]).jsonText
            #expect(!listed.contains("not-the-key") && !listed.contains("n8n-secret"))
            let database = try String(contentsOfFile: server.dataDirectory + "/agencies/demo.sqlite", encoding: .isoLatin1)
            #expect(!database.contains("not-the-key"), "only the file's path is stored")

            await Self.expectError("InvalidParams", containing: "base_url") {
                try await client.call("n8n.register", ["id": "x", "base_url": "ftp://n8n.example.com", "api_key_env": "N8N_KEY"])
            }
            await Self.expectError("InvalidParams", containing: "exactly one") {
                try await client.call("n8n.register", ["id": "x", "base_url": "https://n8n.example.com"])
            }
            await Self.expectError("InvalidParams", containing: "not the key itself") {
                try await client.call("n8n.register", ["id": "x", "base_url": "https://n8n.example.com", "api_key_env": "eyJhbGciOi.secret-value"])
            }
            await Self.expectError("NOT_FOUND", containing: "n8n.list") { try await client.call("n8n.poll", ["id": "nope"]) }
            await Self.expectError("NOT_FOUND", containing: "nope") { try await client.call("n8n.unregister", ["id": "nope"]) }
            #expect(try await client.call("n8n.unregister", ["id": "wrong"])["unregistered"] == "wrong")
            await client.close()
        }
    }

    @Test func pushedExecutionsAreStoredOnceUpdatedWhenTheyFinishAndBadOnesNamed() async throws {
        try await withServer { server in
            let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
            let running: JSONValue = ["instance": "n8n-a", "id": 7, "workflow": ["id": "wf-9", "name": "Nine"], "status": "running",
                                      "started_at": "2026-11-03T10:00:00Z", "client": "umbrella"]
            let first = try await client.call("ingest.executions", ["executions": [
                running,
                ["instance": "n8n-a", "id": "8", "workflow": "wf-9", "status": "done", "started_at": "2026-11-03T10:00:00Z"],
                ["instance": "n8n-a", "id": "9", "workflow": "wf-9", "status": "success", "started_at": "2026-11-03T10:00:00Z", "stopped_at": "2026-11-03T09:00:00Z"],
                ["instance": "n8n-a", "workflow": "wf-9", "status": "success", "started_at": "2026-11-03T10:00:00Z"],
            ]])
            #expect(first["inserted"] == 1 && first["rejected"] == 3)
            #expect(first["results"]?[1]?["field"] == "executions[1].status")
            #expect(first["results"]?[1]?["reason"]?.stringValue?.contains("success, error") == true)
            #expect(first["results"]?[2]?["field"] == "executions[2].stopped_at")
            #expect(first["results"]?[3]?["field"] == "executions[3].id")

            #expect(try await client.call("ingest.executions", ["executions": [running]])["unchanged"] == 1, "a retry stores nothing twice")
            guard case .object(var finished) = running else { return }
            finished["status"] = "success"
            finished["stopped_at"] = "2026-11-03T10:00:09Z"
            #expect(try await client.call("ingest.executions", ["executions": [.object(finished)]])["updated"] == 1)
            let listed = try await client.call("executions.list", ["from": "2026-11-03T00:00:00Z", "to": "2026-11-04T00:00:00Z"])["executions"]
            #expect(listed?.arrayValue?.count == 1)
            #expect(listed?[0]?["status"] == "success" && listed?[0]?["client"] == "umbrella" && listed?[0]?["workflow_name"] == "Nine")

            let clients = try await client.call("clients.list", [:])["clients"]?.arrayValue ?? []
            #expect(clients.first { $0["id"] == "umbrella" }?["automatic"] == true, "a client named by an execution appears with defaults")
            await client.close()
        }
    }

    @Test func clientsAndReportsRefuseBadInputNamingTheField() async throws {
        try await withServer { server in
            let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
            await Self.expectError("InvalidParams", containing: "plan.fee") {
                try await client.call("clients.upsert", ["id": "acme", "plan": ["type": "retainer"]])
            }
            await Self.expectError("InvalidParams", containing: "plan.type") {
                try await client.call("clients.upsert", ["id": "acme", "plan": ["type": "hourly"]])
            }
            await Self.expectError("InvalidParams", containing: "plan.markup_percent") {
                try await client.call("clients.upsert", ["id": "acme", "plan": ["type": "cost_plus", "markup_percent": "-5"]])
            }
            await Self.expectError("InvalidParams", containing: "workflows.wf-1.minutes") {
                try await client.call("clients.upsert", ["id": "acme", "workflows": ["wf-1": ["minutes": 3]]])
            }
            await Self.expectError("InvalidParams", containing: "unattributed") {
                try await client.call("clients.upsert", ["id": "unattributed"])
            }
            // Members left out keep their values.
            _ = try await client.call("clients.upsert", ["id": "acme", "name": "ACME", "plan": ["type": "cost_plus", "markup_percent": "12.5"]])
            let renamed = try await client.call("clients.upsert", ["id": "acme", "contact": "ops@acme.example"])["client"]
            #expect(renamed?["name"] == "ACME" && renamed?["plan"]?["markup_percent"] == "12.5")

            await Self.expectError("NOT_FOUND", containing: "never configured") {
                try await client.call("reports.client", ["client": "nobody", "period": "2026-10"])
            }
            await Self.expectError("InvalidParams", containing: "YYYY-MM") { try await client.call("reports.agency", ["period": "2026-13"]) }
            await Self.expectError("InvalidParams", containing: "not both") {
                try await client.call("reports.agency", ["period": "2026-10", "from": "2026-10-01T00:00:00Z"])
            }
            await Self.expectError("InvalidParams", containing: "format") { try await client.call("reports.agency", ["format": "pdf"]) }
            let empty = try await client.call("reports.client", ["client": "acme", "period": "2026-10", "format": "markdown"])
            #expect(empty["content"]?.stringValue?.contains("- **Tasks automated**: 0") == true, "a month without activity is a report of zeros")
            await client.close()
        }
    }
}
