/// Computes the exact cost of a usage at a catalog price.
///
/// Everything is integer arithmetic in pico-USD. How a price is chosen for each token kind:
/// 1. The context level is the highest "above N tokens" threshold the prompt exceeds
///    (``TokenUsage/promptTokens``: uncached input, cache reads and cache writes), among the
///    thresholds of the standard prices and of the requested service tier.
/// 2. At that level, the service tier's price for the kind, else the standard price (noted);
///    a kind with no price at that level keeps its price from the level below, down to the
///    base prices (a catalog lists only what changes above a threshold).
/// 3. Still nothing: reasoning costs the output price; a cache read or 5-minute cache write
///    costs the input price (noted as a substitute). Otherwise the cost is refused with
///    ``CostError/missingPrice(_:provider:model:)``.
/// Fees: ``ModelPrice/perRequest`` times `requests`, ``ModelPrice/perWebSearchCall`` times
/// `web_search_calls` (calls without a fee price are refused, as above).
public enum CostCalculator {
    public static func cost(
        of usage: TokenUsage, at price: ModelPrice, serviceTier: ServiceTier = .standard
    ) throws(CostError) -> CostBreakdown {
        do {
            try usage.validate()
        } catch {
            throw .invalidUsage(error)
        }
        var notes: [PricingNote] = []
        let variant: TierPrices?
        if serviceTier == .standard {
            variant = nil
        } else if let prices = price.serviceTiers[serviceTier] {
            variant = prices
        } else {
            variant = nil
            notes.append(.serviceTierUnavailable(serviceTier))
        }

        let prompt = usage.promptTokens
        let thresholds = Set(
            price.standard.contextTiers.map(\.aboveInputTokens) + (variant?.contextTiers.map(\.aboveInputTokens) ?? [])
        ).filter { prompt > $0 }.sorted(by: >)
        // Levels to search, highest first; nil is the base prices.
        let levels: [Int64?] = thresholds.map { Optional($0) } + [nil]

        func listedPrice(_ kind: TokenKind) -> PicoPrice? {
            for level in levels {
                if let variant, let found = variant.price(kind, atLevel: level) { return found }
                if let found = price.standard.price(kind, atLevel: level) {
                    if variant != nil { notes.append(.standardPriceUsed(kind, serviceTier: serviceTier)) }
                    return found
                }
            }
            return nil
        }

        func unitPrice(_ kind: TokenKind, component: CostComponent) throws(CostError) -> PicoPrice {
            if let found = listedPrice(kind) { return found }
            if let substitute = kind.substitute, let found = listedPrice(substitute.kind) {
                if substitute.isEstimate { notes.append(.substitutePrice(kind, usedPriceOf: substitute.kind)) }
                return found
            }
            throw .missingPrice(component, provider: price.provider, model: price.model)
        }

        var lines: [CostLine] = []
        let tokenLines: [(CostComponent, TokenKind, Int64)] = [
            (.input, .input, usage.inputTokens),
            (.cacheRead, .cacheRead, usage.cacheReadTokens),
            (.cacheWrite5m, .cacheWrite5m, usage.cacheWrite5mTokens),
            (.cacheWrite1h, .cacheWrite1h, usage.cacheWrite1hTokens),
            (.output, .output, usage.visibleOutputTokens),
            (.reasoning, .reasoning, usage.reasoningTokens),
        ]
        for (component, kind, quantity) in tokenLines where quantity > 0 {
            lines.append(CostLine(component: component, quantity: quantity, unitPrice: try unitPrice(kind, component: component)))
        }
        if usage.requests > 0, let fee = price.perRequest {
            lines.append(CostLine(component: .requests, quantity: usage.requests, unitPrice: fee))
        }
        if usage.webSearchCalls > 0 {
            guard let fee = price.perWebSearchCall else {
                throw .missingPrice(.webSearchCalls, provider: price.provider, model: price.model)
            }
            lines.append(CostLine(component: .webSearchCalls, quantity: usage.webSearchCalls, unitPrice: fee))
        }

        var total = Int128(0)
        for line in lines {
            let (sum, overflow) = total.addingReportingOverflow(line.amount.picoUSD)
            if overflow { throw .overflow }
            total = sum
        }
        var uniqueNotes: [PricingNote] = []
        for note in notes where !uniqueNotes.contains(note) { uniqueNotes.append(note) }
        return CostBreakdown(
            total: Money(picoUSD: total), lines: lines, serviceTier: serviceTier,
            contextTier: thresholds.first, notes: uniqueNotes)
    }
}

extension TierPrices {
    /// The price listed for `kind` exactly at a context level (`nil`: the base prices).
    func price(_ kind: TokenKind, atLevel level: Int64?) -> PicoPrice? {
        guard let level else { return prices[kind] }
        return contextTiers.first { $0.aboveInputTokens == level }?.prices[kind]
    }
}
