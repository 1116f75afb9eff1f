import Foundation
import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import TallyCore
import TallyJSON
import TallyStore

/// Sends the outbox of one ``WebhookStore``: POSTs due deliveries, retries failures with
/// exponential backoff and jitter, and marks a delivery `dead` after ``Configuration/maximumAttempts``.
///
/// Delivery is at least once: a delivery is marked delivered only after a 2xx answer, so a crash
/// in between sends it again on the next start (receivers deduplicate on `X-Tally-Delivery`).
///
/// Lifecycle: ``State/idle`` → ``start()`` → ``State/running`` → ``shutdown()`` →
/// ``State/stopping`` (attempts in flight finish, at most one request timeout) → ``State/stopped``.
public actor WebhookDeliverer {
    /// Where the deliverer is in its lifecycle.
    public enum State: String, Sendable, Hashable {
        case idle, running, stopping, stopped
    }

    /// Timeouts and retry policy. Tests shorten the durations to milliseconds.
    public struct Configuration: Sendable {
        /// The whole request, connect to last byte of the answer.
        public var requestTimeout: Duration
        /// How long a connection may take (a refused connection is retried within it), when the
        /// deliverer makes its own HTTP client; a given client keeps its own setting.
        public var connectTimeout: Duration
        /// The wait after the first failure; doubled after each further one.
        public var retryBase: Duration
        /// The longest wait between two attempts.
        public var retryCap: Duration
        /// Attempts (the first included) before a delivery is marked `dead`.
        public var maximumAttempts: Int
        /// Each wait is moved by up to this fraction either way, so that endpoints coming back
        /// after an outage are not hit by every retry at the same instant.
        public var jitter: Double
        /// POSTs in flight at once (one slow endpoint must not hold up the others).
        public var maximumConcurrentDeliveries: Int
        /// How often the outbox is looked at without a ``WebhookDeliverer/wake()`` (another
        /// process may have written to the file).
        public var idleCheckInterval: Duration

        public init(
            requestTimeout: Duration = .seconds(10), connectTimeout: Duration = .seconds(5), retryBase: Duration = .seconds(1), retryCap: Duration = .seconds(600),
            maximumAttempts: Int = 20, jitter: Double = 0.2, maximumConcurrentDeliveries: Int = 8, idleCheckInterval: Duration = .seconds(30)
        ) {
            self.requestTimeout = requestTimeout
            self.connectTimeout = connectTimeout
            self.retryBase = retryBase
            self.retryCap = retryCap
            self.maximumAttempts = max(1, maximumAttempts)
            self.jitter = min(max(jitter, 0), 0.5)
            self.maximumConcurrentDeliveries = max(1, maximumConcurrentDeliveries)
            self.idleCheckInterval = idleCheckInterval
        }

        /// The wait after `failures` failed attempts (1 for the first): base × 2^(failures−1),
        /// jittered, never above the cap.
        public func retryDelay(afterFailures failures: Int) -> Duration {
            let base = Self.microseconds(retryBase)
            let cap = Self.microseconds(retryCap)
            let exponent = max(0, failures - 1)
            let raw = exponent >= 40 || base > (cap >> Int64(min(exponent, 62))) ? cap : min(cap, base << Int64(exponent))
            let spread = Int64(Double(raw) * jitter)
            let jittered = spread > 0 ? raw + Int64.random(in: -spread...spread) : raw
            return .microseconds(min(cap, max(0, jittered)))
        }

        static func microseconds(_ duration: Duration) -> Int64 {
            let (seconds, attoseconds) = duration.components
            return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        }
    }

    public nonisolated let store: WebhookStore
    public nonisolated let configuration: Configuration
    private let client: HTTPClient
    private let ownsClient: Bool
    private let logger: Logger

    public private(set) var state: State = .idle
    private var loopTask: Task<Void, Never>?
    private var shutdownTask: Task<Void, Never>?
    private var inFlight: [String: Task<Void, Never>] = [:]

    // The loop's pause: resumed by `wake()`, by an attempt finishing, or by its timer.
    private var waiter: CheckedContinuation<Void, Never>?
    private var wakeRequested = false
    private var pauseGeneration = 0

    /// - Parameters:
    ///   - store: the outbox to send.
    ///   - httpClient: a client to share; when `nil` the deliverer makes its own on the shared
    ///     NIO event loops (`.singleton`) and shuts it down in ``shutdown()``. A given client is
    ///     left for its owner to shut down.
    public init(store: WebhookStore, httpClient: HTTPClient? = nil, configuration: Configuration = Configuration(),
                logger: Logger = Logger(label: "tally.webhooks")) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        if let httpClient {
            self.client = httpClient
            self.ownsClient = false
        } else {
            var clientConfiguration = HTTPClient.Configuration()
            // A webhook that redirects is misconfigured; following it would re-POST the signed
            // body to a host the user never named.
            clientConfiguration.redirectConfiguration = .disallow
            clientConfiguration.timeout = .init(connect: .microseconds(Configuration.microseconds(configuration.connectTimeout)))
            self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
            self.ownsClient = true
        }
    }

    /// Starts the delivery loop. Pending deliveries already in the file (from before a crash or
    /// a restart) are sent when due. Does nothing unless ``State/idle``.
    public func start() {
        guard state == .idle else {
            logger.debug("webhook deliverer start ignored", metadata: ["state": "\(state)"])
            return
        }
        state = .running
        loopTask = Task { await self.run() }
    }

    /// Looks at the outbox now instead of at the next timer: call it after ``WebhookStore/enqueue(alert:alertID:level:)``.
    public func wake() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            wakeRequested = true
        }
    }

    /// Enqueues in the store (one transaction, before any POST), then wakes the loop.
    @discardableResult
    public func enqueue(alert: JSONValue, alertID: String, level: String) async throws -> [String] {
        let ids = try await store.enqueue(alert: alert, alertID: alertID, level: level)
        if !ids.isEmpty { wake() }
        return ids
    }

    /// Sends a signed `webhook.test` event to the endpoint now, outside the outbox (no retry, not
    /// listed), even when the endpoint is disabled; answers with the status or the error.
    public func test(endpointID: String) async throws -> WebhookTestResult {
        guard state != .stopped, state != .stopping else { throw WebhookError.shutDown }
        guard let endpoint = try await store.storedEndpoint(id: endpointID) else { throw WebhookError.unknownEndpoint(endpointID) }
        let deliveryID = WebhookRandom.deliveryID()
        let body = WebhookPayload.test(endpointID: endpoint.id, deliveryID: deliveryID, format: endpoint.format, at: .now)
        let outcome = await post(url: endpoint.url, secret: endpoint.secret, body: Array(body.utf8), deliveryID: deliveryID,
                                 event: WebhookPayload.testEvent)
        switch outcome {
        case .delivered(let status): return WebhookTestResult(deliveryID: deliveryID, status: status, error: nil)
        case .failed(let status, let error): return WebhookTestResult(deliveryID: deliveryID, status: status, error: error)
        }
    }

    /// Stops taking new attempts, lets the ones in flight finish and record their outcome (at
    /// most one request timeout), and shuts down the HTTP client if the deliverer made it.
    /// Pending deliveries stay in the file for the next start. Safe to call more than once.
    public func shutdown() async {
        if let shutdownTask {
            await shutdownTask.value
            return
        }
        let task = Task { await self.performShutdown() }
        shutdownTask = task
        await task.value
    }

    private func performShutdown() async {
        let wasRunning = state == .running
        state = .stopping
        wake()
        if wasRunning { await loopTask?.value }
        loopTask = nil
        // Each attempt removes itself when its outcome is written.
        while let attempt = inFlight.first {
            await attempt.value.value
        }
        if ownsClient {
            do {
                try await client.shutdown()
            } catch {
                logger.warning("webhook HTTP client did not shut down cleanly", metadata: ["error": "\(error)"])
            }
        }
        state = .stopped
    }

    // MARK: The loop

    private func run() async {
        while state == .running {
            var pauseFor = configuration.idleCheckInterval
            do {
                let now = Timestamp.now
                let free = configuration.maximumConcurrentDeliveries - inFlight.count
                if free > 0 {
                    // Ask for enough rows to skip those already in flight.
                    let due = try await store.dueDeliveries(now: now, limit: free + inFlight.count)
                    for due in due where state == .running && inFlight[due.id] == nil && inFlight.count < configuration.maximumConcurrentDeliveries {
                        inFlight[due.id] = Task { await self.attempt(due) }
                    }
                }
                if inFlight.count < configuration.maximumConcurrentDeliveries,
                   let next = try await store.nextDueAt(excluding: Set(inFlight.keys)) {
                    let wait = max(0, next.microsecondsSinceEpoch - Timestamp.now.microsecondsSinceEpoch)
                    pauseFor = min(pauseFor, .microseconds(wait))
                }
            } catch {
                // The file is unreadable for now (disk full, locked); nothing is lost, try again soon.
                logger.error("webhook outbox could not be read", metadata: ["path": "\(store.path)", "error": "\(error)"])
                pauseFor = min(pauseFor, .seconds(1))
            }
            guard state == .running else { break }
            await pause(for: pauseFor)
        }
    }

    private func pause(for duration: Duration) async {
        if wakeRequested || duration <= .zero {
            wakeRequested = false
            return
        }
        pauseGeneration += 1
        let generation = pauseGeneration
        let timer = Task { [weak self] in
            try? await Task.sleep(for: duration)
            await self?.timerFired(generation)
        }
        await withCheckedContinuation { continuation in
            waiter = continuation
        }
        timer.cancel()
        wakeRequested = false
    }

    private func timerFired(_ generation: Int) {
        guard generation == pauseGeneration, let waiter else { return }
        self.waiter = nil
        waiter.resume()
    }

    private func attempt(_ delivery: DueDelivery) async {
        let outcome = await post(url: delivery.url, secret: delivery.secret, body: delivery.body, deliveryID: delivery.id,
                                 event: WebhookPayload.alertEvent)
        let attempts = delivery.attempts + 1
        do {
            switch outcome {
            case .delivered(let status):
                try await store.recordDelivered(id: delivery.id, status: status, at: .now)
            case .failed(let status, let error):
                let retryAt = attempts >= configuration.maximumAttempts
                    ? nil
                    : Timestamp.now.advanced(byMicroseconds: Configuration.microseconds(configuration.retryDelay(afterFailures: attempts)))
                try await store.recordFailure(id: delivery.id, status: status, error: error, retryAt: retryAt)
                if retryAt == nil {
                    logger.error("webhook delivery is dead after \(attempts) attempts", metadata: [
                        "delivery": "\(delivery.id)", "endpoint": "\(delivery.endpointID)", "error": "\(error)",
                    ])
                } else {
                    logger.info("webhook delivery failed; will retry", metadata: [
                        "delivery": "\(delivery.id)", "endpoint": "\(delivery.endpointID)", "attempt": "\(attempts)", "error": "\(error)",
                    ])
                }
            }
        } catch {
            // Not recorded: the delivery stays pending and due, so it is sent again (at least once).
            logger.error("webhook attempt outcome not recorded", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
        inFlight[delivery.id] = nil
        wake()
    }

    enum PostOutcome {
        case delivered(status: Int)
        case failed(status: Int?, error: String)
    }

    /// One signed POST. Never throws: every failure becomes a message for `last_error`.
    private func post(url: String, secret: String, body: [UInt8], deliveryID: String, event: String) async -> PostOutcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Tally-Webhooks/1")
        request.headers.add(name: WebhookSignature.deliveryHeader, value: deliveryID)
        request.headers.add(name: WebhookSignature.eventHeader, value: event)
        let timestamp = Timestamp.now.secondsSinceEpoch
        request.headers.add(name: WebhookSignature.signatureHeader, value: WebhookSignature.header(secret: secret, timestamp: timestamp, body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: TimeAmount.microseconds(Configuration.microseconds(configuration.requestTimeout)))
            let status = Int(response.status.code)
            // Reading the answer frees the connection for reuse; its start explains a refusal.
            let answer = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
            if (200..<300).contains(status) { return .delivered(status: status) }
            var message = "HTTP \(status) \(response.status.reasonPhrase)"
            let snippet = answer.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200)
            if !snippet.isEmpty { message += ": \(snippet)" }
            return .failed(status: status, error: message)
        } catch {
            return .failed(status: nil, error: Self.describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout { return "timed out (\(error))" }
            return "\(error)"
        }
        return "\(error)"
    }
}

/// The answer to `webhooks.test`.
public struct WebhookTestResult: Sendable, Hashable {
    /// The `X-Tally-Delivery` the test carried.
    public var deliveryID: String
    /// The endpoint's HTTP status; `nil` when it did not answer.
    public var status: Int?
    /// Why the test failed; `nil` on a 2xx.
    public var error: String?

    public var succeeded: Bool { error == nil }

    public var json: JSONValue {
        ["delivery_id": .string(deliveryID), "ok": .bool(succeeded),
         "status": status.map { .integer(Int64($0)) } ?? .null, "error": error.map { .string($0) } ?? .null]
    }
}
