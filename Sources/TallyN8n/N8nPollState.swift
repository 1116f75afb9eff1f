import TallyCore
import TallyJSON

/// How far polling of one n8n instance got; stored with the instance so it survives restarts.
public struct N8nPollState: Sendable, Hashable {
    /// Executions that started at or after this instant are read again on the next poll: the
    /// oldest execution still running, else the newest execution seen.
    public var watermark: Timestamp?
    public var lastPollAt: Timestamp?
    public var lastSuccessAt: Timestamp?
    public var lastError: String?
    /// Executions stored from this instance so far (new ones; updates not counted).
    public var executionsSeen: Int64 = 0
    /// Stretches of time whose executions n8n pruned before Tally read them (newest last, at most 20).
    public var gaps: [Gap] = []

    /// Executions lost to n8n's pruning: none of them could be read.
    public struct Gap: Sendable, Hashable {
        /// The newest execution Tally had read before the gap.
        public var after: Timestamp
        /// The oldest execution n8n still had.
        public var before: Timestamp
        public var detectedAt: Timestamp
    }

    public init() {}

    public var jsonValue: JSONValue {
        [
            "watermark": watermark.map { .string($0.rfc3339) } ?? .null,
            "last_poll_at": lastPollAt.map { .string($0.rfc3339) } ?? .null,
            "last_success_at": lastSuccessAt.map { .string($0.rfc3339) } ?? .null,
            "last_error": lastError.map(JSONValue.string) ?? .null,
            "executions_seen": .integer(executionsSeen),
            "gaps": .array(gaps.map { gap in
                ["after": .string(gap.after.rfc3339), "before": .string(gap.before.rfc3339), "detected_at": .string(gap.detectedAt.rfc3339)]
            }),
        ]
    }

    /// Reads the stored state; anything unreadable starts from scratch.
    public init(json: JSONValue) {
        func time(_ value: JSONValue?) -> Timestamp? { value?.stringValue.flatMap { try? Timestamp(rfc3339: $0) } }
        watermark = time(json["watermark"])
        lastPollAt = time(json["last_poll_at"])
        lastSuccessAt = time(json["last_success_at"])
        lastError = json["last_error"]?.stringValue
        executionsSeen = json["executions_seen"]?.int64Value ?? 0
        gaps = (json["gaps"]?.arrayValue ?? []).compactMap { gap in
            guard let after = time(gap["after"]), let before = time(gap["before"]), let detected = time(gap["detected_at"]) else { return nil }
            return Gap(after: after, before: before, detectedAt: detected)
        }
    }
}

/// One poll of an instance: reads pages newest first until it reaches the watermark, and
/// works out the next watermark and any gap n8n's pruning left.
public struct N8nPoll: Sendable {
    /// Executions still running after this long no longer hold the watermark back.
    public static let longestRun: Int64 = 24 * 3_600 * Timestamp.microsecondsPerSecond
    /// A first poll reads at most this many pages (250 executions each).
    public static let maximumPages = 2_000

    /// What a poll read.
    public struct Result: Sendable {
        public var executions: [Execution]
        public var pages: Int
        public var nextWatermark: Timestamp?
        public var gap: N8nPollState.Gap?
    }

    /// Reads pages through `fetch(cursor)` (nil: the first page) until the watermark is reached.
    public static func run(
        watermark: Timestamp?, now: Timestamp, fetch: (String?) async throws -> N8nExecutionPage
    ) async throws -> Result {
        var executions: [Execution] = []
        var cursor: String? = nil
        var pages = 0
        var reachedWatermark = false
        repeat {
            let page = try await fetch(cursor)
            pages += 1
            executions += page.executions
            if let watermark, page.executions.contains(where: { $0.startedAt <= watermark }) {
                reachedWatermark = true
                break
            }
            cursor = page.nextCursor
        } while cursor != nil && pages < maximumPages
        var gap: N8nPollState.Gap? = nil
        // The execution at the watermark was read before; if n8n no longer lists it (nor anything
        // older) after the last page, everything between it and the oldest listed was pruned unread.
        if let watermark, !reachedWatermark, cursor == nil, let oldest = executions.map(\.startedAt).min() {
            gap = .init(after: watermark, before: oldest, detectedAt: now)
        }
        let recent = now.advanced(byMicroseconds: -longestRun)
        let unsettled = executions.filter { !$0.status.isSettled && $0.startedAt >= recent }.map(\.startedAt).min()
        let newest = executions.map(\.startedAt).max()
        let next = unsettled ?? [newest, watermark].compactMap { $0 }.max()
        return Result(executions: executions, pages: pages, nextWatermark: next, gap: gap)
    }
}
