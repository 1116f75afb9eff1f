import Logging

/// Forwards script log lines to swift-log, at most `perSecond` lines a second per rule set, so
/// a chatty or hostile rule cannot flood the server log. Suppressed lines are counted and
/// reported once the next second starts.
struct LogForwarder {
    let logger: Logger
    let perSecond: Int
    private var windowStart = ContinuousClock.now
    private var forwarded = 0
    private var suppressed = 0

    init(logger: Logger, perSecond: Int) {
        self.logger = logger
        self.perSecond = max(0, perSecond)
    }

    mutating func forward(_ lines: [RuleLogLine], dropped: Int, version: RuleVersion, file: String) {
        let now = ContinuousClock.now
        if now - windowStart >= .seconds(1) {
            if suppressed > 0 {
                logger.warning("rule log lines suppressed (over \(perSecond)/s)", metadata: ["rules.suppressed": "\(suppressed)"])
            }
            windowStart = now
            forwarded = 0
            suppressed = 0
        }
        let metadata: Logger.Metadata = ["rules.version": "\(version.short)", "rules.file": "\(file)"]
        for line in lines {
            guard forwarded < perSecond else {
                suppressed += 1
                continue
            }
            forwarded += 1
            logger.log(level: line.level.swiftLogLevel, "\(line.message)", metadata: metadata)
        }
        if dropped > 0 {
            logger.warning("rule log lines dropped (over the per-call limit)", metadata: metadata.merging(["rules.dropped": "\(dropped)"]) { $1 })
        }
    }
}

extension RuleLogLine.Level {
    var swiftLogLevel: Logger.Level {
        switch self {
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        case .error: .error
        }
    }
}
