import TallyJSON

/// A price in pico-USD (1e-12 USD) per unit: per token for token prices, per call for fees.
///
/// One pico-USD per token is one micro-USD per million tokens, so "USD per million tokens with
/// six decimals", the precision every provider publishes, is an exact integer here:
/// $0.15 per million tokens is 150,000. Prices are never negative.
public struct PicoPrice: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// pico-USD per unit.
    public var picoUSD: Int64

    public init(picoUSD: Int64) {
        precondition(picoUSD >= 0, "a price is never negative")
        self.picoUSD = picoUSD
    }

    public static let zero = PicoPrice(picoUSD: 0)

    public static func < (lhs: PicoPrice, rhs: PicoPrice) -> Bool { lhs.picoUSD < rhs.picoUSD }

    /// The cost of `quantity` units, exactly.
    public func cost(of quantity: Int64) -> Money {
        Money(picoUSD: Int128(picoUSD) * Int128(quantity))
    }

    /// The price in USD per unit as a decimal string ("0.00000015").
    public var usdPerUnit: String { Money(picoUSD: Int128(picoUSD)).decimalString }

    /// The price in USD per million units as a decimal string ("0.15").
    public var usdPerMillion: String { Money(picoUSD: Int128(picoUSD) * 1_000_000).decimalString }

    public var description: String { "\(picoUSD) pico-USD" }
}

/// A price read from a decimal text, and whether it had to be rounded to a whole pico-USD.
public struct PriceConversion: Sendable, Hashable {
    /// The price, rounded half to even when the text was finer than 1e-12 USD.
    public var price: PicoPrice
    /// The decimal text that was read (for a JSON real, its shortest description).
    public var text: String
    /// Whether the text had digits below 1e-12 USD that rounding removed.
    public var wasRounded: Bool
}

extension PicoPrice {
    /// Reads a price in USD per unit ("0.00000015", "1.5e-07") exactly; rejects digits below
    /// 1e-12 USD and negative values.
    public static func parse(usdPerUnit text: String) throws(MoneyParseError) -> PicoPrice {
        let conversion = try convert(text, scalePlaces: Money.fractionDigits, allowRounding: false)
        return conversion.price
    }

    /// Reads a price in USD per million units ("0.15" → 150,000 pico-USD per unit), the way
    /// providers publish token prices; rejects digits below 1e-6 USD per million.
    public static func parse(usdPerMillion text: String) throws(MoneyParseError) -> PicoPrice {
        let conversion = try convert(text, scalePlaces: Money.fractionDigits - 6, allowRounding: false)
        return conversion.price
    }

    /// Reads a price in USD per unit, rounding anything finer than 1e-12 USD half to even and
    /// saying whether it did, so that an importer can report the rounded prices.
    public static func convert(usdPerUnit text: String) throws(MoneyParseError) -> PriceConversion {
        try convert(text, scalePlaces: Money.fractionDigits, allowRounding: true)
    }

    /// Reads a price in USD per unit from JSON: a decimal string, an integer, or a real read
    /// exactly through its shortest round-trip description (how LiteLLM's `1.5e-07` becomes
    /// 150,000 pico-USD). Rounds below 1e-12 USD half to even and reports it.
    public static func convert(usdPerUnitJSON value: JSONValue) throws(MoneyParseError) -> PriceConversion {
        switch value {
        case .string(let text): return try convert(usdPerUnit: text)
        case .integer(let whole): return try convert(usdPerUnit: String(whole))
        case .number(let real):
            guard real.isFinite else { throw .notFinite(real.description) }
            return try convert(usdPerUnit: real.description)
        default: throw .notANumber(typeName: value.typeName)
        }
    }

    private static func convert(
        _ text: String, scalePlaces: Int, allowRounding: Bool
    ) throws(MoneyParseError) -> PriceConversion {
        let decimal = try Money.decimalText(text)
        if decimal.isNegative { throw .negative(text) }
        let pico: Int128
        let rounded: Bool
        switch decimal.scaled(toPlaces: scalePlaces, roundHalfEven: allowRounding) {
        case .exact(let value): (pico, rounded) = (value, false)
        case .rounded(let value): (pico, rounded) = (value, true)
        case .inexact: throw .tooPrecise(text, maximumFractionDigits: scalePlaces)
        case .overflow: throw .outOfRange(text)
        }
        guard pico <= Int128(Int64.max) else { throw .outOfRange(text) }
        return PriceConversion(price: PicoPrice(picoUSD: Int64(pico)), text: text, wasRounded: rounded)
    }
}
