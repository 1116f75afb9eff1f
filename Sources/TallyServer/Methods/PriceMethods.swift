import TallyCore
import TallyJSON
import TallyRPC
import TallyStore

/// `prices.list`, `prices.set` (agency overrides) and `prices.import` (LiteLLM's format or Tally's).
enum PriceMethods {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("prices.list", access: .role(.read), params: ["provider", "model", "layer", "limit"]) { params, context in
                let principal = try context.requirePrincipal()
                let pipeline = try await server.agencies.pipeline(for: principal.agency)
                let book = await pipeline.priceBook
                let provider = try params.optionalString("provider").map(ProviderName.normalize)
                let model = try params.optionalString("model")?.lowercased()
                let layer = try params.optionalString("layer") ?? "all"
                guard ["all", "shipped", "overrides"].contains(layer) else {
                    throw RPCError.invalidParam("layer", "expected 'all', 'shipped' or 'overrides'")
                }
                let limit = Int(try params.optionalInt("limit", in: 1...10_000) ?? 200)
                var entries: [JSONValue] = []
                var total = 0
                func collect(_ catalog: PriceCatalog?, _ name: String) {
                    for price in catalog?.entries ?? [] {
                        if let provider, price.provider != provider { continue }
                        if let model, !price.model.lowercased().contains(model) { continue }
                        total += 1
                        guard entries.count < limit else { continue }
                        var json = price.jsonValue.objectValue ?? [:]
                        json["layer"] = .string(name)
                        entries.append(.object(json))
                    }
                }
                if layer != "shipped" { collect(book.overrides, "override") }
                if layer != "overrides" { collect(book.shipped, "shipped") }
                return ["version": .string(book.version), "prices": .array(entries), "total": .integer(Int64(total)),
                        "truncated": .bool(total > entries.count)]
            },
            RPCMethod("prices.set", access: .role(.admin), params: Array(ModelPriceFields.all), required: ["provider", "model"]) { params, context in
                let principal = try context.requirePrincipal()
                let entry = JSONValue.object(params.values)
                do {
                    _ = try ModelPrice.decode(entry, path: "params")
                } catch {
                    throw RPCError(.invalidParams, "\(error)")
                }
                let pipeline = try await server.agencies.pipeline(for: principal.agency)
                let (overrides, repriced) = try await pipeline.addPriceOverrides([entry])
                return ["overrides": .integer(Int64(overrides)), "repriced_events": .integer(Int64(repriced)),
                        "version": .string(await pipeline.priceBook.version)]
            },
            RPCMethod("prices.import", access: .role(.admin), params: ["format", "catalog"], required: ["catalog"]) { params, context in
                let principal = try context.requirePrincipal()
                let format = try params.optionalString("format") ?? "litellm"
                let document = try params.object("catalog")
                var entries: [JSONValue]
                var skipped: [JSONValue] = []
                switch format {
                case "litellm":
                    let result = LiteLLMImport.importPrices(.object(document))
                    entries = result.entries.map(\.jsonValue)
                    skipped = result.skipped.map { .object(["key": .string($0.key), "reason": .string("\($0.reason)")]) }
                case "tally":
                    do {
                        entries = try PriceCatalog.decode(.object(document)).entries.map(\.jsonValue)
                    } catch {
                        throw RPCError.invalidParam("catalog", "\(error)")
                    }
                default:
                    throw RPCError.invalidParam("format", "expected 'litellm' or 'tally', got '\(format)'")
                }
                guard !entries.isEmpty else { throw RPCError.invalidParam("catalog", "no usable prices in it (\(skipped.count) entries skipped)") }
                let pipeline = try await server.agencies.pipeline(for: principal.agency)
                let (overrides, repriced) = try await pipeline.addPriceOverrides(entries)
                return ["imported": .integer(Int64(entries.count)), "skipped": .array(Array(skipped.prefix(100))),
                        "skipped_count": .integer(Int64(skipped.count)), "overrides": .integer(Int64(overrides)),
                        "repriced_events": .integer(Int64(repriced)), "version": .string(await pipeline.priceBook.version)]
            },
        ]
    }
}

/// The params of `prices.set`: the fields of one catalog entry.
enum ModelPriceFields {
    static let all = ["provider", "model", "mode", "effective_from", "prices", "context_tiers", "service_tiers", "per_request", "per_web_search_call"]
}
