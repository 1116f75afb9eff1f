/// Prices per token of each kind; a kind without a price is `nil` (never zero by default).
public struct TokenPrices: Sendable, Hashable {
    public var input: PicoPrice?
    public var output: PicoPrice?
    public var cacheRead: PicoPrice?
    public var cacheWrite5m: PicoPrice?
    public var cacheWrite1h: PicoPrice?
    /// Reasoning tokens, when priced apart from output.
    public var reasoning: PicoPrice?

    public init(
        input: PicoPrice? = nil, output: PicoPrice? = nil, cacheRead: PicoPrice? = nil,
        cacheWrite5m: PicoPrice? = nil, cacheWrite1h: PicoPrice? = nil, reasoning: PicoPrice? = nil
    ) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
        self.reasoning = reasoning
    }

    public subscript(kind: TokenKind) -> PicoPrice? {
        get {
            switch kind {
            case .input: input
            case .output: output
            case .cacheRead: cacheRead
            case .cacheWrite5m: cacheWrite5m
            case .cacheWrite1h: cacheWrite1h
            case .reasoning: reasoning
            }
        }
        set {
            switch kind {
            case .input: input = newValue
            case .output: output = newValue
            case .cacheRead: cacheRead = newValue
            case .cacheWrite5m: cacheWrite5m = newValue
            case .cacheWrite1h: cacheWrite1h = newValue
            case .reasoning: reasoning = newValue
            }
        }
    }

    /// Whether no kind has a price.
    public var isEmpty: Bool { TokenKind.allCases.allSatisfy { self[$0] == nil } }

    /// These prices, with the kinds they lack taken from `base`.
    public func overlaid(on base: TokenPrices) -> TokenPrices {
        var merged = base
        for kind in TokenKind.allCases {
            if let price = self[kind] { merged[kind] = price }
        }
        return merged
    }
}
