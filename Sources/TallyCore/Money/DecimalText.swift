/// A decimal number exactly as written: a sign, its significant digits and a power of ten.
///
/// Money and prices are read through this type so that no value ever passes through binary
/// floating point: "0.1" is one digit and exponent -1, not 0.1000000000000000055...
/// The grammar is JSON's number grammar (an optional `-`, digits, an optional fraction, an
/// optional exponent), which also covers the shortest round-trip description of a `Double`
/// ("1.5e-07", "1e+16").
struct DecimalText: Sendable, Hashable {
    /// Longer inputs are rejected before scanning: no price or amount needs more characters,
    /// and the cap keeps hostile inputs cheap.
    static let maximumLength = 100
    /// Exponents beyond this are rejected; 10^400 is far outside every representable amount.
    static let maximumExponentMagnitude = 400

    var isNegative: Bool
    /// Significant digits (0...9), most significant first, without leading or trailing zeros;
    /// empty for zero.
    var digits: [UInt8]
    /// The value is `digits × 10^exponent`.
    var exponent: Int

    var isZero: Bool { digits.isEmpty }

    /// Why a text is not a decimal number. Carried inside ``MoneyParseError``.
    enum Failure: Error, Sendable, Hashable {
        case empty
        case tooLong
        case unexpectedCharacter(Character, offset: Int)
        case missingDigits(after: String)
        case notFinite
        case exponentOutOfRange
    }

    static func parse(_ text: String) -> Result<DecimalText, Failure> {
        if text.isEmpty { return .failure(.empty) }
        let lowered = text.lowercased()
        if ["nan", "-nan", "inf", "-inf", "+inf", "infinity", "-infinity"].contains(lowered) {
            return .failure(.notFinite)
        }
        let bytes = Array(text.utf8)
        if bytes.count > maximumLength { return .failure(.tooLong) }

        var index = 0
        func unexpected(_ offset: Int) -> Failure {
            // Report the character (not the byte) so messages stay readable for non-ASCII input.
            let character = String(decoding: bytes[offset...], as: UTF8.self).first ?? "?"
            return .unexpectedCharacter(character, offset: offset)
        }

        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        } else if bytes[index] == UInt8(ascii: "+") {
            return .failure(unexpected(0))
        }

        var all: [UInt8] = []  // integer digits then fraction digits
        var fractionCount = 0
        let integerStart = index
        while index < bytes.count, let digit = digitValue(bytes[index]) {
            all.append(digit)
            index += 1
        }
        if index == integerStart {
            if index < bytes.count { return .failure(unexpected(index)) }
            return .failure(.missingDigits(after: negative ? "-" : ""))
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < bytes.count, let digit = digitValue(bytes[index]) {
                all.append(digit)
                index += 1
            }
            fractionCount = index - fractionStart
            if fractionCount == 0 {
                if index < bytes.count { return .failure(unexpected(index)) }
                return .failure(.missingDigits(after: "."))
            }
        }
        var explicitExponent = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            var exponentNegative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            let exponentStart = index
            while index < bytes.count, let digit = digitValue(bytes[index]) {
                explicitExponent = explicitExponent * 10 + Int(digit)
                if explicitExponent > maximumExponentMagnitude * 10 { return .failure(Failure.exponentOutOfRange) }
                index += 1
            }
            if index == exponentStart {
                if index < bytes.count { return .failure(unexpected(index)) }
                return .failure(Failure.missingDigits(after: "e"))
            }
            if exponentNegative { explicitExponent = -explicitExponent }
        }
        if index < bytes.count { return .failure(unexpected(index)) }

        var exponent = explicitExponent - fractionCount
        // Normalise: no leading zeros, no trailing zeros (folded into the exponent).
        let firstNonZero = all.firstIndex(where: { $0 != 0 }) ?? all.endIndex
        var significant = Array(all[firstNonZero...])
        while let last = significant.last, last == 0 {
            significant.removeLast()
            exponent += 1
        }
        if significant.isEmpty {
            return .success(DecimalText(isNegative: false, digits: [], exponent: 0))
        }
        if abs(exponent) > maximumExponentMagnitude { return .failure(Failure.exponentOutOfRange) }
        return .success(DecimalText(isNegative: negative, digits: significant, exponent: exponent))
    }

    private static func digitValue(_ byte: UInt8) -> UInt8? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : nil
    }

    /// The outcome of expressing the value as an integer count of `10^-places` units.
    enum Scaled: Sendable, Hashable {
        /// The value is exactly this many units.
        case exact(Int128)
        /// The value lies between two integers and was rounded half to even.
        case rounded(Int128)
        /// The value has digits below one unit and rounding was not allowed.
        case inexact
        /// The value does not fit in an `Int128`.
        case overflow
    }

    /// The value in units of `10^-places`, for example `places: 12` for pico-USD.
    func scaled(toPlaces places: Int, roundHalfEven: Bool) -> Scaled {
        if digits.isEmpty { return .exact(0) }
        let shift = exponent + places
        var magnitude: Int128 = 0
        let keptCount = shift >= 0 ? digits.count : digits.count + shift
        if keptCount > 40 { return .overflow }
        for digit in digits.prefix(max(keptCount, 0)) {
            guard let next = multiplyAdd(magnitude, 10, Int128(digit)) else { return .overflow }
            magnitude = next
        }
        if shift > 0 {
            for _ in 0..<shift {
                guard let next = multiplyAdd(magnitude, 10, 0) else { return .overflow }
                magnitude = next
            }
        }
        var wasRounded = false
        if shift < 0 {
            // Digits below one unit exist; they are all significant (trailing zeros were removed).
            guard roundHalfEven else { return .inexact }
            wasRounded = true
            let dropped = Array(digits.suffix(from: max(keptCount, 0)))
            // Leading zeros of the dropped part when the value is smaller than half a unit's tenth.
            let leadingZeros = max(-keptCount, 0)
            let roundUp: Bool
            if leadingZeros > 0 {
                roundUp = false  // below 0.1 unit: always rounds toward zero
            } else if dropped[0] > 5 {
                roundUp = true
            } else if dropped[0] < 5 {
                roundUp = false
            } else if dropped.count > 1 {
                roundUp = true  // more than half: the digits after the 5 are not all zero
            } else {
                roundUp = magnitude % 2 == 1  // exactly half: to even
            }
            if roundUp {
                guard let next = multiplyAdd(magnitude, 1, 1) else { return .overflow }
                magnitude = next
            }
        }
        let value = isNegative ? -magnitude : magnitude
        return wasRounded ? .rounded(value) : .exact(value)
    }

    private func multiplyAdd(_ value: Int128, _ factor: Int128, _ addend: Int128) -> Int128? {
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        if overflow { return nil }
        let (sum, overflow2) = product.addingReportingOverflow(addend)
        return overflow2 ? nil : sum
    }
}
