import TallyTestSupport
import Crypto
import Foundation
import NIOCore
import Testing
import TallyCore
import TallyJSON
import TallyStore
@testable import TallyWebhooks

/// Deliveries over a real loopback socket. Timings are never asserted: backoff is milliseconds,
/// and each wait polls with a generous timeout.
@Suite struct WebhookDeliveryTests {
    static let fast = WebhookDeliverer.Configuration(
        requestTimeout: .seconds(10), connectTimeout: .milliseconds(500), retryBase: .milliseconds(10), retryCap: .milliseconds(100), maximumAttempts: 20,
        idleCheckInterval: .milliseconds(200))

    static let alert: JSONValue = [
        "rule": "monthly-budget", "agency": "acme", "message": "Budget 80% reached for client <north>",
        "spent": "800.00", "currency": "USD",
    ]

    @Test func aDeliveryCarriesAVerifiableSignature() async throws {
        try await withFixture { fixture in
            let receiver = try await TestReceiver.start()
            defer { Task { try? await receiver.stop() } }
            let secret = "s3cret-s3cret-s3cret"
            _ = try await fixture.store.setEndpoint(WebhookEndpoint(id: "ops", url: receiver.url, secret: secret))
            let deliverer = WebhookDeliverer(store: fixture.store, configuration: Self.fast)
            await deliverer.start()
            let ids = try await deliverer.enqueue(alert: Self.alert, alertID: "alert-1", level: "warning")
            #expect(ids.count == 1)

            try await eventually { try await fixture.store.delivery(id: ids[0])?.state == .delivered }
            await deliverer.shutdown()
            #expect(await deliverer.state == .stopped)

            let request = try #require(receiver.requests.first)
            #expect(receiver.count == 1)
            #expect(request.method == .POST)
            #expect(request.headers["Content-Type"].first == "application/json")
            #expect(request.headers["X-Tally-Event"].first == "alert.fired")
            #expect(request.headers["X-Tally-Delivery"].first == ids[0])

            // The check a receiver makes, written out here with Crypto directly.
            let header = try #require(request.headers["X-Tally-Signature"].first)
            let parts = Dictionary(uniqueKeysWithValues: header.split(separator: ",").map { part in
                let pair = part.split(separator: "=", maxSplits: 1)
                return (String(pair[0]), String(pair[1]))
            })
            let t = try #require(parts["t"])
            let v1 = try #require(parts["v1"])
            let mac = HMAC<SHA256>.authenticationCode(for: Array((t + ".").utf8) + request.body, using: SymmetricKey(data: Array(secret.utf8)))
            #expect(v1 == mac.map { String(format: "%02x", $0) }.joined())
            #expect(abs(Int64(t)! - Timestamp.now.secondsSinceEpoch) < 300)
            #expect(WebhookSignature.verify(header: header, body: request.body, secret: secret, now: Timestamp.now.secondsSinceEpoch))
            #expect(!WebhookSignature.verify(header: header, body: request.body + [0x20], secret: secret, now: Timestamp.now.secondsSinceEpoch))
            #expect(!WebhookSignature.verify(header: header, body: request.body, secret: "another-secret-value", now: Timestamp.now.secondsSinceEpoch))

            let body = try JSONCodec.parse(request.body)
            #expect(body["type"] == "alert.fired")
            #expect(body["id"]?.stringValue == ids[0])
            #expect(body["alert_id"] == "alert-1")
            #expect(body["level"] == "warning")
            #expect(body["alert"] == Self.alert)
            #expect(try Timestamp(rfc3339: try #require(body["created_at"]?.stringValue)).microsecondsSinceEpoch > 0)

            let delivered = try #require(try await fixture.store.delivery(id: ids[0]))
            #expect(delivered.attempts == 1)
            #expect(delivered.lastStatus == 200)
            #expect(delivered.deliveredAt != nil)
            #expect(delivered.nextAttemptAt == nil)
        }
    }

    @Test func aReceiverThatIsDownIsRetriedUntilItAnswers() async throws {
        try await withFixture { fixture in
            // 503 for the first three requests, then 200.
            let receiver = try await TestReceiver.start { index in index < 3 ? (503, "maintenance") : (200, "ok") }
            defer { Task { try? await receiver.stop() } }
            _ = try await fixture.store.setEndpoint(WebhookEndpoint(id: "ops", url: receiver.url))
            let deliverer = WebhookDeliverer(store: fixture.store, configuration: Self.fast)
            await deliverer.start()
            let ids = try await deliverer.enqueue(alert: Self.alert, alertID: "alert-2", level: "critical")

            try await eventually { try await fixture.store.delivery(id: ids[0])?.state == .delivered }
            // A little more time for a duplicate to show up, if the deliverer were to send one.
            try await Task.sleep(for: .milliseconds(300))
            await deliverer.shutdown()

            let delivery = try #require(try await fixture.store.delivery(id: ids[0]))
            #expect(delivery.attempts == 4)
            #expect(delivery.lastStatus == 200)
            #expect(receiver.count == 4)
            #expect(receiver.requests.filter { $0.headers["X-Tally-Delivery"].first == ids[0] }.count == 4)
            // Every retry sends the same bytes, signed anew.
            #expect(Set(receiver.requests.map(\.body)).count == 1)
            #expect(try await fixture.store.deliveryCounts() == WebhookDeliveryCounts(pending: 0, delivered: 1, dead: 0))
        }
    }

    @Test func aNewDelivererOnTheSameFileSendsWhatWasPending() async throws {
        try await withFixture { fixture in
            let port = try await TestReceiver.closedPort()
            let url = "http://127.0.0.1:\(port)/hook"
            _ = try await fixture.store.setEndpoint(WebhookEndpoint(id: "ops", url: url))
            let first = WebhookDeliverer(store: fixture.store, configuration: Self.fast)
            await first.start()
            let ids = try await first.enqueue(alert: Self.alert, alertID: "alert-3", level: "info")
            try await eventually { (try await fixture.store.delivery(id: ids[0])?.attempts ?? 0) >= 2 }
            await first.shutdown()
            let pending = try #require(try await fixture.store.delivery(id: ids[0]))
            #expect(pending.state == .pending)
            #expect(pending.lastError != nil)
            #expect(pending.lastStatus == nil)

            // As after a restart: a new store and deliverer on the same folder.
            let store = try WebhookStore(directory: fixture.directory, loop: fixture.executor.nextLoop())
            let receiver = try await TestReceiver.start(port: port)
            defer { Task { try? await receiver.stop() } }
            let second = WebhookDeliverer(store: store, configuration: Self.fast)
            await second.start()
            try await eventually { try await store.delivery(id: ids[0])?.state == .delivered }
            await second.shutdown()

            #expect(receiver.count == 1)
            #expect(receiver.requests.first?.headers["X-Tally-Delivery"].first == ids[0])
            let delivered = try #require(try await store.delivery(id: ids[0]))
            #expect(delivered.attempts == pending.attempts + 1)
        }
    }

    @Test func aSlackEndpointGetsATextBody() async throws {
        try await withFixture { fixture in
            let receiver = try await TestReceiver.start()
            defer { Task { try? await receiver.stop() } }
            _ = try await fixture.store.setEndpoint(WebhookEndpoint(id: "slack", url: receiver.url, format: .slack))
            let deliverer = WebhookDeliverer(store: fixture.store, configuration: Self.fast)
            await deliverer.start()
            let ids = try await deliverer.enqueue(alert: Self.alert, alertID: "alert-4", level: "critical")
            try await eventually { try await fixture.store.delivery(id: ids[0])?.state == .delivered }
            await deliverer.shutdown()

            let request = try #require(receiver.requests.first)
            let body = try JSONCodec.parse(request.body)
            #expect(body.objectValue?.keys.sorted() == ["text"])
            let text = try #require(body["text"]?.stringValue)
            #expect(text.contains("critical"))
            #expect(text.contains("Budget 80% reached for client &lt;north&gt;"))
            #expect(text.contains("alert-4"))
            #expect(request.headers["X-Tally-Signature"].first?.hasPrefix("t=") == true)
        }
    }

    @Test func aDeliveryIsDeadAfterTheMaximumAttemptsAndStaysListed() async throws {
        try await withFixture { fixture in
            let receiver = try await TestReceiver.start { _ in (500, "boom: database down") }
            defer { Task { try? await receiver.stop() } }
            _ = try await fixture.store.setEndpoint(WebhookEndpoint(id: "ops", url: receiver.url))
            var configuration = Self.fast
            configuration.maximumAttempts = 3
            let deliverer = WebhookDeliverer(store: fixture.store, configuration: configuration)
            await deliverer.start()
            let ids = try await deliverer.enqueue(alert: Self.alert, alertID: "alert-6", level: "warning")
            try await eventually { try await fixture.store.delivery(id: ids[0])?.state == .dead }
            try await Task.sleep(for: .milliseconds(300))
            await deliverer.shutdown()

            #expect(receiver.count == 3)
            let dead = try await fixture.store.deliveries(state: .dead, limit: 10)
            #expect(dead.map(\.id) == ids)
            let delivery = try #require(dead.first)
            #expect(delivery.attempts == 3)
            #expect(delivery.lastStatus == 500)
            #expect(delivery.lastError?.contains("HTTP 500") == true)
            #expect(delivery.lastError?.contains("boom: database down") == true)
            #expect(delivery.nextAttemptAt == nil)
            #expect(try await fixture.store.deliveries(limit: 10).map(\.id) == ids)
            #expect(try await fixture.store.deliveryCounts() == WebhookDeliveryCounts(pending: 0, delivered: 0, dead: 1))
            let listed = delivery.json()
            #expect(listed["state"] == "dead")
            #expect(listed["last_error"]?.stringValue?.contains("boom") == true)
        }
    }

    @Test func aReceiverThatDoesNotAnswerTimesOutAndIsRetried() async throws {
        try await withFixture { fixture in
            // The first request is never answered; the second is.
            let receiver = try await TestReceiver.start { index in index == 0 ? (0, "") : (200, "ok") }
            defer { Task { try? await receiver.stop() } }
            _ = try await fixture.store.setEndpoint(WebhookEndpoint(id: "ops", url: receiver.url))
            var configuration = Self.fast
            configuration.requestTimeout = .milliseconds(300)
            let deliverer = WebhookDeliverer(store: fixture.store, configuration: configuration)
            await deliverer.start()
            let ids = try await deliverer.enqueue(alert: Self.alert, alertID: "alert-7", level: "warning")
            try await eventually { try await fixture.store.delivery(id: ids[0])?.state == .delivered }
            await deliverer.shutdown()
            let delivery = try #require(try await fixture.store.delivery(id: ids[0]))
            #expect(delivery.attempts == 2)
            #expect(receiver.count == 2)
        }
    }

    @Test func shutdownIsGracefulAndFinal() async throws {
        try await withFixture { fixture in
            let deliverer = WebhookDeliverer(store: fixture.store, configuration: Self.fast)
            #expect(await deliverer.state == .idle)
            await deliverer.start()
            #expect(await deliverer.state == .running)
            async let first: Void = deliverer.shutdown()
            async let second: Void = deliverer.shutdown()
            _ = await (first, second)
            #expect(await deliverer.state == .stopped)
            await deliverer.start()
            #expect(await deliverer.state == .stopped)
            // Enqueued after shutdown: kept pending in the file for the next deliverer.
            _ = try await fixture.store.setEndpoint(WebhookEndpoint(id: "ops", url: "http://127.0.0.1:9/"))
            let ids = try await deliverer.enqueue(alert: Self.alert, alertID: "late", level: "info")
            #expect(try await fixture.store.delivery(id: ids[0])?.state == .pending)
        }
    }

    @Test func testSendsASignedTestEventOutsideTheOutbox() async throws {
        try await withFixture { fixture in
            let receiver = try await TestReceiver.start { index in index == 0 ? (204, "") : (503, "not now") }
            defer { Task { try? await receiver.stop() } }
            let set = try await fixture.store.setEndpoint(WebhookEndpoint(id: "ops", url: receiver.url, enabled: false))
            let secret = try #require(set.secret)
            let deliverer = WebhookDeliverer(store: fixture.store, configuration: Self.fast)

            let ok = try await deliverer.test(endpointID: "ops")
            #expect(ok.status == 204)
            #expect(ok.succeeded)
            let request = try #require(receiver.requests.first)
            #expect(request.headers["X-Tally-Event"].first == "webhook.test")
            #expect(request.headers["X-Tally-Delivery"].first == ok.deliveryID)
            #expect(WebhookSignature.verify(header: request.headers["X-Tally-Signature"].first ?? "", body: request.body,
                                            secret: secret, now: Timestamp.now.secondsSinceEpoch))
            #expect(try JSONCodec.parse(request.body)["type"] == "webhook.test")

            let refused = try await deliverer.test(endpointID: "ops")
            #expect(refused.status == 503)
            #expect(refused.error?.contains("not now") == true)
            #expect(try await fixture.store.deliveries().isEmpty)

            await #expect(throws: WebhookError.unknownEndpoint("nope")) { try await deliverer.test(endpointID: "nope") }
            await deliverer.shutdown()
            await #expect(throws: WebhookError.shutDown) { try await deliverer.test(endpointID: "ops") }
        }
    }

    @Test func testReportsAReceiverThatIsDown() async throws {
        try await withFixture { fixture in
            let port = try await TestReceiver.closedPort()
            _ = try await fixture.store.setEndpoint(WebhookEndpoint(id: "ops", url: "http://127.0.0.1:\(port)/"))
            let deliverer = WebhookDeliverer(store: fixture.store, configuration: Self.fast)
            let result = try await deliverer.test(endpointID: "ops")
            #expect(result.status == nil)
            #expect(result.error != nil)
            #expect(!result.succeeded)
            await deliverer.shutdown()
        }
    }
}

// MARK: Helpers

struct Fixture {
    let directory: String
    let executor: StoreExecutor
    let store: WebhookStore
}

func withFixture(_ body: (Fixture) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-webhooks-\(UUID().uuidString)").path
    let executor = StoreExecutor(threads: 1)
    do {
        let store = try WebhookStore(directory: directory + "/agencies/acme", loop: executor.nextLoop())
        try await body(Fixture(directory: directory + "/agencies/acme", executor: executor, store: store))
    } catch {
        try? await executor.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
        throw error
    }
    try? await executor.shutdown()
    try? FileManager.default.removeItem(atPath: directory)
}

struct TimedOut: Error, CustomStringConvertible {
    let description: String
}

/// Polls `condition` until it holds; fails after `timeout` (generous: the machine is shared).
func eventually(timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation,
                _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met in \(timeout)", sourceLocation: sourceLocation)
    throw TimedOut(description: "condition not met in \(timeout)")
}
