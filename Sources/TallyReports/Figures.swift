import TallyCore

/// How reports print numbers. Money is rounded to cents half-even (the ledger's rule for
/// invoices); figures derived from rounded amounts (margin) are computed from the rounded ones,
/// so the printed figures add up.
public enum Figures {
    /// Dollars with two decimals: "1234.50".
    public static func usd(_ amount: Money) -> String { amount.formatted(decimalPlaces: 2) }

    /// A small per-unit amount with four decimals: "0.0042".
    public static func unitUSD(_ amount: Money) -> String { amount.formatted(decimalPlaces: 4) }

    /// Money rounded to cents.
    public static func cents(_ amount: Money) -> Money { amount.roundedToCents() }

    /// `part / whole` as a decimal ratio with four places ("0.9500"); nil when `whole` is zero.
    public static func ratio(_ part: Int64, _ whole: Int64) -> String? {
        guard whole != 0 else { return nil }
        return Money(picoUSD: Int128(part) * Money.picoPerUSD / Int128(whole)).formatted(decimalPlaces: 4)
    }

    /// `part / whole × 100` with two places ("17.69"); nil when `whole` is zero.
    public static func percent(_ part: Money, of whole: Money) -> String? {
        guard !whole.isZero else { return nil }
        return Money(picoUSD: part.picoUSD * 100 * Money.picoPerUSD / whole.picoUSD).formatted(decimalPlaces: 2)
    }

    /// The change from `previous` to `current` in percent with one decimal and a sign ("+12.5", "-3.0");
    /// nil when there is no previous figure to compare with.
    public static func change(_ current: Money, from previous: Money) -> String? {
        guard !previous.isZero else { return nil }
        let delta = Money(picoUSD: (current.picoUSD - previous.picoUSD) * 100 * Money.picoPerUSD / abs(previous.picoUSD))
        let text = delta.formatted(decimalPlaces: 1)
        return delta.isNegative ? text : "+" + text
    }

    /// An amount of `money / count` (cost per task); nil when `count` is zero.
    public static func per(_ amount: Money, _ count: Int64) -> Money? {
        guard count != 0 else { return nil }
        return Money(picoUSD: amount.picoUSD / Int128(count))
    }

    /// Hours from a decimal number of minutes (pico-units), two decimals: "12.50".
    public static func hours(minutes: Money) -> String { Money(picoUSD: minutes.picoUSD / 60).formatted(decimalPlaces: 2) }
}
