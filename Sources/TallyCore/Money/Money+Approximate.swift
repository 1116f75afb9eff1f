extension Money {
    /// The amount as a floating-point number of USD, for alert scripts that compare and scale
    /// (Lua numbers); never for the ledger, whose sums stay exact.
    public var approximateUSD: Double { Double(picoUSD) / Double(Money.picoPerUSD) }
}
