/// Why a text could not be read as an amount of money or a price.
///
/// Every case carries the offending text so that a rejected event or catalog line can be
/// reported back verbatim.
public enum MoneyParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is empty.
    case empty
    /// The text is longer than any amount needs (``maximumLength`` characters).
    case tooLong(String)
    /// A character that has no place in a decimal number, at a 0-based byte offset.
    case unexpectedCharacter(String, character: Character, offset: Int)
    /// A sign, point or exponent marker with no digits after it ("-", "1.", "1e").
    case missingDigits(String, after: String)
    /// NaN or infinity.
    case notFinite(String)
    /// More significant decimal places than the unit allows (12 for pico-USD).
    case tooPrecise(String, maximumFractionDigits: Int)
    /// Outside the range of the target integer type.
    case outOfRange(String)
    /// A negative value where only zero or more is meaningful (a price).
    case negative(String)
    /// A JSON value that is neither a string nor a number.
    case notANumber(typeName: String)

    /// The longest text accepted.
    public static let maximumLength = DecimalText.maximumLength

    public var description: String {
        switch self {
        case .empty:
            return "empty amount: expected a decimal number such as \"0.0001851\""
        case .tooLong(let text):
            return "amount \"\(text.prefix(20))...\" is longer than \(Self.maximumLength) characters"
        case .unexpectedCharacter(let text, let character, let offset):
            return "\"\(text)\" is not a decimal number: unexpected \"\(character)\" at offset \(offset)"
        case .missingDigits(let text, let after):
            return after.isEmpty
                ? "\"\(text)\" is not a decimal number: no digits"
                : "\"\(text)\" is not a decimal number: digits expected after \"\(after)\""
        case .notFinite(let text):
            return "\"\(text)\" is not a finite number"
        case .tooPrecise(let text, let places):
            return "\"\(text)\" has more than \(places) decimal places (amounts are exact to 1e-\(places) USD)"
        case .outOfRange(let text):
            return "\"\(text)\" is out of range"
        case .negative(let text):
            return "\"\(text)\" is negative; a price must be zero or more"
        case .notANumber(let typeName):
            return "expected a decimal string or a number, got \(typeName)"
        }
    }

    init(_ failure: DecimalText.Failure, text: String) {
        switch failure {
        case .empty: self = .empty
        case .tooLong: self = .tooLong(text)
        case .unexpectedCharacter(let character, let offset):
            self = .unexpectedCharacter(text, character: character, offset: offset)
        case .missingDigits(let after): self = .missingDigits(text, after: after)
        case .notFinite: self = .notFinite(text)
        case .exponentOutOfRange: self = .outOfRange(text)
        }
    }
}
