import Foundation
import Synchronization
import Testing
import TallyCore
import TallyJSON
import TallyStore
import TallyReconcile
import TallyTestSupport

/// Connectors against a fake provider on loopback (real HTTP), and the store they fill.
@Suite struct ConnectorTests {
    /// One store thread for every test of the suite.
    static let executor = StoreExecutor(threads: 1)

    static func folder() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("tally-reconcile-\(UUID().uuidString)").path }

    static func keyFile(_ secret: String = "sk-admin-test") throws -> String {
        let path = folder() + ".key"
        try secret.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func bucket(_ day: Int, _ results: String) -> String {
        #"{"object":"bucket","start_time":\#(1790812800 + (day - 1) * 86400),"end_time":\#(1790812800 + day * 86400),"results":[\#(results)]}"#
    }

    @Test func anOpenAIPullFollowsCursorsStoresOnlyItsDaysAndIsIdempotent() async throws {
        let receiver = try await TestReceiver.start(route: { _, request in
            if request.uri.hasPrefix("/v1/organization/costs") {
                if request.uri.contains("page=cur%2F2") {
                    return .json(#"{"object":"page","data":[\#(Self.bucket(2, #"{"amount":{"value":-3,"currency":"usd"},"line_item":"Credit","project_id":null,"api_key_id":null}"#))],"has_more":false,"next_page":null}"#)
                }
                return .json(#"{"object":"page","data":[\#(Self.bucket(1, #"{"amount":{"value":1.5,"currency":"usd"},"line_item":"gpt-4o, input","project_id":"proj_1","api_key_id":"key_a"}"#)),\#(Self.bucket(3, ""))],"has_more":true,"next_page":"cur/2"}"#)
            }
            if request.uri.hasPrefix("/v1/organization/usage/completions") {
                return .json(#"{"object":"page","data":[\#(Self.bucket(3, #"{"input_tokens":1,"num_model_requests":2,"project_id":"proj_1","api_key_id":"key_b"},{"input_tokens":1,"api_key_id":null}"#))],"has_more":false,"next_page":null}"#)
            }
            return .json(#"{"error":"not found"}"#, status: 404)
        })
        let store = try ProviderUsageStore(directory: Self.folder(), loop: Self.executor.nextLoop())
        try await store.setConnector(ConnectorSettings(provider: "openai", baseURL: receiver.baseURL, adminKeyEnvironment: nil,
                                                       adminKeyFile: try Self.keyFile()), at: .now)
        let poller = ConnectorPoller(store: store)
        let from = try UTCDate.parse("2026-10-01"), to = try UTCDate.parse("2026-10-03")
        let first = try await poller.pull(provider: "openai", from: from, to: to)
        #expect(first.stored.costs == 2)
        #expect(first.stored.sightings == 1)
        _ = try await poller.pull(provider: "openai", from: from, to: to)
        let rows = try await store.costs(provider: "openai", from: from, to: to)
        #expect(rows.count == 2)
        #expect(Money.sum(rows.map(\.amount)) == (try Money.parse("-1.5")))
        #expect(try await store.providerKeys().map(\.keyID) == ["key_a", "key_b"])
        let requests = receiver.requests
        #expect(requests.allSatisfy { $0.headers["Authorization"].first == "Bearer sk-admin-test" })
        #expect(requests.first?.uri.contains("start_time=1790812800&end_time=1791072000&bucket_width=1d") == true)
        #expect(requests.first?.uri.contains("group_by%5B%5D=api_key_id") == true)
        let listed = try await store.connectors()
        #expect(listed.first?.lastError == nil)
        #expect(listed.first?.lastPullAt != nil)
        #expect(!listed.first!.jsonValue.jsonText.contains("sk-admin-test"))
        await poller.shutdown()
        #expect(await poller.state == .stopped)
        await #expect(throws: ReconcileError.shutDown) { try await poller.pull(provider: "openai", from: from, to: to) }
        try await receiver.stop()
    }

    @Test func anthropicAndOpenRouterPullsReadTheirShapes() async throws {
        let receiver = try await TestReceiver.start(route: { _, request in
            if request.uri.hasPrefix("/v1/organizations/cost_report") {
                return .json(#"{"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[{"currency":"USD","amount":"250","workspace_id":null,"description":"Claude Usage"}]}],"has_more":false,"next_page":null}"#)
            }
            if request.uri.hasPrefix("/v1/organizations/usage_report/messages") {
                return .json(#"{"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[{"uncached_input_tokens":3,"api_key_id":null},{"uncached_input_tokens":3,"api_key_id":"apikey_x"}]}],"has_more":false,"next_page":null}"#)
            }
            if request.uri.hasPrefix("/api/v1/activity") {
                return .json(#"{"data":[{"date":"2026-09-01","model":"m","usage":9},{"date":"2026-10-02","model":"m","usage":0.25}]}"#)
            }
            return .json("{}", status: 404)
        })
        let store = try ProviderUsageStore(directory: Self.folder(), loop: Self.executor.nextLoop())
        let environment = ["ANTHROPIC_ADMIN_KEY": "sk-ant-admin-test", "OPENROUTER_KEY": "sk-or-mgmt"]
        try await store.setConnector(ConnectorSettings(provider: "anthropic", baseURL: receiver.baseURL, adminKeyEnvironment: "ANTHROPIC_ADMIN_KEY", adminKeyFile: nil), at: .now)
        try await store.setConnector(ConnectorSettings(provider: "openrouter", baseURL: receiver.baseURL + "/", adminKeyEnvironment: "OPENROUTER_KEY", adminKeyFile: nil), at: .now)
        let poller = ConnectorPoller(store: store, environment: { environment[$0] })
        let from = try UTCDate.parse("2026-10-01"), to = try UTCDate.parse("2026-10-31")
        let anthropic = try await poller.pull(provider: "anthropic", from: from, to: to)
        #expect(anthropic.data.costs.map(\.amount) == [try Money.parse("2.5")])
        #expect(anthropic.data.sightings.map(\.apiKey) == ["apikey_x"])
        let anthropicRequests = receiver.requests.filter { $0.uri.hasPrefix("/v1/organizations/") }
        #expect(anthropicRequests.count == 2)
        #expect(anthropicRequests.allSatisfy { $0.headers["x-api-key"].first == "sk-ant-admin-test" && $0.headers["anthropic-version"].first == "2023-06-01" })
        #expect(anthropicRequests.first?.uri.contains("starting_at=2026-10-01T00:00:00Z&ending_at=2026-11-01T00:00:00Z") == true)
        let openRouter = try await poller.pull(provider: "openrouter", from: from, to: to)
        // Only the days asked for: September's line is outside.
        #expect(openRouter.data.costs.map(\.amount) == [try Money.parse("0.25")])
        await poller.shutdown()
        try await receiver.stop()
    }

    @Test func aMissingVariableAProviderErrorAndNoConnectorAreClearAndRecorded() async throws {
        let receiver = try await TestReceiver.start(route: { _, _ in .json(#"{"error":{"message":"invalid admin key"}}"#, status: 401) })
        let store = try ProviderUsageStore(directory: Self.folder(), loop: Self.executor.nextLoop())
        let poller = ConnectorPoller(store: store, environment: { _ in nil })
        let day = try UTCDate.parse("2026-10-01")
        await #expect(throws: ReconcileError.noConnector("openai")) { try await poller.pull(provider: "openai", from: day, to: day) }
        try await store.setConnector(ConnectorSettings(provider: "openai", baseURL: receiver.baseURL, adminKeyEnvironment: "TALLY_UNSET_OPENAI_ADMIN_KEY", adminKeyFile: nil), at: .now)
        await #expect(throws: ReconcileError.missingEnvironmentVariable("TALLY_UNSET_OPENAI_ADMIN_KEY")) { try await poller.pull(provider: "openai", from: day, to: day) }
        #expect(try await store.connectors().first?.lastError?.contains("TALLY_UNSET_OPENAI_ADMIN_KEY") == true)
        #expect(receiver.count == 0)
        try await store.setConnector(ConnectorSettings(provider: "openai", baseURL: receiver.baseURL, adminKeyEnvironment: nil, adminKeyFile: try Self.keyFile()), at: .now)
        await #expect {
            try await poller.pull(provider: "openai", from: day, to: day)
        } throws: { error in
            guard case ReconcileError.fetchFailed(let url, let reason) = error else { return false }
            return url.hasSuffix("/v1/organization/costs") && reason.contains("HTTP 401") && reason.contains("invalid admin key")
        }
        await poller.shutdown()
        try await receiver.stop()
    }

    @Test func importsReplaceTheirDaysAndRegisteredKeysRoundTrip() async throws {
        let store = try ProviderUsageStore(directory: Self.folder(), loop: Self.executor.nextLoop())
        let csv = "date,provider,project,api_key,amount\n2026-10-01,openai,p,key_a,1\n2026-10-02,openai,p,key_a,2\n"
        let data = try ProviderFormat.csv.parse(csv)
        try await store.replace(provider: "openai", costDays: data.days, sightingDays: [], data: data, source: "import", at: .now)
        let again = try ProviderFormat.csv.parse("date,provider,project,api_key,amount\n2026-10-02,openai,p,key_a,5\n")
        try await store.replace(provider: "openai", costDays: again.days, sightingDays: [], data: again, source: "import", at: .now)
        let rows = try await store.costs(provider: nil, from: try UTCDate.parse("2026-10-01"), to: try UTCDate.parse("2026-10-31"))
        #expect(rows.map(\.amount) == [try Money.parse("1"), try Money.parse("5")])
        let key = RegisteredKey(provider: "openai", keyID: "key_a", client: "acme", purpose: "support bot", createdAt: try UTCDate.parse("2026-07-01"))
        #expect(try await store.registerKey(key, at: .now))
        #expect(try await !store.registerKey(key, at: .now))
        #expect(try await store.registeredKeys() == [key])
    }

    @Test func theScheduleWaitsOneIntervalThenPullsTheLast31DaysAndStopsOnShutdown() async throws {
        let receiver = try await TestReceiver.start(route: { _, _ in .json(#"{"data":[{"date":"2026-10-20","model":"m","usage":1.5}]}"#) })
        let store = try ProviderUsageStore(directory: Self.folder(), loop: Self.executor.nextLoop())
        try await store.setConnector(ConnectorSettings(provider: "openrouter", baseURL: receiver.baseURL, adminKeyEnvironment: "KEY", adminKeyFile: nil,
                                                       intervalSeconds: 3_600), at: .now)
        // A clock the test moves: 2026-10-31T12:00Z at the start.
        let now = Mutex(try Timestamp(rfc3339: "2026-10-31T12:00:00Z"))
        let pulls = Mutex<[ConnectorPoller.PullResult]>([])
        let poller = ConnectorPoller(store: store, environment: { _ in "sk-or-test" }, onPulled: { result in pulls.withLock { $0.append(result) } },
                                     clock: { now.withLock { $0 } }, tick: .milliseconds(10))
        await poller.start()
        #expect(await poller.state == .running)
        try await Task.sleep(for: .milliseconds(100))
        #expect(receiver.count == 0, "nothing before one interval has passed")

        now.withLock { $0 = $0.advanced(byMicroseconds: 3_601 * Timestamp.microsecondsPerSecond) }
        let deadline = ContinuousClock.now + .seconds(20)
        while pulls.withLock({ $0.isEmpty }) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let pull = try #require(pulls.withLock { $0.first })
        #expect(pull.from.description == "2026-10-01")
        #expect(pull.to.description == "2026-10-31")
        #expect(pull.stored.costs == 1)
        // Pulled: the next is one interval after this pull (the clock has not moved).
        try await Task.sleep(for: .milliseconds(100))
        #expect(pulls.withLock { $0.count } == 1)

        await poller.shutdown()
        #expect(await poller.state == .stopped)
        await poller.shutdown()  // twice is fine
        try await receiver.stop()
    }
}
