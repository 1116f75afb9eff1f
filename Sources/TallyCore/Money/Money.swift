/// An exact amount of US dollars, counted in pico-USD (1e-12 USD).
///
/// Money is never a floating-point number in Tally: prices are integers of pico-USD per token,
/// so every event cost is an exact integer, and sums of costs are exact. An `Int128` holds
/// ±1.7e26 USD, so no ledger can overflow it; arithmetic traps rather than wraps if it ever did.
///
/// On the wire money is a decimal string in USD (see ``decimalString`` and
/// ``parse(_:)``).
public struct Money: Sendable, Hashable, Comparable {
    /// pico-USD per USD.
    public static let picoPerUSD: Int128 = 1_000_000_000_000
    /// Decimal places of one pico-USD.
    public static let fractionDigits = 12

    /// The amount in pico-USD.
    public var picoUSD: Int128

    public init(picoUSD: Int128) {
        self.picoUSD = picoUSD
    }

    /// A whole number of dollars.
    public init(wholeUSD: Int64) {
        self.picoUSD = Int128(wholeUSD) * Self.picoPerUSD
    }

    public static let zero = Money(picoUSD: 0)

    public var isZero: Bool { picoUSD == 0 }
    public var isNegative: Bool { picoUSD < 0 }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.picoUSD < rhs.picoUSD }
}

// MARK: - Arithmetic

extension Money: AdditiveArithmetic {
    public static func + (lhs: Money, rhs: Money) -> Money { Money(picoUSD: lhs.picoUSD + rhs.picoUSD) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(picoUSD: lhs.picoUSD - rhs.picoUSD) }
    public static func += (lhs: inout Money, rhs: Money) { lhs.picoUSD += rhs.picoUSD }
    public static func -= (lhs: inout Money, rhs: Money) { lhs.picoUSD -= rhs.picoUSD }
}

extension Money {
    public static prefix func - (amount: Money) -> Money { Money(picoUSD: -amount.picoUSD) }

    /// The amount times a count (of tokens, requests, periods).
    public static func * (lhs: Money, rhs: some BinaryInteger) -> Money {
        Money(picoUSD: lhs.picoUSD * Int128(rhs))
    }

    /// The amount times a count (of tokens, requests, periods).
    public static func * (lhs: some BinaryInteger, rhs: Money) -> Money {
        Money(picoUSD: Int128(lhs) * rhs.picoUSD)
    }

    /// The exact sum of amounts.
    public static func sum(_ amounts: some Sequence<Money>) -> Money {
        var total = Int128(0)
        for amount in amounts { total += amount.picoUSD }
        return Money(picoUSD: total)
    }

    /// The magnitude of the amount.
    public var absoluteValue: Money { Money(picoUSD: picoUSD < 0 ? -picoUSD : picoUSD) }
}
