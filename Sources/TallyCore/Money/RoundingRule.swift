/// How an amount is rounded to fewer decimal places.
///
/// Ledger amounts are never rounded; rounding exists only for reports and invoices, where
/// cents are shown. The default is ``halfEven`` (banker's rounding) because a report sums
/// many rounded lines and half-even does not drift upward the way half-up does.
public enum RoundingRule: String, Sendable, Hashable, CaseIterable {
    /// Ties go to the even neighbour: 0.125 → 0.12, 0.135 → 0.14.
    case halfEven = "half_even"
    /// Ties go away from zero: 0.125 → 0.13, -0.125 → -0.13 (common on invoices).
    case halfAwayFromZero = "half_away_from_zero"
}

extension Money {
    /// The amount rounded to `places` decimal places of USD (0...12).
    public func rounded(toDecimalPlaces places: Int, rule: RoundingRule = .halfEven) -> Money {
        precondition((0...Self.fractionDigits).contains(places), "decimal places must be 0...12")
        let unit = pow10(Self.fractionDigits - places)
        return Money(picoUSD: Self.divide(picoUSD, by: unit, rule: rule) * unit)
    }

    /// The amount rounded to whole cents.
    public func roundedToCents(rule: RoundingRule = .halfEven) -> Money {
        rounded(toDecimalPlaces: 2, rule: rule)
    }

    /// The amount as a whole number of cents.
    public func cents(rule: RoundingRule = .halfEven) -> Int128 {
        Self.divide(picoUSD, by: pow10(Self.fractionDigits - 2), rule: rule)
    }

    /// `value / divisor` rounded by `rule`; `divisor` is positive.
    static func divide(_ value: Int128, by divisor: Int128, rule: RoundingRule) -> Int128 {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        if remainder == 0 { return quotient }
        let twice = remainder.magnitude * 2
        let awayFromZero = value < 0 ? quotient - 1 : quotient + 1
        if twice > divisor.magnitude { return awayFromZero }
        if twice < divisor.magnitude { return quotient }
        switch rule {
        case .halfAwayFromZero: return awayFromZero
        case .halfEven: return quotient % 2 == 0 ? quotient : awayFromZero
        }
    }
}
