import Foundation
import TallyJSON
import Testing

@testable import TallyCore

/// The shipped catalog, `Sources/TallyServer/Resources/prices.json`, built by
/// `scripts/build-price-catalog.py` from LiteLLM's price file.
@Suite("Shipped price catalog")
struct ShippedCatalogTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func shipped() throws -> PriceCatalog {
        let url = repositoryRoot.appendingPathComponent("Sources/TallyServer/Resources/prices.json")
        let data = try Data(contentsOf: url)
        return try PriceCatalog.decode(try JSONCodec.parse(Array(data)))
    }

    static let time = Timestamp(microsecondsSinceEpoch: 1_793_714_400_000_000)  // 2026-11-03T14:00:00Z

    @Test("decodes, with hundreds of models from the major providers")
    func decodes() throws {
        let catalog = try Self.shipped()
        #expect(catalog.version.hasPrefix("shipped-"))
        #expect(catalog.entries.count > 1000)
        let counts = catalog.modelCountsByProvider
        for (provider, minimum) in ["openai": 100, "anthropic": 15, "google": 100, "mistral": 30, "deepseek": 5, "xai": 30, "azure": 150, "bedrock": 200] {
            #expect((counts[provider] ?? 0) >= minimum, "\(provider): \(counts[provider] ?? 0) models")
        }
        #expect(catalog.entries.allSatisfy { $0.standard.prices.input != nil && $0.standard.prices.output != nil })
    }

    @Test("spot-checks known list prices")
    func spotChecks() throws {
        let catalog = try Self.shipped()
        let mini = try #require(catalog.entry(provider: "openai", model: "gpt-4o-mini", at: Self.time))
        #expect(mini.standard.prices.input == PicoPrice(picoUSD: 150_000))  // $0.15 per million
        #expect(mini.standard.prices.output == PicoPrice(picoUSD: 600_000))  // $0.60 per million
        #expect(mini.standard.prices.cacheRead == PicoPrice(picoUSD: 75_000))
        #expect(mini.serviceTiers[.batch]?.prices.input == PicoPrice(picoUSD: 75_000))

        let sonnet = try #require(catalog.entry(provider: "anthropic", model: "claude-sonnet-4-5", at: Self.time))
        #expect(sonnet.standard.prices == TokenPrices(
            input: PicoPrice(picoUSD: 3_000_000), output: PicoPrice(picoUSD: 15_000_000), cacheRead: PicoPrice(picoUSD: 300_000),
            cacheWrite5m: PicoPrice(picoUSD: 3_750_000), cacheWrite1h: PicoPrice(picoUSD: 6_000_000)))
        #expect(sonnet.perWebSearchCall == PicoPrice(picoUSD: 10_000_000_000))  // $10 per 1,000 searches

        let gemini = try #require(catalog.entry(provider: "google", model: "gemini-2.5-pro", at: Self.time))
        #expect(gemini.standard.prices.input == PicoPrice(picoUSD: 1_250_000))
        #expect(gemini.standard.contextTiers.first { $0.aboveInputTokens == 200_000 }?.prices.input == PicoPrice(picoUSD: 2_500_000))

        let gpt5 = try #require(catalog.entry(provider: "openai", model: "gpt-5", at: Self.time))
        #expect(gpt5.standard.prices.input == PicoPrice(picoUSD: 1_250_000))
        #expect(gpt5.serviceTiers[.flex]?.prices.input == PicoPrice(picoUSD: 625_000))

        let deepseek = try #require(catalog.entry(provider: "deepseek", model: "deepseek-chat", at: Self.time))
        #expect(deepseek.standard.prices.cacheRead == PicoPrice(picoUSD: 28_000))
    }

    @Test("resolves names as providers report them")
    func resolves() throws {
        let book = PriceBook(shipped: try Self.shipped())
        for (provider, model) in [
            ("openai", "gpt-4o-mini-2024-07-18"), ("azure", "gpt-4o"), ("anthropic", "claude-sonnet-4-5-20250929"),
            ("gemini", "models/gemini-2.5-pro"), ("vertex_ai", "gemini-2.5-pro"), ("bedrock", "anthropic.claude-3-5-sonnet-20241022-v2:0"),
            ("mistral", "mistral-large-latest"), ("xai", "grok-4.3"), ("deepseek", "deepseek-chat"),
            ("openrouter", "openai/gpt-4o-mini"), ("openrouter", "anthropic/claude-sonnet-4.5"),
        ] {
            #expect(book.resolve(provider: provider, model: model, at: Self.time) != nil, "\(provider)/\(model)")
        }
        #expect(book.resolve(provider: "openai", model: "surely-not-a-model", at: Self.time) == nil)
        // A cached gpt-4o-mini call: 600 uncached, 400 cached, 200 output tokens.
        let outcome = book.price(
            usage: TokenUsage(inputTokens: 600, cacheReadTokens: 400, outputTokens: 200), provider: "openai", model: "gpt-4o-mini",
            at: Self.time)
        #expect(outcome.pricedCost?.cost.total.decimalString == "0.00024")
        #expect(outcome.pricedCost?.priceVersion.hasPrefix("shipped-") == true)
    }

    /// Checks that the Swift importer and the build script agree on every entry. Runs when
    /// `TALLY_LITELLM_PRICES` names the LiteLLM file the shipped catalog was built from.
    @Test(
        "the Swift importer and the build script agree",
        .enabled(if: ProcessInfo.processInfo.environment["TALLY_LITELLM_PRICES"] != nil))
    func importerMatchesScript() throws {
        let path = try #require(ProcessInfo.processInfo.environment["TALLY_LITELLM_PRICES"])
        let source = try JSONCodec.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let shipped = try Self.shipped()
        let imported = LiteLLMImport.importPrices(source, effectiveFrom: shipped.entries.first?.effectiveFrom)
        #expect(imported.entries.count == shipped.entries.count)
        let shippedByKey = Dictionary(uniqueKeysWithValues: shipped.entries.map { ("\($0.provider)/\($0.model)", $0) })
        var mismatches: [String] = []
        for entry in imported.entries where shippedByKey["\(entry.provider)/\(entry.model)"] != entry {
            mismatches.append("\(entry.provider)/\(entry.model)")
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ: \(mismatches.prefix(10))")
    }
}
