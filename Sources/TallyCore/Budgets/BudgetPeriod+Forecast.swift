extension BudgetPeriod {
    /// How far `instant` is into `interval`, in microseconds: `elapsed` is clamped to
    /// `0...total`, so an instant before the period gives 0 and one after it gives `total`.
    public static func elapsed(at instant: Timestamp, in interval: BudgetInterval) -> (elapsed: Int64, total: Int64) {
        let total = max(interval.end.microsecondsSinceEpoch - interval.start.microsecondsSinceEpoch, 0)
        let elapsed = instant.microsecondsSinceEpoch - interval.start.microsecondsSinceEpoch
        return (min(max(elapsed, 0), total), total)
    }

    /// How far `instant` is into the period containing it, exactly, in microseconds.
    public func elapsed(at instant: Timestamp) -> (elapsed: Int64, total: Int64) {
        Self.elapsed(at: instant, in: interval(containing: instant))
    }

    /// The elapsed share of the period containing `instant`, 0 ≤ fraction < 1.
    ///
    /// A ratio for display and forecasts only; money is never multiplied by it (see
    /// ``forecast(spent:at:interval:)``).
    public func elapsedFraction(at instant: Timestamp) -> Double {
        let (elapsed, total) = elapsed(at: instant)
        return total == 0 ? 0 : Double(elapsed) / Double(total)
    }

    /// The spend expected by the end of `interval` if it continues at the average rate so far:
    /// `spent × total / elapsed`, with `elapsed` and `total` in microseconds.
    ///
    /// Exact integer arithmetic on pico-USD, rounded once to the nearest pico-USD with ties to
    /// even (``RoundingRule/halfEven``). With nothing elapsed yet (at or before the start) there
    /// is no rate to extrapolate and the forecast is `spent`; at or after the end it is `spent`
    /// too, since the period is over.
    public func forecast(spent: Money, at instant: Timestamp, interval: BudgetInterval) -> Money {
        let (elapsed, total) = Self.elapsed(at: instant, in: interval)
        guard elapsed > 0, elapsed < total else { return spent }
        // spent = q × elapsed + r, so spent × total / elapsed = q × total + r × total / elapsed;
        // the split keeps the product in Int128 for any amount whose forecast fits.
        let divisor = Int128(elapsed)
        let (quotient, remainder) = spent.picoUSD.quotientAndRemainder(dividingBy: divisor)
        let (partQuotient, partRemainder) = (remainder * Int128(total)).quotientAndRemainder(dividingBy: divisor)
        // Both quotients truncate toward zero, so their sum is the exact result truncated and
        // partRemainder what is left over; the tie must go to the even neighbour of the sum
        // (rounding the fractional part alone would pick the wrong parity).
        let truncated = quotient * Int128(total) + partQuotient
        let twice = partRemainder.magnitude * 2
        let away = spent.isNegative ? truncated - 1 : truncated + 1
        if twice > divisor.magnitude || (twice == divisor.magnitude && truncated % 2 != 0) {
            return Money(picoUSD: away)
        }
        return Money(picoUSD: truncated)
    }
}
