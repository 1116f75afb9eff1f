import TallyJSON
import Testing

@testable import TallyCore

@Suite("Model resolution")
struct ModelResolutionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var provider: String
        var model: String
        var expected: (provider: String, model: String, rule: ModelMatchRule)?
        var testDescription: String { "\(provider) \(model)" }
    }

    static let cases: [Case] = [
        Case(provider: "openai", model: "gpt-4o-mini", expected: ("openai", "gpt-4o-mini", .exact)),
        Case(provider: "OpenAI", model: " GPT-4o-Mini ", expected: ("openai", "gpt-4o-mini", .exact)),
        Case(provider: "openai", model: "gpt-4o-mini-2024-07-18", expected: ("openai", "gpt-4o-mini", .baseModel)),
        Case(provider: "openai", model: "gpt-4o-2024-05-13", expected: ("openai", "gpt-4o-2024-05-13", .exact)),
        Case(provider: "openai", model: "gpt-4o-2024-11-20", expected: ("openai", "gpt-4o", .baseModel)),
        Case(provider: "openai", model: "openai/gpt-4o", expected: ("openai", "gpt-4o", .alias)),
        Case(provider: "anthropic", model: "claude-sonnet-4-5-20250929", expected: ("anthropic", "claude-sonnet-4-5", .baseModel)),
        Case(provider: "anthropic", model: "claude-sonnet-4-5-latest", expected: ("anthropic", "claude-sonnet-4-5", .baseModel)),
        Case(provider: "anthropic", model: "claude-3-5-sonnet-20241022", expected: ("anthropic", "claude-3-5-sonnet-20241022", .exact)),
        Case(provider: "vertex_ai", model: "claude-sonnet-4-5@20250929", expected: ("google", "claude-sonnet-4-5", .baseModel)),
        Case(provider: "gemini", model: "models/gemini-2.5-pro", expected: ("google", "gemini-2.5-pro", .alias)),
        Case(provider: "google", model: "publishers/google/models/gemini-2.5-pro", expected: ("google", "gemini-2.5-pro", .alias)),
        Case(provider: "google", model: "gemini-2.5-pro-001", expected: ("google", "gemini-2.5-pro", .baseModel)),
        Case(provider: "bedrock", model: "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
             expected: ("bedrock", "anthropic.claude-3-5-sonnet-20241022-v2:0", .alias)),
        Case(provider: "mistral", model: "mistral-large-latest", expected: ("mistral", "mistral-large-latest", .exact)),
        Case(provider: "openrouter", model: "openai/gpt-4o", expected: ("openrouter", "openai/gpt-4o", .exact)),
        Case(provider: "openrouter", model: "openai/gpt-4o-mini", expected: ("openai", "gpt-4o-mini", .upstreamProvider("openai"))),
        Case(provider: "openrouter", model: "openai/gpt-4o-mini:nitro", expected: ("openai", "gpt-4o-mini", .upstreamProvider("openai"))),
        Case(provider: "openrouter", model: "anthropic/claude-sonnet-4.5", expected: ("anthropic", "claude-sonnet-4-5", .upstreamProvider("anthropic"))),
        Case(provider: "openrouter", model: "google/gemini-2.5-pro", expected: ("google", "gemini-2.5-pro", .upstreamProvider("google"))),
        // Unknown models resolve to nothing: the ledger stores them as unpriced, never $0.
        Case(provider: "openai", model: "gpt-99", expected: nil),
        Case(provider: "anthropic", model: "gpt-4o-mini", expected: nil),
        Case(provider: "openrouter", model: "openai/gpt-4o-mini:free", expected: nil),
        Case(provider: "mistral", model: "mistral-large-2411", expected: nil),
        Case(provider: "openai", model: "", expected: nil),
    ]

    @Test("resolves reported names to catalog entries", arguments: cases)
    func resolves(_ testCase: Case) throws {
        let catalog = try PricingTestCatalog.catalog
        let match = catalog.resolve(provider: testCase.provider, model: testCase.model, at: try Timestamp(rfc3339: "2026-11-20T00:00:00Z"))
        if let expected = testCase.expected {
            let found = try #require(match)
            #expect(found.price.provider == expected.provider)
            #expect(found.price.model.lowercased() == expected.model)
            #expect(found.rule == expected.rule)
        } else {
            #expect(match == nil)
        }
    }

    @Test("strips one version marker at a time, most specific name first")
    func candidates() {
        let names = ModelNameResolver.candidates(provider: "bedrock", model: "eu.anthropic.claude-3-5-sonnet-20241022-v2:0").map(\.model)
        #expect(names == [
            "eu.anthropic.claude-3-5-sonnet-20241022-v2:0",
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
            "eu.anthropic.claude-3-5-sonnet-20241022",
            "eu.anthropic.claude-3-5-sonnet",
            "anthropic.claude-3-5-sonnet-20241022",
            "anthropic.claude-3-5-sonnet",
        ])
        #expect(ModelNameResolver.baseName(of: "deepseek-v3") == nil)
        #expect(ModelNameResolver.baseName(of: "gpt-3.5-turbo-0125") == "gpt-3.5-turbo")
        #expect(ModelNameResolver.baseName(of: "gpt-4-32k") == nil)
        #expect(ModelNameResolver.baseName(of: "o3") == nil)
    }

    @Test("a model whose prices start later is unknown before that")
    func notYetInForce() throws {
        let later = ModelPrice(
            provider: "openai", model: "gpt-next", effectiveFrom: try UTCDate.parse("2026-12-01").start,
            standard: TierPrices(prices: TokenPrices(input: PicoPrice(picoUSD: 1), output: PicoPrice(picoUSD: 2))))
        let catalog = try PriceCatalog(version: "v", entries: [later])
        #expect(catalog.resolve(provider: "openai", model: "gpt-next", at: try Timestamp(rfc3339: "2026-11-30T23:59:59Z")) == nil)
        #expect(catalog.resolve(provider: "openai", model: "gpt-next", at: try Timestamp(rfc3339: "2026-12-01T00:00:00Z")) != nil)
    }

    @Test("provider names are normalised")
    func providerNames() {
        #expect(ProviderName.normalize("vertex_ai-anthropic_models") == "google")
        #expect(ProviderName.normalize(" Gemini ") == "google")
        #expect(ProviderName.normalize("bedrock_converse") == "bedrock")
        #expect(ProviderName.normalize("azure_openai") == "azure")
        #expect(ProviderName.normalize("x-ai") == "xai")
        #expect(ProviderName.normalize("mistralai") == "mistral")
        #expect(ProviderName.normalize("Fireworks_AI") == "fireworks_ai")
        #expect(ServiceTier(normalizing: "default") == .standard)
        #expect(ServiceTier(normalizing: "batches") == .batch)
        #expect(ServiceTier(normalizing: "Priority") == .priority)
    }
}
