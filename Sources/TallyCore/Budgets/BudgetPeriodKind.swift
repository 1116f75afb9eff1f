/// The length of a budget period: a local day, an ISO week, a calendar month or a quarter.
public enum BudgetPeriodKind: String, Sendable, Hashable, CaseIterable {
    case day
    case week
    case month
    case quarter

    /// The anchors this kind accepts: ISO weekdays for weeks, days of the month for months and
    /// quarters; a day period has no anchor (it is always 1).
    public var anchorRange: ClosedRange<Int> {
        switch self {
        case .day: return 1...1
        case .week: return 1...7
        case .month, .quarter: return 1...31
        }
    }
}
