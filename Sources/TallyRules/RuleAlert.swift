import TallyJSON

/// One alert returned by `on_spend(status)` in `alerts.lua`.
public struct RuleAlert: Sendable, Hashable {
    /// How loud the alert is.
    public enum Level: String, Sendable, Hashable, CaseIterable {
        case info
        case warning
        case critical
    }

    /// Identifies the alert for de-duplication: the same key fires once per budget period.
    public var key: String
    public var level: Level
    public var message: String
    /// Anything else the script attached (a JSON object, `{}` when none).
    public var data: JSONValue

    public init(key: String, level: Level, message: String, data: JSONValue = .object([:])) {
        self.key = key
        self.level = level
        self.message = message
        self.data = data
    }

    /// Most alerts one `on_spend` call may return.
    public static let maximumCount = 100
}

/// One line a script logged with `tally.log(level, message)` or `print(...)`.
public struct RuleLogLine: Sendable, Hashable {
    public enum Level: String, Sendable, Hashable, CaseIterable {
        case debug
        case info
        case warning
        case error
    }

    public var level: Level
    public var message: String

    public init(level: Level, message: String) {
        self.level = level
        self.message = message
    }
}
