/// The limits every rule call runs under. One set per agency; the defaults suit attribution
/// rules (a handful of table lookups per event).
public struct RuleLimits: Sendable, Hashable {
    /// Longest a single call (`attribute`, `on_spend`) may run before it is stopped with a
    /// ``RuleError/Kind/timeout``. Checked by a watchdog about once a millisecond, so a call is
    /// stopped between `callDeadline` and `callDeadline` + ~1 ms (plus the time of the C function
    /// it may be in: see docs/rules.md, "Limits").
    public var callDeadline: Duration
    /// Longest loading may run: the file's top-level code, then each smoke-test call.
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
