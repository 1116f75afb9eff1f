extension Money: CustomStringConvertible {
    /// The shortest exact decimal string in USD: "0.0001851", "12", "-3.5", "0".
    ///
    /// This is the wire form of money; ``parse(_:)`` reads it back to the same value.
    public var decimalString: String {
        let magnitude = picoUSD.magnitude
        let perUSD = UInt128(Self.picoPerUSD)
        var text = picoUSD < 0 ? "-" : ""
        text += String(magnitude / perUSD)
        let fraction = magnitude % perUSD
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: Self.fractionDigits - digits.count) + digits
            while digits.last == "0" { digits.removeLast() }
            text += "." + digits
        }
        return text
    }

    public var description: String { decimalString }

    /// The amount rounded to `places` decimals and written with exactly that many, for reports
    /// ("12.35", "-0.50", "0.00" with `places: 2`).
    public func formatted(decimalPlaces places: Int = 2, rounding rule: RoundingRule = .halfEven) -> String {
        precondition((0...Self.fractionDigits).contains(places), "decimal places must be 0...12")
        let units = rounded(toDecimalPlaces: places, rule: rule).picoUSD / pow10(Self.fractionDigits - places)
        let magnitude = units.magnitude
        var text = units < 0 ? "-" : ""
        if places == 0 { return text + String(magnitude) }
        let scale = UInt128(pow10(places))
        var fraction = String(magnitude % scale)
        fraction = String(repeating: "0", count: places - fraction.count) + fraction
        text += String(magnitude / scale) + "." + fraction
        return text
    }
}

/// 10^exponent as an Int128, for exponents 0...38.
func pow10(_ exponent: Int) -> Int128 {
    var value: Int128 = 1
    for _ in 0..<exponent { value *= 10 }
    return value
}
