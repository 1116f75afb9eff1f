import NIOConcurrencyHelpers
import TallyCore

/// A budget's period that spend changed in: what the alert engine evaluates.
struct BudgetPeriodRef: Sendable, Hashable {
    let budgetID: String
    let key: String
    let start: Timestamp
    let end: Timestamp
}

/// One agency's budgets and the spend of each budget's current period, in memory.
///
/// `budgets.check` is a pre-flight call on a workflow's hot path; it reads this under a lock,
/// with no database access and no hop to the store thread. The pipeline keeps it exact: it
/// loads a period's spend from the ledger once, then adds each committed event's cost.
final class BudgetTracker: Sendable {
    /// A budget with its compiled period rules and the spend of its current period.
    struct Entry: Sendable {
        var budget: Budget
        var period: BudgetPeriod
        var current: CurrentPeriod?
    }

    /// The spend of one period, exact as of the last commit.
    struct CurrentPeriod: Sendable {
        var ref: BudgetPeriodRef
        var spent: Money
        var unpriced: Int64
        var events: Int64
        /// Alert keys fired in this period, so `budgets.status` needs no database read.
        var fired: Set<String> = []
        /// Spend per UTC hour start (µs) of the period's last hours, for the forecast's burn rate.
        var hourly: [Int64: Money] = [:]

        /// The spend of the last 24 whole hours before `now` (and the hour in progress), within the period.
        func recentSpend(now: Timestamp) -> (spent: Money, window: Int64) {
            let end = min(max(now, ref.start), ref.end).microsecondsSinceEpoch
            let start = max(ref.start.microsecondsSinceEpoch, end - Timestamp.microsecondsPerDay)
            guard start < end else { return (.zero, 0) }
            let firstHour = start - start % Self.hour
            return (Money.sum(hourly.filter { $0.key >= firstHour && $0.key < end }.map(\.value)), end - start)
        }

        mutating func add(_ cost: Money, at timestamp: Timestamp) {
            let hour = timestamp.microsecondsSinceEpoch - timestamp.microsecondsSinceEpoch % Self.hour
            hourly[hour, default: .zero] += cost
            // Keep about two days of hours: the forecast looks at the last 24.
            if hourly.count > 60, let newest = hourly.keys.max() {
                hourly = hourly.filter { $0.key > newest - 2 * Timestamp.microsecondsPerDay }
            }
        }

        static let hour: Int64 = 3_600_000_000
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])

    func replace(_ budgets: [Budget]) {
        let compiled = budgets.compactMap { budget -> Entry? in
            guard let period = try? budget.period() else { return nil }
            return Entry(budget: budget, period: period, current: nil)
        }
        entries.withLockedValue { state in
            let previous = state
            state = [:]
            for var entry in compiled {
                // Keep a loaded period when the budget's scope and period rules did not change.
                if let old = previous[entry.budget.id], old.budget.covers(sameSpendAs: entry.budget) { entry.current = old.current }
                state[entry.budget.id] = entry
            }
        }
    }

    var isEmpty: Bool { entries.withLockedValue { $0.isEmpty } }

    var all: [Entry] { entries.withLockedValue { Array($0.values) }.sorted { $0.budget.id < $1.budget.id } }

    func entry(_ id: String) -> Entry? { entries.withLockedValue { $0[id] } }

    /// Budgets of a client, with their current period when it is loaded and still current at `now`.
    func entries(client: String) -> [Entry] {
        entries.withLockedValue { $0.values.filter { $0.budget.client == client } }.sorted { $0.budget.id < $1.budget.id }
    }

    /// Remembers alert keys fired for a budget's loaded period.
    func markFired(_ keys: [String], budgetID: String, periodKey: String) {
        entries.withLockedValue { state in
            guard var current = state[budgetID]?.current, current.ref.key == periodKey else { return }
            current.fired.formUnion(keys)
            state[budgetID]?.current = current
        }
    }

    /// Drops every loaded period (after a re-pricing or re-attribution changed past spend); the
    /// next read loads them from the ledger again.
    func forgetLoadedPeriods() {
        entries.withLockedValue { state in
            for id in state.keys { state[id]?.current = nil }
        }
    }

    func setCurrent(_ current: CurrentPeriod, for id: String) {
        entries.withLockedValue { $0[id]?.current = current }
    }

    /// Adds committed spend to the loaded period it falls in; returns the budgets' periods it changed.
    func record(_ charges: [Charge]) -> Set<BudgetPeriodRef> {
        guard !charges.isEmpty else { return [] }
        return entries.withLockedValue { state in
            var changed: Set<BudgetPeriodRef> = []
            for (id, var entry) in state {
                var touched = false
                for charge in charges where entry.budget.covers(client: charge.client, workflow: charge.workflow, provider: charge.provider, model: charge.model) {
                    let interval = entry.period.interval(containing: charge.timestamp)
                    let ref = BudgetPeriodRef(budgetID: id, key: entry.period.key(for: interval), start: interval.start, end: interval.end)
                    changed.insert(ref)
                    if var current = entry.current, current.ref == ref {
                        if let cost = charge.cost {
                            current.spent += cost
                            current.add(cost, at: charge.timestamp)
                        } else {
                            current.unpriced += 1
                        }
                        current.events += 1
                        entry.current = current
                        touched = true
                    }
                }
                if touched { state[id] = entry }
            }
            return changed
        }
    }

    /// One committed event, as budgets see it.
    struct Charge: Sendable {
        var client: String?
        var workflow: String?
        var provider: String
        var model: String
        var timestamp: Timestamp
        var cost: Money?
    }
}

extension Budget {
    /// Whether two versions of a budget count the same spend in the same periods.
    func covers(sameSpendAs other: Budget) -> Bool {
        client == other.client && workflow == other.workflow && provider == other.provider && model == other.model
            && kind == other.kind && anchor == other.anchor && timeZone == other.timeZone
    }
}
