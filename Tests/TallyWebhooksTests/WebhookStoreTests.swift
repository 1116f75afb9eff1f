import Foundation
import Testing
import TallyCore
import TallyJSON
import TallyStore
@testable import TallyWebhooks

/// The outbox and endpoint rules, without the network.
@Suite struct WebhookStoreTests {
    @Test(arguments: ["", "ftp://example.com/hook", "not a url", "http://", "https:///path", "example.com/hook", "http://exa mple.com/", "http://example.com:70000/"])
    func aBadURLIsRefusedNamingTheField(url: String) {
        let error = #expect(throws: WebhookError.self) { try WebhookEndpoint(id: "ops", url: url) }
        #expect(error?.field == "url")
        #expect(error.map { "\($0)".hasPrefix("invalid url:") } == true)
    }

    @Test func goodURLsAndBadFieldsAreTold() throws {
        _ = try WebhookEndpoint(id: "ops", url: "https://hooks.slack.com/services/T0/B0/x")
        _ = try WebhookEndpoint(id: "ops-2.eu", url: "http://127.0.0.1:8080/hook?x=1")
        #expect(throws: WebhookError.self) { try WebhookEndpoint(id: "-ops", url: "https://example.com") }
        #expect((try? WebhookEndpoint(id: "has space", url: "https://example.com")) == nil)
        do {
            _ = try WebhookEndpoint(id: "ops", url: "https://example.com", secret: "short")
            Issue.record("a short secret was accepted")
        } catch {
            #expect(error.field == "secret")
        }
    }

    @Test func aGeneratedSecretIsShownOnceAndListedAsAHint() async throws {
        try await withFixture { fixture in
            let created = try await fixture.store.setEndpoint(WebhookEndpoint(id: "ops", url: "https://example.com/hook"))
            #expect(created.created)
            let secret = try #require(created.secret)
            #expect(secret.count == 64)
            #expect(created.endpoint.secretHint == String(secret.prefix(4)) + "…")

            // An update without a secret keeps it and does not show it again.
            let updated = try await fixture.store.setEndpoint(WebhookEndpoint(id: "ops", url: "https://example.com/v2", format: .slack, minimumLevel: .warning))
            #expect(!updated.created)
            #expect(updated.secret == nil)
            #expect(updated.endpoint.createdAt == created.endpoint.createdAt)
            #expect(try await fixture.store.storedEndpoint(id: "ops")?.secret == secret)

            let listed = try await fixture.store.endpoints()
            #expect(listed.map(\.id) == ["ops"])
            #expect(listed[0].url == "https://example.com/v2")
            #expect(listed[0].format == .slack)
            #expect(listed[0].minimumLevel == .warning)
            let text = listed[0].json.jsonText
            #expect(!text.contains(secret))
            #expect(listed[0].json["secret_hint"]?.stringValue == String(secret.prefix(4)) + "…")

            // A given secret replaces it and is returned.
            let rotated = try await fixture.store.setEndpoint(WebhookEndpoint(id: "ops", url: "https://example.com/v2", secret: "a-new-secret-of-mine"))
            #expect(rotated.secret == "a-new-secret-of-mine")
        }
    }

    @Test func enqueueWritesOneDeliveryPerMatchingEnabledEndpoint() async throws {
        try await withFixture { fixture in
            let store = fixture.store
            _ = try await store.setEndpoint(WebhookEndpoint(id: "all", url: "https://example.com/a"))
            _ = try await store.setEndpoint(WebhookEndpoint(id: "critical-only", url: "https://example.com/c", minimumLevel: .critical))
            _ = try await store.setEndpoint(WebhookEndpoint(id: "off", url: "https://example.com/o", enabled: false))

            let info = try await store.enqueue(alert: ["message": "hello"], alertID: "a1", level: "info")
            #expect(info.count == 1)
            let critical = try await store.enqueue(alert: ["message": "fire"], alertID: "a2", level: "critical")
            #expect(critical.count == 2)
            // The same alert again (a retry after a crash) adds nothing.
            #expect(try await store.enqueue(alert: ["message": "fire"], alertID: "a2", level: "critical").isEmpty)

            let pending = try await store.deliveries(state: .pending)
            #expect(pending.count == 3)
            #expect(Set(pending.map(\.endpointID)) == ["all", "critical-only"])
            #expect(pending.allSatisfy { $0.attempts == 0 && $0.nextAttemptAt != nil })
            #expect(try await store.deliveryCounts() == WebhookDeliveryCounts(pending: 3))

            await #expect(throws: WebhookError.invalidField(field: "level", reason: "use info, warning or critical (got \"fatal\")")) {
                try await store.enqueue(alert: [:], alertID: "a3", level: "fatal")
            }
        }
    }

    @Test func deletingAnEndpointKeepsItsPendingDeliveriesAsDead() async throws {
        try await withFixture { fixture in
            let store = fixture.store
            _ = try await store.setEndpoint(WebhookEndpoint(id: "ops", url: "https://example.com/a"))
            let ids = try await store.enqueue(alert: ["message": "hello"], alertID: "a1", level: "warning")
            #expect(try await store.deleteEndpoint(id: "ops") == 1)
            let dead = try #require(try await store.delivery(id: ids[0]))
            #expect(dead.state == .dead)
            #expect(dead.lastError?.contains("deleted") == true)
            #expect(try await store.endpoints().isEmpty)
            await #expect(throws: WebhookError.unknownEndpoint("ops")) { try await store.deleteEndpoint(id: "ops") }
        }
    }

    @Test func backoffDoublesWithJitterUpToTheCap() {
        let configuration = WebhookDeliverer.Configuration(retryBase: .seconds(1), retryCap: .seconds(600), jitter: 0.2)
        for (failures, expected) in [(1, 1), (2, 2), (3, 4), (4, 8), (10, 512)] {
            let delay = configuration.retryDelay(afterFailures: failures)
            #expect(delay >= .milliseconds(800 * expected) && delay <= .milliseconds(1200 * expected))
        }
        for failures in [11, 20, 64, 1000] {
            let delay = configuration.retryDelay(afterFailures: failures)
            #expect(delay >= .seconds(480) && delay <= .seconds(600))
        }
        let exact = WebhookDeliverer.Configuration(retryBase: .milliseconds(10), retryCap: .milliseconds(100), jitter: 0)
        #expect(exact.retryDelay(afterFailures: 1) == .milliseconds(10))
        #expect(exact.retryDelay(afterFailures: 4) == .milliseconds(80))
        #expect(exact.retryDelay(afterFailures: 5) == .milliseconds(100))
    }

    /// The vector was computed with Python's `hmac` (as in the docs' snippet), so Swift and the
    /// documented check agree byte for byte.
    @Test func theSignatureMatchesPythonsHMAC() {
        let body = Array(#"{"a":1}"#.utf8)
        #expect(WebhookSignature.hmacHex(secret: "test-secret-0123456789", timestamp: 1_700_000_000, body: body)
            == "6e873f59dc6002f6de5f578e9bf3f90a7906473a2924651d6f4cc33d61aff598")
        let header = WebhookSignature.header(secret: "test-secret-0123456789", timestamp: 1_700_000_000, body: body)
        #expect(header == "t=1700000000,v1=6e873f59dc6002f6de5f578e9bf3f90a7906473a2924651d6f4cc33d61aff598")
        #expect(WebhookSignature.verify(header: header, body: body, secret: "test-secret-0123456789", now: 1_700_000_100))
        // Too old: a replay.
        #expect(!WebhookSignature.verify(header: header, body: body, secret: "test-secret-0123456789", now: 1_700_000_400))
    }

    @Test func theSchemaIsVersioned() async throws {
        try await withFixture { fixture in
            let connection = try SQLiteConnection(path: fixture.directory + "/" + WebhookStore.fileName)
            #expect(try WebhookStore.migrator.currentVersion(connection) == WebhookStore.migrator.latestVersion)
        }
    }
}
