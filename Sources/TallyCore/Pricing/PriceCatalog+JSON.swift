import TallyJSON

/// Tally's price catalog document (the shipped `prices.json`, `prices.list`, overrides):
///
/// ```json
/// {"format": "tally.price-catalog.v1", "version": "shipped-2026-11-29-1a2b3c4d",
///  "effective_from": "1970-01-01",
///  "models": [
///   {"provider": "openai", "model": "gpt-4o-mini", "mode": "chat",
///    "prices": {"input": 150000, "output": 600000, "cache_read": 75000},
///    "context_tiers": [{"above_input_tokens": 200000, "prices": {"input": 300000}}],
///    "service_tiers": {"batch": {"prices": {"input": 75000, "output": 300000}}},
///    "per_request": 0, "per_web_search_call": 25000000000}
///  ]}
/// ```
///
/// Prices are integers of pico-USD per token (fees: per call). Token kinds are `input`,
/// `output`, `cache_read`, `cache_write_5m`, `cache_write_1h` and `reasoning`. An entry's
/// `effective_from` (a date, midnight UTC, or an RFC 3339 timestamp) defaults to the
/// document's; absent in both, the prices apply to all history. Other top-level members
/// (`source`, `unit`, notes) are ignored; unknown members inside entries are errors.
extension PriceCatalog {
    /// Reads a catalog document.
    public static func decode(_ json: JSONValue) throws(PriceCatalogError) -> PriceCatalog {
        let root = try CatalogReader(json, path: "catalog")
        if let format = try root.optionalString("format"), format != formatName {
            throw .unsupportedFormat(format)
        }
        guard let version = try root.optionalString("version"), !version.isEmpty else {
            throw .missingField(path: "catalog.version")
        }
        let defaultStart = try root.optionalTimestamp("effective_from")
        guard let models = root.members["models"] else { throw .missingField(path: "catalog.models") }
        guard let list = models.arrayValue else {
            throw .invalidValue(path: "catalog.models", value: models.typeName, expected: "an array of model prices")
        }
        var entries: [ModelPrice] = []
        entries.reserveCapacity(list.count)
        for (offset, element) in list.enumerated() {
            entries.append(try ModelPrice.decode(element, path: "models[\(offset)]", defaultEffectiveFrom: defaultStart))
        }
        return try PriceCatalog(version: version, entries: entries)
    }

    /// The catalog as a document ``decode(_:)`` reads back to equal prices.
    public var jsonValue: JSONValue {
        .object([
            "format": .string(Self.formatName),
            "version": .string(version),
            "models": .array(entries.map(\.jsonValue)),
        ])
    }
}

extension ModelPrice {
    static let fields: Set<String> = [
        "provider", "model", "mode", "effective_from", "prices", "context_tiers", "service_tiers",
        "per_request", "per_web_search_call",
    ]

    /// Reads one catalog entry (also the shape of a price override).
    public static func decode(_ json: JSONValue, path: String = "model", defaultEffectiveFrom: Timestamp? = nil) throws(PriceCatalogError) -> ModelPrice {
        let object = try CatalogReader(json, path: path)
        try object.rejectUnknown(allowed: fields)
        guard let provider = try object.optionalString("provider"), !provider.isEmpty else {
            throw .missingField(path: "\(path).provider")
        }
        guard let model = try object.optionalString("model"), !model.isEmpty else {
            throw .missingField(path: "\(path).model")
        }
        let standard = try TierPrices.decode(object, path: path)
        var serviceTiers: [ServiceTier: TierPrices] = [:]
        if let tiers = try object.optionalObject("service_tiers") {
            try tiers.rejectUnknown(allowed: nil)
            for name in tiers.members.keys.sorted() {
                let tier = ServiceTier(normalizing: name)
                let tierPath = "\(tiers.path).\(name)"
                guard tier != .standard else {
                    throw .invalidValue(path: tierPath, value: "\"\(name)\"", expected: "a tier other than standard (standard prices go in \"prices\")")
                }
                let tierObject = try CatalogReader(tiers.members[name]!, path: tierPath)
                try tierObject.rejectUnknown(allowed: ["prices", "context_tiers"])
                serviceTiers[tier] = try TierPrices.decode(tierObject, path: tierPath)
            }
        }
        if standard.isEmpty && serviceTiers.isEmpty {
            throw .missingField(path: "\(path).prices")
        }
        return ModelPrice(
            provider: provider, model: model,
            effectiveFrom: try object.optionalTimestamp("effective_from") ?? defaultEffectiveFrom,
            standard: standard, serviceTiers: serviceTiers,
            perRequest: try object.optionalPrice("per_request"),
            perWebSearchCall: try object.optionalPrice("per_web_search_call"),
            mode: try object.optionalString("mode"))
    }

    /// The entry in the catalog document format.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = ["provider": .string(provider), "model": .string(model)]
        members.merge(standard.jsonMembers) { _, new in new }
        if !serviceTiers.isEmpty {
            members["service_tiers"] = .object(Dictionary(uniqueKeysWithValues: serviceTiers.map { ($0.key.rawValue, .object($0.value.jsonMembers)) }))
        }
        if let effectiveFrom { members["effective_from"] = .string(effectiveFrom.catalogText) }
        if let perRequest { members["per_request"] = .integer(perRequest.picoUSD) }
        if let perWebSearchCall { members["per_web_search_call"] = .integer(perWebSearchCall.picoUSD) }
        if let mode { members["mode"] = .string(mode) }
        return .object(members)
    }
}

extension TierPrices {
    static func decode(_ object: CatalogReader, path: String) throws(PriceCatalogError) -> TierPrices {
        let prices = try object.optionalObject("prices").map { reader throws(PriceCatalogError) in try TokenPrices.decode(reader) } ?? TokenPrices()
        var tiers: [ContextTier] = []
        if let list = object.members["context_tiers"] {
            guard let elements = list.arrayValue else {
                throw .invalidValue(path: "\(path).context_tiers", value: list.typeName, expected: "an array")
            }
            var seen: Set<Int64> = []
            for (offset, element) in elements.enumerated() {
                let tier = try CatalogReader(element, path: "\(path).context_tiers[\(offset)]")
                try tier.rejectUnknown(allowed: ["above_input_tokens", "prices"])
                guard let threshold = tier.members["above_input_tokens"] else {
                    throw .missingField(path: "\(tier.path).above_input_tokens")
                }
                guard let count = threshold.int64Value, count > 0 else {
                    throw .invalidValue(path: "\(tier.path).above_input_tokens", value: threshold.errorText, expected: "a positive integer")
                }
                guard seen.insert(count).inserted else {
                    throw .invalidValue(path: "\(tier.path).above_input_tokens", value: String(count), expected: "a threshold not listed twice")
                }
                guard let pricesObject = try tier.optionalObject("prices") else { throw .missingField(path: "\(tier.path).prices") }
                tiers.append(ContextTier(aboveInputTokens: count, prices: try TokenPrices.decode(pricesObject)))
            }
        }
        return TierPrices(prices: prices, contextTiers: tiers)
    }

    var jsonMembers: [String: JSONValue] {
        var members: [String: JSONValue] = ["prices": prices.jsonValue]
        if !contextTiers.isEmpty {
            members["context_tiers"] = .array(contextTiers.map {
                .object(["above_input_tokens": .integer($0.aboveInputTokens), "prices": $0.prices.jsonValue])
            })
        }
        return members
    }
}

extension TokenPrices {
    static func decode(_ object: CatalogReader) throws(PriceCatalogError) -> TokenPrices {
        try object.rejectUnknown(allowed: Set(TokenKind.allCases.map(\.rawValue)))
        var prices = TokenPrices()
        for kind in TokenKind.allCases {
            prices[kind] = try object.optionalPrice(kind.rawValue)
        }
        return prices
    }

    /// `{"input": 150000, ...}` with only the kinds that have a price.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [:]
        for kind in TokenKind.allCases {
            if let price = self[kind] { members[kind.rawValue] = .integer(price.picoUSD) }
        }
        return .object(members)
    }
}

extension Timestamp {
    /// A date when the instant is midnight UTC, otherwise RFC 3339.
    var catalogText: String {
        utcDate.start == self ? utcDate.description : rfc3339
    }

    /// Reads a catalog start: "2026-11-15" (midnight UTC) or an RFC 3339 timestamp.
    static func parseCatalogStart(_ text: String) throws(TimestampParseError) -> Timestamp {
        if text.utf8.count == 10 { return try UTCDate.parse(text).start }
        return try Timestamp(rfc3339: text)
    }
}

/// An object being read from a catalog document, with its path for error messages.
struct CatalogReader {
    let members: [String: JSONValue]
    let path: String

    init(_ value: JSONValue, path: String) throws(PriceCatalogError) {
        guard let members = value.objectValue else { throw .notAnObject(path: path, typeName: value.typeName) }
        self.members = members
        self.path = path
    }

    /// Rejects members outside `allowed`; `nil` allows any name.
    func rejectUnknown(allowed: Set<String>?) throws(PriceCatalogError) {
        guard let allowed else { return }
        for name in members.keys.sorted() where !allowed.contains(name) {
            throw .unknownField(path: "\(path).\(name)")
        }
    }

    func optionalString(_ name: String) throws(PriceCatalogError) -> String? {
        guard let value = members[name], !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw .invalidValue(path: "\(path).\(name)", value: value.errorText, expected: "a string")
        }
        return text
    }

    func optionalObject(_ name: String) throws(PriceCatalogError) -> CatalogReader? {
        guard let value = members[name], !value.isNull else { return nil }
        return try CatalogReader(value, path: "\(path).\(name)")
    }

    func optionalPrice(_ name: String) throws(PriceCatalogError) -> PicoPrice? {
        guard let value = members[name], !value.isNull else { return nil }
        guard case .integer(let pico) = value, pico >= 0 else {
            throw .invalidValue(path: "\(path).\(name)", value: value.errorText, expected: "a non-negative integer of pico-USD")
        }
        return PicoPrice(picoUSD: pico)
    }

    func optionalTimestamp(_ name: String) throws(PriceCatalogError) -> Timestamp? {
        guard let text = try optionalString(name) else { return nil }
        do {
            return try Timestamp.parseCatalogStart(text)
        } catch {
            throw .invalidDate(path: "\(path).\(name)", reason: error)
        }
    }
}
