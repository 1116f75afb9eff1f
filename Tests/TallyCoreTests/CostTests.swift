import TallyJSON
import Testing

@testable import TallyCore

/// Exact costs, computed by hand from the prices in ``PricingTestCatalog`` (pico-USD per token):
/// each expected total is written as the sum of quantity × price it comes from.
@Suite("Cost computation")
struct CostTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var provider: String
        var model: String
        var usage: TokenUsage
        var tier: ServiceTier = .standard
        var expectedPico: Int128
        var notes: [PricingNote] = []
        var contextTier: Int64? = nil
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "OpenAI cached input (gpt-4o-mini)", provider: "openai", model: "gpt-4o-mini",
            usage: TokenUsage(inputTokens: 600, cacheReadTokens: 400, outputTokens: 200),
            expectedPico: 600 * 150_000 + 400 * 75_000 + 200 * 600_000),  // 240,000,000 = $0.00024
        Case(
            name: "Anthropic cache reads and 5m/1h writes", provider: "anthropic", model: "claude-sonnet-4-5",
            usage: TokenUsage(inputTokens: 100, cacheReadTokens: 2000, cacheWrite5mTokens: 1000, cacheWrite1hTokens: 500, outputTokens: 300),
            expectedPico: 100 * 3_000_000 + 2000 * 300_000 + 1000 * 3_750_000 + 500 * 6_000_000 + 300 * 15_000_000),  // $0.01215
        Case(
            name: "reasoning priced as output", provider: "openai", model: "gpt-5",
            usage: TokenUsage(inputTokens: 500, outputTokens: 1000, reasoningTokens: 800),
            expectedPico: 500 * 1_250_000 + 200 * 10_000_000 + 800 * 10_000_000),
        Case(
            name: "reasoning priced apart", provider: "dashscope", model: "qwen-plus",
            usage: TokenUsage(inputTokens: 1000, outputTokens: 1000, reasoningTokens: 800),
            expectedPico: 1000 * 400_000 + 200 * 1_200_000 + 800 * 4_000_000),
        Case(
            name: "batch tier, cache read at the standard price", provider: "openai", model: "gpt-4o-mini",
            usage: TokenUsage(inputTokens: 1000, cacheReadTokens: 1000, outputTokens: 1000), tier: .batch,
            expectedPico: 1000 * 75_000 + 1000 * 75_000 + 1000 * 300_000,
            notes: [.standardPriceUsed(.cacheRead, serviceTier: .batch)]),
        Case(
            name: "Anthropic batch with a 1h write at the standard price", provider: "anthropic", model: "claude-sonnet-4-5",
            usage: TokenUsage(inputTokens: 1000, cacheWrite1hTokens: 100, outputTokens: 100), tier: .batch,
            expectedPico: 1000 * 1_500_000 + 100 * 6_000_000 + 100 * 7_500_000,
            notes: [.standardPriceUsed(.cacheWrite1h, serviceTier: .batch)]),
        Case(
            name: "priority tier", provider: "openai", model: "gpt-4o-mini",
            usage: TokenUsage(inputTokens: 1000, cacheReadTokens: 1000, outputTokens: 1000), tier: .priority,
            expectedPico: 1000 * 250_000 + 1000 * 125_000 + 1000 * 1_000_000),
        Case(
            name: "a tier the model lacks costs standard, noted", provider: "openai", model: "gpt-4o-mini",
            usage: TokenUsage(inputTokens: 1000, outputTokens: 10), tier: .flex,
            expectedPico: 1000 * 150_000 + 10 * 600_000, notes: [.serviceTierUnavailable(.flex)]),
        Case(
            name: "context tier above 200k (cache reads count toward the prompt)", provider: "google", model: "gemini-2.5-pro",
            usage: TokenUsage(inputTokens: 200_000, cacheReadTokens: 50_000, outputTokens: 10_000),
            expectedPico: 200_000 * 2_500_000 + 50_000 * 250_000 + 10_000 * 15_000_000,  // $0.6625
            contextTier: 200_000),
        Case(
            name: "exactly 200k is not above 200k", provider: "google", model: "gemini-2.5-pro",
            usage: TokenUsage(inputTokens: 150_000, cacheReadTokens: 50_000, outputTokens: 10_000),
            expectedPico: 150_000 * 1_250_000 + 50_000 * 125_000 + 10_000 * 10_000_000),  // $0.29375
        Case(
            name: "batch above 200k without batch long-context prices", provider: "google", model: "gemini-2.5-pro",
            usage: TokenUsage(inputTokens: 250_000, outputTokens: 1000), tier: .batch,
            expectedPico: 250_000 * 2_500_000 + 1000 * 15_000_000,
            notes: [.standardPriceUsed(.input, serviceTier: .batch), .standardPriceUsed(.output, serviceTier: .batch)],
            contextTier: 200_000),
        Case(
            name: "per-request fee", provider: "perplexity", model: "sonar",
            usage: TokenUsage(inputTokens: 100, outputTokens: 100, requests: 3),
            expectedPico: 100 * 1_000_000 + 100 * 1_000_000 + 3 * 5_000_000_000),
        Case(
            name: "per-call web search fee", provider: "anthropic", model: "claude-sonnet-4-5",
            usage: TokenUsage(inputTokens: 1000, outputTokens: 500, webSearchCalls: 3),
            expectedPico: 1000 * 3_000_000 + 500 * 15_000_000 + 3 * 10_000_000_000),  // $0.0405
        Case(
            name: "a cache read without its own price costs input, noted", provider: "acme", model: "acme-1",
            usage: TokenUsage(inputTokens: 10, cacheReadTokens: 1000, outputTokens: 10),
            expectedPico: 10 * 500_000 + 1000 * 500_000 + 10 * 1_000_000,
            notes: [.substitutePrice(.cacheRead, usedPriceOf: .input)]),
        Case(
            name: "OpenAI cache writes cost input", provider: "openai", model: "gpt-4o-mini",
            usage: TokenUsage(inputTokens: 0, cacheWrite5mTokens: 1000, outputTokens: 0),
            expectedPico: 1000 * 150_000, notes: [.substitutePrice(.cacheWrite5m, usedPriceOf: .input)]),
        Case(
            name: "no tokens, no cost", provider: "openai", model: "gpt-4o-mini",
            usage: TokenUsage(), expectedPico: 0),
    ]

    @Test("exact costs", arguments: cases)
    func exactCost(_ testCase: Case) throws {
        let price = try #require(try PricingTestCatalog.price(testCase.provider, testCase.model))
        let cost = try CostCalculator.cost(of: testCase.usage, at: price, serviceTier: testCase.tier)
        #expect(cost.total.picoUSD == testCase.expectedPico)
        #expect(cost.total == Money.sum(cost.lines.map(\.amount)))
        #expect(cost.notes == testCase.notes)
        #expect(cost.isEstimate == !testCase.notes.isEmpty)
        #expect(cost.contextTier == testCase.contextTier)
        #expect(cost.serviceTier == testCase.tier)
    }

    @Test("the breakdown has one line per component")
    func breakdown() throws {
        let price = try #require(try PricingTestCatalog.price("anthropic", "claude-sonnet-4-5"))
        let cost = try CostCalculator.cost(
            of: TokenUsage(inputTokens: 100, cacheReadTokens: 2000, cacheWrite5mTokens: 1000, cacheWrite1hTokens: 500, outputTokens: 300, webSearchCalls: 1),
            at: price)
        #expect(cost.lines.map(\.component) == [.input, .cacheRead, .cacheWrite5m, .cacheWrite1h, .output, .webSearchCalls])
        #expect(cost.amount(of: .cacheWrite1h) == Money(picoUSD: 3_000_000_000))
        #expect(cost.amount(of: .reasoning) == .zero)
        #expect(cost.total.decimalString == "0.02215")
        let json = cost.jsonValue
        #expect(json["total"] == "0.02215")
        #expect(json["lines"]?.arrayValue?.first?["unit_price_pico"] == .integer(3_000_000))
        #expect(json["lines"]?.arrayValue?.first?["amount"] == "0.0003")
        #expect(json["estimate"] == false)
    }

    @Test("reasoning gets its own line at the output price")
    func reasoningLine() throws {
        let price = try #require(try PricingTestCatalog.price("openai", "gpt-5"))
        let cost = try CostCalculator.cost(of: TokenUsage(outputTokens: 1000, reasoningTokens: 800), at: price)
        #expect(cost.lines.map(\.component) == [.output, .reasoning])
        #expect(cost.lines.map(\.quantity) == [200, 800])
        #expect(cost.lines.map(\.unitPrice.picoUSD) == [10_000_000, 10_000_000])
    }

    @Test("a usage the model has no price for is refused, not priced at $0")
    func missingPrices() throws {
        let mini = try #require(try PricingTestCatalog.price("openai", "gpt-4o-mini"))
        #expect(throws: CostError.missingPrice(.cacheWrite1h, provider: "openai", model: "gpt-4o-mini")) {
            try CostCalculator.cost(of: TokenUsage(cacheWrite1hTokens: 1), at: mini)
        }
        let gpt5 = try #require(try PricingTestCatalog.price("openai", "gpt-5"))
        #expect(throws: CostError.missingPrice(.webSearchCalls, provider: "openai", model: "gpt-5")) {
            try CostCalculator.cost(of: TokenUsage(inputTokens: 1, webSearchCalls: 1), at: gpt5)
        }
        #expect(throws: CostError.invalidUsage(.reasoningExceedsOutput(reasoning: 2, output: 1))) {
            try CostCalculator.cost(of: TokenUsage(outputTokens: 1, reasoningTokens: 2), at: gpt5)
        }
    }

    @Test("a price change mid-month: each event costs the price in force at its timestamp")
    func priceChange() throws {
        let book = PriceBook(shipped: try PricingTestCatalog.catalog)
        let usage = TokenUsage(inputTokens: 1000, outputTokens: 1000)
        func cost(_ time: String) throws -> Int128? {
            book.price(usage: usage, provider: "acme", model: "acme-1", at: try Timestamp(rfc3339: time)).pricedCost?.cost.total.picoUSD
        }
        #expect(try cost("2026-11-01T00:00:00Z") == 1000 * 1_000_000 + 1000 * 2_000_000)
        #expect(try cost("2026-11-14T23:59:59.999999Z") == 1000 * 1_000_000 + 1000 * 2_000_000)
        #expect(try cost("2026-11-15T01:00:00+02:00") == 1000 * 1_000_000 + 1000 * 2_000_000)  // 23:00 UTC on the 14th
        #expect(try cost("2026-11-15T00:00:00Z") == 1000 * 500_000 + 1000 * 1_000_000)
        #expect(try cost("2026-11-30T23:59:59Z") == 1000 * 500_000 + 1000 * 1_000_000)
    }

    @Test("end to end: a provider usage object mapped and priced")
    func endToEnd() throws {
        let book = PriceBook(shipped: try PricingTestCatalog.catalog)
        let time = try Timestamp(rfc3339: "2026-11-03T14:00:00Z")
        let anthropic = try mapUsage("anthropic", """
            {"input_tokens": 100, "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 1500,
             "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 500},
             "output_tokens": 300, "service_tier": "standard"}
            """)
        let priced = try #require(
            book.price(usage: anthropic.usage, provider: "anthropic", model: "claude-sonnet-4-5-20250929", at: time,
                       serviceTier: anthropic.serviceTier ?? .standard).pricedCost)
        #expect(priced.cost.total.picoUSD == 100 * 3_000_000 + 2000 * 300_000 + 1000 * 3_750_000 + 500 * 6_000_000 + 300 * 15_000_000)
        #expect(priced.resolution.match.rule == .baseModel)
        #expect(priced.priceVersion == "test-1")

        // OpenRouter: Tally's cost from the upstream list price, and OpenRouter's own cost, both kept.
        let openRouter = try mapUsage("openrouter", """
            {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100, "cost": 0.000195,
             "prompt_tokens_details": {"cached_tokens": 400}}
            """)
        let routed = try #require(book.price(usage: openRouter.usage, provider: "openrouter", model: "openai/gpt-4o-mini", at: time).pricedCost)
        #expect(routed.cost.total.picoUSD == 600 * 150_000 + 400 * 75_000 + 100 * 600_000)
        #expect(routed.resolution.match.rule == .upstreamProvider("openai"))
        #expect(openRouter.reportedCost == Money(picoUSD: 195_000_000))
    }
}
