import TallyJSON
import Testing

@testable import TallyCore

@Suite("Price book: overrides over the shipped catalog")
struct PriceBookTests {
    static let overridesText = """
        {"version": "r7", "models": [
         {"provider": "openai", "model": "gpt-4o", "prices": {"input": 2000000, "output": 8000000}},
         {"provider": "anthropic", "model": "claude-sonnet-4-5", "effective_from": "2026-12-01T00:00:00Z",
          "prices": {"input": 2700000, "output": 13500000}}
        ]}
        """

    func book() throws -> PriceBook {
        PriceBook(shipped: try PricingTestCatalog.catalog, overrides: try PriceCatalog.decode(try JSONCodec.parse(Self.overridesText)))
    }

    @Test("overrides win, also over a more specific shipped entry")
    func overridesWin() throws {
        let book = try book()
        let time = try Timestamp(rfc3339: "2026-11-20T00:00:00Z")
        let gpt4o = try #require(book.resolve(provider: "openai", model: "gpt-4o", at: time))
        #expect(gpt4o.layer == .override)
        #expect(gpt4o.price.standard.prices.input == PicoPrice(picoUSD: 2_000_000))
        let snapshot = try #require(book.resolve(provider: "openai", model: "gpt-4o-2024-05-13", at: time))
        #expect(snapshot.layer == .override)
        #expect(snapshot.match.rule == .baseModel)
        let mini = try #require(book.resolve(provider: "openai", model: "gpt-4o-mini", at: time))
        #expect(mini.layer == .shipped)
    }

    @Test("an override not yet in force leaves the shipped price")
    func overrideLater() throws {
        let book = try book()
        let before = try #require(book.resolve(provider: "anthropic", model: "claude-sonnet-4-5", at: try Timestamp(rfc3339: "2026-11-30T12:00:00Z")))
        #expect(before.layer == .shipped)
        let after = try #require(book.resolve(provider: "anthropic", model: "claude-sonnet-4-5", at: try Timestamp(rfc3339: "2026-12-01T00:00:00Z")))
        #expect(after.layer == .override)
        #expect(after.price.standard.prices.input == PicoPrice(picoUSD: 2_700_000))
    }

    @Test("the version names both layers and is stamped on priced entries")
    func version() throws {
        let book = try book()
        #expect(book.version == "test-1+r7")
        #expect(PriceBook(shipped: try PricingTestCatalog.catalog).version == "test-1")
        #expect(PriceBook(shipped: try PricingTestCatalog.catalog, overrides: .empty(version: "r0")).version == "test-1")
        let outcome = book.price(usage: TokenUsage(inputTokens: 1), provider: "openai", model: "gpt-4o", at: try Timestamp(rfc3339: "2026-11-20T00:00:00Z"))
        #expect(outcome.pricedCost?.priceVersion == "test-1+r7")
        #expect(outcome.pricedCost?.cost.total == Money(picoUSD: 2_000_000))
    }

    @Test("unknown models and missing prices are unpriced, with a reason")
    func unpriced() throws {
        let book = try book()
        let time = try Timestamp(rfc3339: "2026-11-20T00:00:00Z")
        let unknown = book.price(usage: TokenUsage(inputTokens: 1000), provider: "openai", model: "gpt-99", at: time)
        #expect(unknown == .unpriced(.unknownModel(provider: "openai", model: "gpt-99"), priceVersion: "test-1+r7"))
        guard case .unpriced(let reason, _) = unknown else { Issue.record("priced an unknown model"); return }
        #expect(reason.code == "unknown_model")
        #expect(reason.description == "no price for openai/gpt-99")
        let missing = book.price(usage: TokenUsage(webSearchCalls: 1), provider: "openai", model: "gpt-5", at: time)
        guard case .unpriced(let missingReason, _) = missing else { Issue.record("priced a missing fee"); return }
        #expect(missingReason.code == "missing_price")
        #expect(missingReason.description == "no web_search_calls price for openai/gpt-5")
    }
}
