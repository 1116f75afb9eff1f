import TallyJSON
import Testing

@testable import TallyCore

@Suite("Price catalog format")
struct PriceCatalogDecodingTests {
    @Test("decodes every part of an entry")
    func decodes() throws {
        let catalog = try PricingTestCatalog.catalog
        #expect(catalog.version == "test-1")
        let gemini = try #require(catalog.history(provider: "google", model: "Gemini-2.5-Pro").first)
        #expect(gemini.standard.prices.input == PicoPrice(picoUSD: 1_250_000))
        #expect(gemini.standard.contextTiers.map(\.aboveInputTokens) == [200_000])
        #expect(gemini.serviceTiers[.batch]?.prices.output == PicoPrice(picoUSD: 5_000_000))
        #expect(gemini.availableServiceTiers == [.standard, .batch])
        #expect(catalog.history(provider: "acme", model: "acme-1").map { $0.effectiveFrom?.rfc3339 } == [nil, "2026-11-15T00:00:00Z"])
        #expect(catalog.modelCountsByProvider["openai"] == 4)
        #expect(catalog.modelCountsByProvider["acme"] == 1)
    }

    @Test("round-trips through its JSON form")
    func roundTrips() throws {
        let catalog = try PricingTestCatalog.catalog
        let again = try PriceCatalog.decode(try JSONCodec.parse(JSONCodec.serializeToString(catalog.jsonValue)))
        #expect(again.version == catalog.version)
        #expect(again.entries == catalog.entries)
    }

    @Test("a document effective_from is the default for its entries")
    func defaultStart() throws {
        let catalog = try PriceCatalog.decode(try JSONCodec.parse("""
            {"version": "v2", "effective_from": "2026-11-29", "models": [
              {"provider": "openai", "model": "a", "prices": {"input": 1, "output": 1}},
              {"provider": "openai", "model": "b", "effective_from": "2026-12-01T09:30:00+01:00", "prices": {"input": 1, "output": 1}}]}
            """))
        #expect(catalog.entries.map { $0.effectiveFrom?.rfc3339 } == ["2026-11-29T00:00:00Z", "2026-12-01T08:30:00Z"])
        #expect(catalog.entries[1].jsonValue["effective_from"] == "2026-12-01T08:30:00Z")
        #expect(catalog.entries[0].jsonValue["effective_from"] == "2026-11-29")
    }

    func error(_ text: String) throws -> PriceCatalogError? {
        let json = try JSONCodec.parse(text)
        do {
            _ = try PriceCatalog.decode(json)
            return nil
        } catch {
            return error
        }
    }

    @Test("rejects malformed catalogs, naming the path and the value")
    func rejects() throws {
        let entry = #"{"provider": "openai", "model": "m", "prices": {"input": 1, "output": 2}}"#
        #expect(try error(#"{"models": []}"#) == .missingField(path: "catalog.version"))
        #expect(try error(#"{"version": "v"}"#) == .missingField(path: "catalog.models"))
        #expect(try error(#"{"format": "litellm", "version": "v", "models": []}"#) == .unsupportedFormat("litellm"))
        #expect(try error(#"{"version": "v", "models": [\#(entry), \#(entry)]}"#)
            == .duplicateEntry(provider: "openai", model: "m", effectiveFrom: "the beginning"))
        #expect(try error(#"{"version": "v", "models": [{"provider": "openai", "model": "m", "prices": {"input": -1}}]}"#)
            == .invalidValue(path: "models[0].prices.input", value: "-1", expected: "a non-negative integer of pico-USD"))
        #expect(try error(#"{"version": "v", "models": [{"provider": "openai", "model": "m", "prices": {"input": 1.5e-7}}]}"#)
            == .invalidValue(path: "models[0].prices.input", value: "1.5e-07", expected: "a non-negative integer of pico-USD"))
        #expect(try error(#"{"version": "v", "models": [{"provider": "openai", "model": "m", "prices": {"cache_reed": 1}}]}"#)
            == .unknownField(path: "models[0].prices.cache_reed"))
        #expect(try error(#"{"version": "v", "models": [{"provider": "openai", "model": "m", "price": {"input": 1}}]}"#)
            == .unknownField(path: "models[0].price"))
        #expect(try error(#"{"version": "v", "models": [{"provider": "openai", "model": "m"}]}"#) == .missingField(path: "models[0].prices"))
        #expect(try error(#"{"version": "v", "models": [{"model": "m", "prices": {"input": 1}}]}"#) == .missingField(path: "models[0].provider"))
        #expect(try error(#"{"version": "v", "models": [{"provider": "openai", "model": "m", "effective_from": "2026-02-30", "prices": {"input": 1}}]}"#)
            == .invalidDate(path: "models[0].effective_from", reason: .nonexistentDay("2026-02-30")))
        #expect(try error(#"{"version": "v", "models": [{"provider": "openai", "model": "m", "prices": {"input": 1}, "service_tiers": {"default": {"prices": {"input": 1}}}}]}"#)
            == .invalidValue(path: "models[0].service_tiers.default", value: "\"default\"", expected: "a tier other than standard (standard prices go in \"prices\")"))
        #expect(try error(#"{"version": "v", "models": [{"provider": "openai", "model": "m", "prices": {"input": 1}, "context_tiers": [{"above_input_tokens": 0, "prices": {}}]}]}"#)
            == .invalidValue(path: "models[0].context_tiers[0].above_input_tokens", value: "0", expected: "a positive integer"))
        #expect(PriceCatalogError.unknownField(path: "models[0].prices.cache_reed").description
            == "models[0].prices.cache_reed is not a field of the price catalog format")
    }
}
