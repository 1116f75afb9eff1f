import Logging
import TallyCore
import TallyJSON
import TallyN8n
import TallyStore

/// Polls the agency's registered n8n instances for executions, each on its interval, and
/// stores them with the polling state (so a restart continues where it stopped).
///
/// Lifecycle: ``State/idle`` → ``start()`` → ``State/running`` → ``shutdown()`` → ``State/stopped``.
/// A poll in flight when shutdown begins is cancelled; what it had stored stays stored, and the
/// next start reads again from the saved watermark.
actor N8nPoller {
    enum State: String, Sendable { case idle, running, stopped }

    /// What one poll did (the answer of `n8n.poll`).
    struct Summary: Sendable {
        var instance: String
        var pages: Int
        var inserted = 0
        var updated = 0
        var unchanged = 0
        var watermark: Timestamp?
        var gap: N8nPollState.Gap?

        var jsonValue: JSONValue {
            [
                "instance": .string(instance), "pages": .integer(Int64(pages)), "fetched": .integer(Int64(inserted + updated + unchanged)),
                "inserted": .integer(Int64(inserted)), "updated": .integer(Int64(updated)), "unchanged": .integer(Int64(unchanged)),
                "watermark": watermark.map { .string($0.rfc3339) } ?? .null,
                "gap": gap.map { ["after": .string($0.after.rfc3339), "before": .string($0.before.rfc3339)] } ?? .null,
            ]
        }
    }

    private let pipeline: AgencyPipeline
    private let logger: Logger
    private(set) var state: State = .idle
    private var loop: Task<Void, Never>?
    private var inFlight: [String: Task<Summary, any Error>] = [:]
    /// When each instance was last polled by the loop (its interval counts from there).
    private var lastTick: [String: ContinuousClock.Instant] = [:]
    /// The registered instances' settings, read once and again after ``instancesChanged()``
    /// (not every second from the agency file).
    private var instances: [(id: String, settings: N8nInstanceSettings)]?

    init(pipeline: AgencyPipeline, logger: Logger) {
        self.pipeline = pipeline
        self.logger = logger
    }

    func start() {
        guard state == .idle else { return }
        state = .running
        loop = Task { [weak self] in
            while !Task.isCancelled {
                await self?.pollDueInstances()
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    func shutdown() async {
        state = .stopped
        loop?.cancel()
        for task in inFlight.values { task.cancel() }
        for task in inFlight.values { _ = try? await task.value }
        inFlight.removeAll()
    }

    /// Called after `n8n.register` or `n8n.unregister`: the next turn of the loop reads the instances again.
    func instancesChanged() { instances = nil }

    private func pollDueInstances() async {
        guard state == .running else { return }
        if instances == nil {
            guard let records = try? await pipeline.n8nInstances() else { return }
            instances = records.compactMap { record in (try? N8nInstanceSettings(json: record.settings)).map { (record.id, $0) } }
        }
        let now = ContinuousClock.now
        for (id, settings) in instances ?? [] {
            if let last = lastTick[id], now - last < settings.interval { continue }
            lastTick[id] = now
            do { _ = try await poll(id) } catch {
                logger.warning("n8n poll failed", metadata: ["instance": "\(id)", "error": "\(error)"])
            }
        }
    }

    /// Polls `id` now (or joins the poll already running for it).
    func poll(_ id: String) async throws -> Summary {
        if let running = inFlight[id] { return try await running.value }
        let pipeline = self.pipeline
        let logger = self.logger
        let task = Task { try await Self.pollOnce(id, pipeline: pipeline, logger: logger) }
        inFlight[id] = task
        defer { inFlight[id] = nil }
        return try await task.value
    }

    /// Why an instance cannot be polled.
    enum Failure: Error, CustomStringConvertible {
        case unknownInstance(String)
        case settings(N8nInstanceSettings.Invalid)

        var description: String {
            switch self {
            case .unknownInstance(let id): "no n8n instance '\(id)' is registered"
            case .settings(let invalid): "\(invalid.field): \(invalid.reason)"
            }
        }
    }

    private static func pollOnce(_ id: String, pipeline: AgencyPipeline, logger: Logger) async throws -> Summary {
        guard let record = try await pipeline.n8nInstances().first(where: { $0.id == id }) else { throw Failure.unknownInstance(id) }
        var state = N8nPollState(json: record.state)
        let now = Timestamp.now
        state.lastPollAt = now
        do {
            let settings: N8nInstanceSettings
            let key: String
            do {
                settings = try N8nInstanceSettings(json: record.settings)
            } catch { throw Failure.settings(error) }
            do {
                key = try settings.apiKey.read()
            } catch { throw Failure.settings(.init(field: settings.apiKeyField, reason: error.description)) }
            let client = N8nClient(instance: id, baseURL: settings.baseURL, apiKey: key)
            let result = try await N8nPoll.run(watermark: state.watermark, now: now) { cursor in try await client.page(cursor: cursor) }
            let outcomes = try await pipeline.upsertExecutions(result.executions, source: "n8n")
            var summary = Summary(instance: id, pages: result.pages, watermark: result.nextWatermark, gap: result.gap)
            for outcome in outcomes {
                switch outcome {
                case .inserted: summary.inserted += 1
                case .updated: summary.updated += 1
                case .unchanged: summary.unchanged += 1
                }
            }
            state.watermark = result.nextWatermark
            state.lastSuccessAt = now
            state.lastError = nil
            state.executionsSeen += Int64(summary.inserted)
            if let gap = result.gap {
                state.gaps = Array((state.gaps + [gap]).suffix(20))
                logger.warning("n8n pruned executions before Tally read them; poll more often than n8n prunes", metadata: [
                    "instance": "\(id)", "after": "\(gap.after.rfc3339)", "before": "\(gap.before.rfc3339)",
                ])
            }
            _ = try await pipeline.saveN8nState(id: id, state: state.jsonValue)
            return summary
        } catch {
            state.lastError = "\(error)"
            _ = try? await pipeline.saveN8nState(id: id, state: state.jsonValue)
            throw error
        }
    }
}
