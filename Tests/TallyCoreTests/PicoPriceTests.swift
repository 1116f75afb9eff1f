import TallyJSON
import Testing

@testable import TallyCore

@Suite("PicoPrice")
struct PicoPriceTests {
    @Test(
        "converts LiteLLM doubles exactly through their shortest description",
        arguments: [
            (1.5e-07, Int64(150_000)),
            (6e-07, Int64(600_000)),
            (7.5e-08, Int64(75_000)),
            (3.75e-06, Int64(3_750_000)),
            (1.875e-06, Int64(1_875_000)),
            (6.25e-08, Int64(62_500)),
            (1e-05, Int64(10_000_000)),
            (0.025, Int64(25_000_000_000)),
            (2.8e-08, Int64(28_000)),
            (0.0, Int64(0)),
        ])
    func convertsDoubles(value: Double, pico: Int64) throws {
        let conversion = try PicoPrice.convert(usdPerUnitJSON: .number(value))
        #expect(conversion.price.picoUSD == pico)
        #expect(!conversion.wasRounded)
    }

    @Test("rounds prices finer than a pico-USD half to even, and says so")
    func roundsAndReports() throws {
        let third = try PicoPrice.convert(usdPerUnitJSON: .number(2.857142857142857e-07))
        #expect(third.price.picoUSD == 285_714)
        #expect(third.wasRounded)
        #expect(third.text == "2.857142857142857e-07")
        #expect(try PicoPrice.convert(usdPerUnit: "0.0000000000005").price.picoUSD == 0)  // tie to even
        #expect(try PicoPrice.convert(usdPerUnit: "0.0000000000015").price.picoUSD == 2)  // tie to even
        #expect(try PicoPrice.convert(usdPerUnit: "0.00000000000150001").price.picoUSD == 2)
        #expect(try PicoPrice.convert(usdPerUnit: "0.0000000000025").price.picoUSD == 2)
        #expect(try PicoPrice.convert(usdPerUnit: "0.00000000000249").price.picoUSD == 2)
        #expect(try PicoPrice.convert(usdPerUnit: "0.00000000000001").price.picoUSD == 0)
        #expect(try PicoPrice.convert(usdPerUnitJSON: .number(8.900000000000001e-07)).price.picoUSD == 890_000)
    }

    @Test("parses exact prices and refuses what cannot be one")
    func parses() throws {
        #expect(try PicoPrice.parse(usdPerUnit: "0.00000015").picoUSD == 150_000)
        #expect(try PicoPrice.parse(usdPerMillion: "0.15").picoUSD == 150_000)
        #expect(try PicoPrice.parse(usdPerMillion: "15").picoUSD == 15_000_000)
        #expect(try PicoPrice.parse(usdPerMillion: "0.000001").picoUSD == 1)
        #expect(throws: MoneyParseError.tooPrecise("0.0000001", maximumFractionDigits: 6)) {
            try PicoPrice.parse(usdPerMillion: "0.0000001")
        }
        #expect(throws: MoneyParseError.negative("-0.1")) { try PicoPrice.parse(usdPerUnit: "-0.1") }
        #expect(throws: MoneyParseError.outOfRange("10000000")) { try PicoPrice.parse(usdPerUnit: "10000000") }
        #expect(throws: MoneyParseError.notANumber(typeName: "array")) { try PicoPrice.convert(usdPerUnitJSON: [1]) }
        #expect(throws: MoneyParseError.notFinite("inf")) { try PicoPrice.convert(usdPerUnitJSON: .number(.infinity)) }
    }

    @Test("prices quantities exactly and prints per-million prices")
    func costs() {
        let price = PicoPrice(picoUSD: 150_000)
        #expect(price.cost(of: 1_000_000) == Money(picoUSD: 150_000_000_000))
        #expect(price.usdPerMillion == "0.15")
        #expect(price.usdPerUnit == "0.00000015")
        // The largest price times the largest count still fits.
        #expect(PicoPrice(picoUSD: .max).cost(of: .max).picoUSD == Int128(Int64.max) * Int128(Int64.max))
    }
}
