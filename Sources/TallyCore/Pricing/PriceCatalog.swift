/// A set of model prices with a version, looked up by provider, model and time.
///
/// The shipped catalog and an agency's overrides are each a `PriceCatalog`; ``PriceBook``
/// layers them. Lookups ignore the case of provider and model names, and a model can have
/// several entries with different `effective_from` (its price history).
public struct PriceCatalog: Sendable {
    /// The format name written in and expected from catalog documents.
    public static let formatName = "tally.price-catalog.v1"

    /// Identifies these prices; the ledger stamps it (through ``PriceBook/version``) on every
    /// priced entry so that history can be repriced and audited.
    public let version: String
    /// Every entry, in the order given.
    public let entries: [ModelPrice]
    /// Entries by lower-cased provider and model, each list ordered by start.
    private let index: [Key: [ModelPrice]]

    struct Key: Hashable, Sendable {
        var provider: String
        var model: String

        init(provider: String, model: String) {
            self.provider = ProviderName.normalize(provider)
            self.model = model.lowercased()
        }
    }

    /// A catalog of `entries`; two entries for the same provider, model (ignoring case) and
    /// start are an error.
    public init(version: String, entries: [ModelPrice]) throws(PriceCatalogError) {
        var index: [Key: [ModelPrice]] = [:]
        for entry in entries {
            let key = Key(provider: entry.provider, model: entry.model)
            if index[key, default: []].contains(where: { $0.effectiveFrom == entry.effectiveFrom }) {
                throw .duplicateEntry(
                    provider: entry.provider, model: entry.model,
                    effectiveFrom: entry.effectiveFrom?.rfc3339 ?? "the beginning")
            }
            index[key, default: []].append(entry)
        }
        for key in index.keys {
            index[key]!.sort { ($0.effectiveFrom?.microsecondsSinceEpoch ?? .min) < ($1.effectiveFrom?.microsecondsSinceEpoch ?? .min) }
        }
        self.version = version
        self.entries = entries
        self.index = index
    }

    /// A catalog with no prices (an agency without overrides).
    public static func empty(version: String) -> PriceCatalog {
        // Cannot throw: no entries, no duplicates.
        try! PriceCatalog(version: version, entries: [])
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// The price history of exactly this provider and model (ignoring case), oldest first.
    public func history(provider: String, model: String) -> [ModelPrice] {
        index[Key(provider: provider, model: model)] ?? []
    }

    /// The entry for exactly this provider and model (ignoring case) in force at `time`: the
    /// latest whose start is not after `time`.
    public func entry(provider: String, model: String, at time: Timestamp) -> ModelPrice? {
        history(provider: provider, model: model).last { entry in
            guard let start = entry.effectiveFrom else { return true }
            return start <= time
        }
    }

    /// The price for a model as an event names it, in force at `time`, trying the names in
    /// ``ModelNameResolver`` order (exact first); `nil` when nothing matches, which the ledger
    /// records as *unpriced*, never as $0.
    public func resolve(provider: String, model: String, at time: Timestamp) -> PriceMatch? {
        for candidate in ModelNameResolver.candidates(provider: provider, model: model) {
            if let entry = entry(provider: candidate.provider, model: candidate.model, at: time) {
                return PriceMatch(price: entry, rule: candidate.rule)
            }
        }
        return nil
    }

    /// How many distinct models each provider has (counting a price history once).
    public var modelCountsByProvider: [String: Int] {
        var counts: [String: Int] = [:]
        for key in index.keys { counts[key.provider, default: 0] += 1 }
        return counts
    }
}
