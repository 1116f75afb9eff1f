/// The limits every rule call runs under. One set per agency; the defaults suit attribution
/// rules (a handful of table lookups per event).
public struct RuleLimits: Sendable, Hashable {
    /// CPU time a single call (`attribute`, `on_spend`) may use before it is stopped with a
    /// ``RuleError/Kind/timeout``. A watchdog checks about once a millisecond, so a runaway call
    /// is stopped within about a millisecond of its budget (plus the C function it may be in:
    /// see docs/rules.md, "Limits"). It counts the CPU time of the calling thread (Linux), so a
    /// call the OS preempted is not charged for waiting; a call is stopped anyway one second of
    /// wall time past its deadline. Where thread CPU clocks are unavailable it is wall time.
    public var callDeadline: Duration
    /// The same limit while loading: for the files' top-level code, then for each smoke-test call.
    public var loadDeadline: Duration
    /// Most memory one rule set's Lua state may hold, in bytes. A reload briefly holds two.
    public var memoryLimit: Int
    /// Most `tally.log`/`print` lines kept per call; the rest are counted as dropped.
    public var logLinesPerCall: Int
    /// Most rule log lines per second forwarded to the server log, per rule set.
    public var logLinesPerSecond: Int
    /// Largest rule or lookup file accepted, in bytes.
    public var maximumFileSize: Int

    public init(
        callDeadline: Duration = .milliseconds(5),
        loadDeadline: Duration = .milliseconds(250),
        memoryLimit: Int = 32 << 20,
        logLinesPerCall: Int = 20,
        logLinesPerSecond: Int = 100,
        maximumFileSize: Int = 4 << 20
    ) {
        self.callDeadline = callDeadline
        self.loadDeadline = loadDeadline
        self.memoryLimit = memoryLimit
        self.logLinesPerCall = logLinesPerCall
        self.logLinesPerSecond = logLinesPerSecond
        self.maximumFileSize = maximumFileSize
    }

    /// 5 ms per call, 250 ms to load, 32 MiB, 20 log lines per call.
    public static let `default` = RuleLimits()
}

extension Duration {
    /// Whole nanoseconds, at least 1 (a zero deadline would mean "none" to the C layer).
    var tallyNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 1 }
        let nanoseconds = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if nanoseconds.overflow { return UInt64.max }
        return max(1, nanoseconds.partialValue &+ UInt64(attoseconds / 1_000_000_000))
    }
}
