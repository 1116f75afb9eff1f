import TallyJSON
import Testing

@testable import TallyCore

@Suite("Money")
struct MoneyTests {
    @Test(
        "parses decimal strings exactly",
        arguments: [
            ("0.0001851", Int128(185_100_000)),
            ("12", Int128(12_000_000_000_000)),
            ("-3.5", Int128(-3_500_000_000_000)),
            ("0", Int128(0)),
            ("-0", Int128(0)),
            ("0.000000000001", Int128(1)),
            ("1.000000000000000", Int128(1_000_000_000_000)),  // trailing zeros beyond 12 places are exact
            ("1e-6", Int128(1_000_000)),
            ("1.5E-7", Int128(150_000)),
            ("2.5e+3", Int128(2_500_000_000_000_000)),
            ("007.10", Int128(7_100_000_000_000)),
            ("170141183460469231731687303.715884105727", Int128.max),
        ])
    func parses(text: String, pico: Int128) throws {
        #expect(try Money.parse(text).picoUSD == pico)
    }

    @Test("rejects garbage with a precise message")
    func rejects() throws {
        #expect(throws: MoneyParseError.empty) { try Money.parse("") }
        #expect(throws: MoneyParseError.unexpectedCharacter("12a", character: "a", offset: 2)) { try Money.parse("12a") }
        #expect(throws: MoneyParseError.unexpectedCharacter("+1", character: "+", offset: 0)) { try Money.parse("+1") }
        #expect(throws: MoneyParseError.unexpectedCharacter(" 1", character: " ", offset: 0)) { try Money.parse(" 1") }
        #expect(throws: MoneyParseError.unexpectedCharacter(".5", character: ".", offset: 0)) { try Money.parse(".5") }
        #expect(throws: MoneyParseError.missingDigits("1.", after: ".")) { try Money.parse("1.") }
        #expect(throws: MoneyParseError.missingDigits("-", after: "-")) { try Money.parse("-") }
        #expect(throws: MoneyParseError.missingDigits("1e", after: "e")) { try Money.parse("1e") }
        #expect(throws: MoneyParseError.unexpectedCharacter("1,5", character: ",", offset: 1)) { try Money.parse("1,5") }
        #expect(throws: MoneyParseError.notFinite("NaN")) { try Money.parse("NaN") }
        #expect(throws: MoneyParseError.tooPrecise("0.0000000000001", maximumFractionDigits: 12)) {
            try Money.parse("0.0000000000001")
        }
        #expect(throws: MoneyParseError.outOfRange("1e30")) { try Money.parse("1e30") }
        #expect(throws: MoneyParseError.outOfRange("1e999")) { try Money.parse("1e999") }
        #expect(throws: MoneyParseError.outOfRange("170141183460469231731687303.715884105728")) {
            try Money.parse("170141183460469231731687303.715884105728")
        }
        #expect(try Money.parse("-170141183460469231731687303.715884105727") == Money(picoUSD: -Int128.max))
        #expect(throws: MoneyParseError.tooLong(String(repeating: "1", count: 101))) {
            try Money.parse(String(repeating: "1", count: 101))
        }
        #expect(
            MoneyParseError.tooPrecise("0.0000000000001", maximumFractionDigits: 12).description
                == "\"0.0000000000001\" has more than 12 decimal places (amounts are exact to 1e-12 USD)")
        #expect(MoneyParseError.unexpectedCharacter("12a", character: "a", offset: 2).description == "\"12a\" is not a decimal number: unexpected \"a\" at offset 2")
    }

    @Test(
        "formats the shortest exact decimal",
        arguments: [
            (Int128(185_100_000), "0.0001851"),
            (Int128(12_000_000_000_000), "12"),
            (Int128(-3_500_000_000_000), "-3.5"),
            (Int128(0), "0"),
            (Int128(1), "0.000000000001"),
            (Int128(-1), "-0.000000000001"),
            (Int128.max, "170141183460469231731687303.715884105727"),
            (Int128.min, "-170141183460469231731687303.715884105728"),
        ])
    func formats(pico: Int128, text: String) {
        #expect(Money(picoUSD: pico).decimalString == text)
    }

    @Test("round-trips through the decimal string")
    func roundTrips() throws {
        for pico: Int128 in [0, 1, 7, 10, 123_456_789_012_345, -98_765, 1_000_000_000_000, 5_000_000_000_001] {
            let money = Money(picoUSD: pico)
            #expect(try Money.parse(money.decimalString) == money)
        }
    }

    @Test("adds, subtracts, multiplies and compares exactly")
    func arithmetic() throws {
        let a = try Money.parse("0.1")
        let b = try Money.parse("0.2")
        #expect(a + b == (try Money.parse("0.3")))  // no binary floating point drift
        #expect(b - a == a)
        #expect(a * 3 == (try Money.parse("0.3")))
        #expect(Int64(4) * a == (try Money.parse("0.4")))
        #expect(-a == (try Money.parse("-0.1")))
        #expect(a < b)
        #expect((-a).absoluteValue == a)
        var total = Money.zero
        total += b
        total -= a
        #expect(total == a)
        // A million events at 150,000 pico-USD each: 0.15 USD.
        #expect(Money.sum(Array(repeating: Money(picoUSD: 150_000), count: 1_000_000)) == (try Money.parse("0.15")))
        // Sums beyond 64 bits are exact: 10^7 events of 10^6 USD each.
        let big = Money(wholeUSD: 1_000_000)
        #expect(Money.sum(Array(repeating: big, count: 10)) * 1_000_000 == Money(picoUSD: Int128(10_000_000_000_000) * Money.picoPerUSD))
    }

    @Test(
        "rounds to cents, half to even by default",
        arguments: [
            ("0.125", "0.12", "0.13"),
            ("0.135", "0.14", "0.14"),
            ("-0.125", "-0.12", "-0.13"),
            ("0.124999999999", "0.12", "0.12"),
            ("0.125000000001", "0.13", "0.13"),
            ("2.5", "2.5", "2.5"),
            ("0.005", "0", "0.01"),
        ])
    func roundsToCents(text: String, halfEven: String, halfUp: String) throws {
        let amount = try Money.parse(text)
        #expect(amount.roundedToCents().decimalString == halfEven)
        #expect(amount.roundedToCents(rule: .halfAwayFromZero).decimalString == halfUp)
    }

    @Test("formats fixed decimals for reports")
    func formatsForReports() throws {
        #expect(try Money.parse("12.345").formatted() == "12.34")
        #expect(try Money.parse("12.345").formatted(rounding: .halfAwayFromZero) == "12.35")
        #expect(try Money.parse("-0.5").formatted() == "-0.50")
        #expect(Money.zero.formatted() == "0.00")
        #expect(try Money.parse("0.0001851").formatted(decimalPlaces: 6) == "0.000185")
        #expect(try Money.parse("7.5").formatted(decimalPlaces: 0) == "8")
        #expect(try Money.parse("12.345").cents() == 1234)
    }

    @Test("reads JSON strings, integers and reals exactly")
    func readsJSON() throws {
        #expect(try Money.parse(json: "0.0001851") == Money(picoUSD: 185_100_000))
        #expect(try Money.parse(json: .integer(3)) == Money(wholeUSD: 3))
        #expect(try Money.parse(json: .number(0.0001851)) == Money(picoUSD: 185_100_000))
        #expect(try Money.parse(json: .number(1.5e-7)) == Money(picoUSD: 150_000))
        // A real with digits beyond pico-USD was never exact; it is rounded, not rejected.
        #expect(try Money.parse(json: .number(1.2345678901234567e-05)) == Money(picoUSD: 12_345_679))
        #expect(throws: MoneyParseError.notANumber(typeName: "boolean")) { try Money.parse(json: true) }
        #expect(Money(picoUSD: 185_100_000).jsonValue == .string("0.0001851"))
    }
}
