import AsyncHTTPClient
import Foundation
import Logging
import TallyCore
import TallyStore

/// Pulls each enabled connector of one agency on its interval, and on demand (`reconcile.pull`).
///
/// States: `idle` (made, not started), `running`, `stopping` (no new pulls; the one in flight
/// finishes), `stopped`. The first scheduled pull of a connector comes one interval after the
/// start (or after its last pull), never at once, so a restart does not hammer the provider.
public actor ConnectorPoller {
    /// The poller's lifecycle.
    public enum State: String, Sendable {
        case idle, running, stopping, stopped
    }

    /// What a pull stored, for the caller (and the untracked-key alert).
    public struct PullResult: Sendable {
        public var provider: String
        public var from: UTCDate
        public var to: UTCDate
        public var data: ProviderData
        public var stored: (costs: Int, sightings: Int)
    }

    public nonisolated let store: ProviderUsageStore
    private let client: HTTPClient
    private let logger: Logger
    private let environment: @Sendable (String) -> String?
    /// Told about every successful pull (scheduled or on demand).
    private let onPulled: @Sendable (PullResult) async -> Void
    public private(set) var state: State = .idle
    private var loopTask: Task<Void, Never>?
    private var inFlight: [Int: Task<Void, Never>] = [:]
    private var nextTicket = 0
    private var startedAt: Timestamp = .now
    private let clock: @Sendable () -> Timestamp
    private let tick: Duration

    /// How often the loop looks at the connectors' due times (by default).
    public static let defaultTick: Duration = .seconds(5)
    /// The days a scheduled pull covers, ending today (UTC).
    public static let scheduledDays: Int64 = 31

    public init(store: ProviderUsageStore, logger: Logger = Logger(label: "tally.reconcile"),
                environment: @escaping @Sendable (String) -> String? = SecretSource.processEnvironment,
                onPulled: @escaping @Sendable (PullResult) async -> Void = { _ in },
                clock: @escaping @Sendable () -> Timestamp = { .now }, tick: Duration = ConnectorPoller.defaultTick) {
        self.store = store
        self.clock = clock
        self.tick = tick
        self.logger = logger
        self.environment = environment
        self.onPulled = onPulled
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10))
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Starts the schedule. Does nothing unless `idle`.
    public func start() {
        guard state == .idle else { return }
        state = .running
        startedAt = clock()
        loopTask = Task { await self.run() }
    }

    /// Pulls the provider's days `from...to` now and stores them (replacing those days).
    public func pull(provider: String, from: UTCDate, to: UTCDate) async throws -> PullResult {
        guard state == .idle || state == .running else { throw ReconcileError.shutDown }
        let ticket = nextTicket
        nextTicket += 1
        let work = Task { try await self.performPull(provider: provider, from: from, to: to) }
        inFlight[ticket] = Task { _ = try? await work.value }
        defer { inFlight[ticket] = nil }
        return try await work.value
    }

    private func performPull(provider: String, from: UTCDate, to: UTCDate) async throws -> PullResult {
        guard let settings = try await store.connector(provider: provider) else { throw ReconcileError.noConnector(provider) }
        do {
            let key = try settings.adminKey(environment: environment)
            let data = try await ProviderFetcher(client: client).pull(settings, adminKey: key, from: from, to: to)
            let days = Set((0...(to.daysSinceEpoch - from.daysSinceEpoch)).map { from.adding(days: $0) })
            let stored = try await store.replace(provider: provider, costDays: days, sightingDays: days, data: data, source: "pull", at: clock())
            try await store.recordPull(provider: provider, error: nil, at: clock())
            let result = PullResult(provider: provider, from: from, to: to, data: data, stored: stored)
            await onPulled(result)
            return result
        } catch {
            try? await store.recordPull(provider: provider, error: "\(error)", at: clock())
            throw error
        }
    }

    /// Stops the schedule, lets a pull in flight finish, and shuts the HTTP client down. Safe to
    /// call more than once.
    public func shutdown() async {
        guard state != .stopped, state != .stopping else { return }
        state = .stopping
        loopTask?.cancel()
        await loopTask?.value
        loopTask = nil
        while let pull = inFlight.first {
            await pull.value.value
            inFlight[pull.key] = nil
        }
        do {
            try await client.shutdown()
        } catch {
            logger.warning("reconcile HTTP client did not shut down cleanly", metadata: ["error": "\(error)"])
        }
        state = .stopped
    }

    private func run() async {
        while state == .running, !Task.isCancelled {
            do {
                try await Task.sleep(for: tick)
            } catch {
                return
            }
            guard state == .running else { return }
            let now = clock()
            let connectors = (try? await store.connectors()) ?? []
            for connector in connectors where connector.enabled {
                let last = connector.lastPullAt ?? startedAt
                guard now.microsecondsSinceEpoch - last.microsecondsSinceEpoch >= Int64(connector.intervalSeconds) * Timestamp.microsecondsPerSecond else { continue }
                let today = now.utcDate
                do {
                    let result = try await pull(provider: connector.provider, from: today.adding(days: -(Self.scheduledDays - 1)), to: today)
                    logger.info("provider data pulled", metadata: ["provider": "\(connector.provider)", "costs": "\(result.stored.costs)"])
                } catch {
                    logger.warning("provider pull failed", metadata: ["provider": "\(connector.provider)", "error": "\(error)"])
                }
            }
        }
    }
}
