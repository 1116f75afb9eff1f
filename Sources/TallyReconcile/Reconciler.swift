import TallyCore
import TallyJSON

/// What the ledger tracked on one UTC day for one provider and API key (`nil`: events without a key).
public struct LedgerDayLine: Sendable, Hashable {
    public var day: UTCDate
    public var provider: String
    public var apiKey: String?
    /// Priced cost (unpriced events are not in it, never counted as $0).
    public var cost: Money
    public var events: Int64
    public var unpricedEvents: Int64

    public init(day: UTCDate, provider: String, apiKey: String?, cost: Money, events: Int64, unpricedEvents: Int64) {
        self.day = day
        self.provider = provider
        self.apiKey = apiKey
        self.cost = cost
        self.events = events
        self.unpricedEvents = unpricedEvents
    }
}

/// Why the ledger and a provider differ.
public enum DifferenceReason: String, Sendable, Hashable, CaseIterable {
    /// The provider billed usage of an API key the ledger never saw in the range.
    case untrackedKey = "untracked_key"
    /// A credit, refund or promotion line (negative) on the provider's bill.
    case credit
    /// A difference that moves between adjacent days and cancels out: events near midnight
    /// counted on one UTC day by the ledger and on the next (or previous) by the provider.
    case timezoneShift = "timezone_shift"
    /// The ledger holds events without a price for this line; the provider billed them.
    case unpricedEvents = "unpriced_events"
    /// The ledger priced the line's events, but at a rate other than the one billed.
    case priceMismatch = "price_mismatch"
    /// The provider billed a known key on a day the ledger has no events for it yet.
    case lateEvents = "late_events"
}

/// One explained (or suspected) cause of a difference.
public struct ReconcileFinding: Sendable, Hashable {
    public var reason: DifferenceReason
    public var provider: String
    /// The days concerned (two for a timezone shift; every day of an untracked key).
    public var days: [UTCDate]
    public var apiKey: String?
    /// Billed minus tracked that this cause explains; for a timezone shift the amount moved.
    public var amount: Money
    public var detail: String

    public var jsonValue: JSONValue {
        .object([
            "reason": .string(reason.rawValue), "provider": .string(provider), "days": .array(days.map { .string($0.description) }),
            "api_key": apiKey.map(JSONValue.string) ?? .null, "amount": amount.jsonValue, "detail": .string(detail),
        ])
    }
}

/// One compared line: a UTC day, a provider and an API key where the provider gives keys.
public struct ReconcileLine: Sendable, Hashable {
    public var day: UTCDate
    public var provider: String
    /// The API key compared; `nil` for usage without a key, or for the whole provider when it
    /// gives no keys (``keyed`` false).
    public var apiKey: String?
    public var keyed: Bool
    public var tracked: Money
    public var billed: Money
    public var events: Int64
    public var unpricedEvents: Int64
    public var reasons: [DifferenceReason]

    public var difference: Money { billed - tracked }

    public var jsonValue: JSONValue {
        .object([
            "day": .string(day.description), "provider": .string(provider), "api_key": apiKey.map(JSONValue.string) ?? .null,
            "keyed": .bool(keyed), "tracked": tracked.jsonValue, "billed": billed.jsonValue, "difference": difference.jsonValue,
            "events": .integer(events), "unpriced_events": .integer(unpricedEvents), "reasons": .array(reasons.map { .string($0.rawValue) }),
        ])
    }
}

/// A day's totals for one provider and its verdict.
public struct ReconcileDay: Sendable, Hashable {
    public var day: UTCDate
    public var provider: String
    public var tracked: Money
    public var billed: Money
    /// Whether |billed − tracked| is within the tolerance.
    public var matches: Bool

    public var difference: Money { billed - tracked }

    public var jsonValue: JSONValue {
        .object([
            "day": .string(day.description), "provider": .string(provider), "tracked": tracked.jsonValue, "billed": billed.jsonValue,
            "difference": difference.jsonValue, "verdict": .string(matches ? "match" : "mismatch"),
        ])
    }
}

/// The answer to `reconcile.run`.
public struct ReconcileReport: Sendable, Hashable {
    public var from: UTCDate
    public var to: UTCDate
    public var providers: [String]
    public var tolerance: Money
    public var days: [ReconcileDay]
    public var lines: [ReconcileLine]
    public var findings: [ReconcileFinding]

    public var tracked: Money { Money.sum(days.map(\.tracked)) }
    public var billed: Money { Money.sum(days.map(\.billed)) }
    /// What the findings do not explain: the difference minus every finding's amount (a
    /// timezone shift's two halves cancel, so they count for nothing).
    public var unexplained: Money {
        billed - tracked - Money.sum(findings.filter { $0.reason != .timezoneShift }.map(\.amount))
    }

    public var jsonValue: JSONValue {
        .object([
            "from": .string(from.description), "to": .string(to.description), "providers": .array(providers.map(JSONValue.string)),
            "tolerance": tolerance.jsonValue,
            "totals": .object([
                "tracked": tracked.jsonValue, "billed": billed.jsonValue, "difference": (billed - tracked).jsonValue,
                "unexplained": unexplained.jsonValue, "days": .integer(Int64(days.count)),
                "days_matching": .integer(Int64(days.filter(\.matches).count)),
            ]),
            "days": .array(days.map(\.jsonValue)), "lines": .array(lines.map(\.jsonValue)),
            "findings": .array(findings.map(\.jsonValue)),
        ])
    }
}

/// Compares what the ledger tracked with what the providers billed, per UTC day, provider and
/// API key, and names the likely reason for each difference. Pure: no I/O, no clock.
///
/// How reasons are decided, in order (docs/reconcile.md says the same):
/// 1. A provider keeps keys apart when any of its cost rows names a key; lines are then per
///    (day, key), rows without a key meeting the ledger's events without a key. Otherwise
///    lines are per day.
/// 2. Credit lines (negative, or a line item naming a credit, refund or promotion) are each a
///    `credit` finding and leave the comparison.
/// 3. A key the provider billed but the ledger never saw in the range is `untracked_key`,
///    one finding per key with its days and total.
/// 4. On each remaining line the residual is billed − tracked. Two adjacent days of one key whose
///    residuals exceed the tolerance, have opposite signs and cancel within the tolerance are a
///    `timezone_shift`.
/// 5. Any residual left beyond the tolerance is `unpriced_events` when the ledger has unpriced
///    events there and billed more; `late_events` when the ledger has no events at all there;
///    otherwise `price_mismatch`.
public enum Reconciler {
    public static func reconcile(ledger: [LedgerDayLine], provider rows: [ProviderCostRow], from: UTCDate, to: UTCDate,
                                 tolerance: Money) -> ReconcileReport {
        let tolerance = tolerance.absoluteValue
        let providers = Set(ledger.map(\.provider)).union(rows.map(\.provider)).sorted()
        var report = ReconcileReport(from: from, to: to, providers: providers, tolerance: tolerance, days: [], lines: [], findings: [])
        for provider in providers {
            let ledgerLines = ledger.filter { $0.provider == provider && $0.day >= from && $0.day <= to }
            let billedRows = rows.filter { $0.provider == provider && $0.day >= from && $0.day <= to }
            reconcile(provider: provider, ledger: ledgerLines, rows: billedRows, from: from, to: to, tolerance: tolerance, into: &report)
        }
        report.lines.sort { ($0.day, $0.provider, $0.apiKey ?? "") < ($1.day, $1.provider, $1.apiKey ?? "") }
        report.days.sort { ($0.day, $0.provider) < ($1.day, $1.provider) }
        return report
    }

    private struct LineKey: Hashable, Comparable {
        var day: UTCDate
        var apiKey: String?
        static func < (lhs: LineKey, rhs: LineKey) -> Bool { (lhs.apiKey ?? "", lhs.day) < (rhs.apiKey ?? "", rhs.day) }
    }

    private static func reconcile(provider: String, ledger: [LedgerDayLine], rows: [ProviderCostRow], from: UTCDate, to: UTCDate, tolerance: Money,
                                  into report: inout ReconcileReport) {
        let keyed = rows.contains { !$0.isCredit && $0.apiKey != nil }
        var lines: [LineKey: ReconcileLine] = [:]
        func line(_ key: LineKey) -> ReconcileLine {
            lines[key] ?? ReconcileLine(day: key.day, provider: provider, apiKey: key.apiKey, keyed: keyed, tracked: .zero, billed: .zero,
                                        events: 0, unpricedEvents: 0, reasons: [])
        }
        for entry in ledger {
            let key = LineKey(day: entry.day, apiKey: keyed ? entry.apiKey : nil)
            var current = line(key)
            current.tracked += entry.cost
            current.events += entry.events
            current.unpricedEvents += entry.unpricedEvents
            lines[key] = current
        }
        let ledgerKeys = Set(ledger.compactMap(\.apiKey))
        var usage: [LineKey: Money] = [:]
        for row in rows {
            let key = LineKey(day: row.day, apiKey: keyed ? row.apiKey : nil)
            var current = line(key)
            current.billed += row.amount
            if row.isCredit {
                current.reasons.append(.credit)
                report.findings.append(ReconcileFinding(
                    reason: .credit, provider: provider, days: [row.day], apiKey: row.apiKey, amount: row.amount,
                    detail: "\(row.lineItem ?? "credit") on the provider's bill: \(row.amount.decimalString) USD not in the ledger"))
            } else {
                usage[key, default: .zero] += row.amount
            }
            lines[key] = current
        }

        // Untracked keys: billed, never seen by the ledger.
        var residual: [LineKey: Money] = [:]
        var untracked: [String: [(UTCDate, Money)]] = [:]
        for key in lines.keys.sorted() {
            let billedUsage = usage[key] ?? .zero
            if keyed, let apiKey = key.apiKey, !ledgerKeys.contains(apiKey), !billedUsage.isZero {
                untracked[apiKey, default: []].append((key.day, billedUsage))
                lines[key]!.reasons.append(.untrackedKey)
                residual[key] = .zero - lines[key]!.tracked
            } else {
                residual[key] = billedUsage - lines[key]!.tracked
            }
        }
        for (apiKey, days) in untracked.sorted(by: { $0.key < $1.key }) {
            let total = Money.sum(days.map { $0.1 })
            report.findings.append(ReconcileFinding(
                reason: .untrackedKey, provider: provider, days: days.map { $0.0 }, apiKey: apiKey, amount: total,
                detail: "key \(apiKey) was billed \(total.decimalString) USD but no ledger event names it; register it (keys.register) and route its traffic through Tally, or revoke it"))
        }

        // Timezone shifts: adjacent days of one key whose residuals cancel.
        let significant = { (amount: Money) in amount.absoluteValue > tolerance }
        for key in residual.keys.sorted() {
            guard let here = residual[key], significant(here) else { continue }
            let next = LineKey(day: key.day.adding(days: 1), apiKey: key.apiKey)
            guard let there = residual[next], significant(there), here.isNegative != there.isNegative,
                  (here + there).absoluteValue <= tolerance else { continue }
            let moved = here.absoluteValue
            let (ledgerDay, billedDay) = here.isNegative ? (key.day, next.day) : (next.day, key.day)
            report.findings.append(ReconcileFinding(
                reason: .timezoneShift, provider: provider, days: [key.day, next.day], apiKey: key.apiKey, amount: moved,
                detail: "\(moved.decimalString) USD tracked on \(ledgerDay) was billed on \(billedDay): events near midnight UTC fall on different days (check the sender's timestamps and time zone)"))
            lines[key]!.reasons.append(.timezoneShift)
            lines[next]!.reasons.append(.timezoneShift)
            residual[key] = .zero
            residual[next] = .zero
        }

        // What is left on each line.
        for key in residual.keys.sorted() {
            guard let rest = residual[key], significant(rest) else { continue }
            let current = lines[key]!
            let reason: DifferenceReason
            let detail: String
            if current.unpricedEvents > 0 && !rest.isNegative {
                reason = .unpricedEvents
                detail = "\(current.unpricedEvents) unpriced events in the ledger; the provider billed \(rest.decimalString) USD more (set their price with prices.set)"
            } else if current.events == 0 && !rest.isNegative {
                reason = .lateEvents
                detail = "the provider billed \(rest.decimalString) USD on a day the ledger has no events for this key yet (events sent late, or not sent)"
            } else {
                reason = .priceMismatch
                detail = "the ledger priced \(current.events) events at \(current.tracked.decimalString) USD; the provider billed \((current.tracked + rest).decimalString) USD (check the catalog price against the billed rate)"
            }
            lines[key]!.reasons.append(reason)
            report.findings.append(ReconcileFinding(reason: reason, provider: provider, days: [key.day], apiKey: key.apiKey, amount: rest, detail: detail))
        }

        // Every day of the range has a verdict, also a day without usage on either side.
        var days: [UTCDate: (Money, Money)] = [:]
        for offset in 0...max(0, to.daysSinceEpoch - from.daysSinceEpoch) { days[from.adding(days: offset)] = (.zero, .zero) }
        for line in lines.values {
            let current = days[line.day] ?? (.zero, .zero)
            days[line.day] = (current.0 + line.tracked, current.1 + line.billed)
        }
        for (day, sums) in days {
            report.days.append(ReconcileDay(day: day, provider: provider, tracked: sums.0, billed: sums.1,
                                            matches: (sums.1 - sums.0).absoluteValue <= tolerance))
        }
        report.lines += lines.values
    }
}
