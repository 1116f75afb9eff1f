import TallyJSON

extension Money {
    /// Reads a decimal USD string exactly: "0.0001851", "12", "-3.5", "1.5e-7", "0.10".
    ///
    /// The grammar is JSON's number grammar; exponents are accepted because they are exact
    /// and because tools (and `Double` descriptions) write small amounts that way. A leading
    /// "+", a bare "." or spaces are rejected. A value with a non-zero digit beyond 12
    /// decimal places is rejected rather than rounded: an amount on the wire is a fact and
    /// silently changing it would break reconciliation. Use ``parseRoundingToPico(_:)`` for
    /// values known to be approximate (a provider's floating-point cost).
    public static func parse(_ text: String) throws(MoneyParseError) -> Money {
        let decimal = try decimalText(text)
        switch decimal.scaled(toPlaces: fractionDigits, roundHalfEven: false) {
        case .exact(let pico), .rounded(let pico): return Money(picoUSD: pico)
        case .inexact: throw .tooPrecise(text, maximumFractionDigits: fractionDigits)
        case .overflow: throw .outOfRange(text)
        }
    }

    /// Reads a decimal USD string, rounding anything below 1e-12 USD half to even.
    ///
    /// For amounts that were floating point at the source, such as OpenRouter's `cost`.
    public static func parseRoundingToPico(_ text: String) throws(MoneyParseError) -> Money {
        let decimal = try decimalText(text)
        switch decimal.scaled(toPlaces: fractionDigits, roundHalfEven: true) {
        case .exact(let pico), .rounded(let pico): return Money(picoUSD: pico)
        case .inexact: throw .tooPrecise(text, maximumFractionDigits: fractionDigits)
        case .overflow: throw .outOfRange(text)
        }
    }

    /// Reads money from JSON: a decimal string (the wire form), an integer number of USD, or a
    /// JSON real read through its shortest round-trip description.
    ///
    /// A real such as `0.0001851` arrives as the nearest `Double`; its shortest description is
    /// the text the sender wrote, so it converts exactly. Reals with more digits than 12
    /// decimal places are rounded half to even, since they were never exact.
    public static func parse(json value: JSONValue) throws(MoneyParseError) -> Money {
        switch value {
        case .string(let text): return try parse(text)
        case .integer(let whole):
            return Money(wholeUSD: whole)
        case .number(let real):
            guard real.isFinite else { throw .notFinite(real.description) }
            return try parseRoundingToPico(real.description)
        default:
            throw .notANumber(typeName: value.typeName)
        }
    }

    /// The wire form: a decimal USD string.
    public var jsonValue: JSONValue { .string(decimalString) }

    static func decimalText(_ text: String) throws(MoneyParseError) -> DecimalText {
        switch DecimalText.parse(text) {
        case .success(let decimal): return decimal
        case .failure(let failure): throw MoneyParseError(failure, text: text)
        }
    }
}
