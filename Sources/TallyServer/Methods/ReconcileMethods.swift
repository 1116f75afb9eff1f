import TallyCore
import TallyJSON
import TallyReconcile
import TallyReports
import TallyRPC
import TallyStore

/// `reconcile.connectors.set`, `reconcile.connectors.list`, `reconcile.pull`, `reconcile.import`,
/// `reconcile.run`: provider cost data kept apart from the ledger, and the ledger compared with
/// it per UTC day; with them the `keys.*` methods (``KeyMethods``). See docs/reconcile.md.
enum ReconcileMethods {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        reconcileMethods(server) + KeyMethods.methods(server)
    }

    static func reconcileMethods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("reconcile.connectors.set", access: .role(.admin),
                      params: ["provider", "base_url", "admin_key_env", "admin_key_file", "interval_seconds", "enabled"],
                      required: ["provider"]) { params, context in
                let principal = try context.requirePrincipal()
                let raw = try params.string("provider")
                let provider = try mapping { () throws(ReconcileError) in try ProviderFormat.connectorProvider(raw) }
                let settings = ConnectorSettings(
                    provider: provider, baseURL: try params.optionalString("base_url") ?? ConnectorSettings.defaultBaseURLs[provider] ?? "",
                    adminKeyEnvironment: try params.optionalString("admin_key_env"), adminKeyFile: try params.optionalString("admin_key_file"),
                    intervalSeconds: Int(try params.optionalInt("interval_seconds") ?? 3_600), enabled: try params.optionalBool("enabled") ?? true)
                try mapping { () throws(ReconcileError) in try settings.validate() }
                let store = try await server.agencies.reconcile(for: principal.agency).store
                try await store.setConnector(settings, at: .now)
                return ["connector": settings.jsonValue]
            },
            RPCMethod("reconcile.connectors.list", access: .role(.admin), params: []) { _, context in
                let principal = try context.requirePrincipal()
                let store = try await server.agencies.reconcile(for: principal.agency).store
                return ["connectors": .array(try await store.connectors().map(\.jsonValue))]
            },
            RPCMethod("reconcile.pull", access: .role(.admin), params: ["provider", "from", "to"], required: ["provider"]) { params, context in
                let principal = try context.requirePrincipal()
                let raw = try params.string("provider")
                let provider = try mapping { () throws(ReconcileError) in try ProviderFormat.connectorProvider(raw) }
                let to = try params.optionalDay("to") ?? Timestamp.now.utcDate
                let from = try params.optionalDay("from") ?? to.adding(days: -(ConnectorPoller.scheduledDays - 1))
                guard from <= to else { throw RPCError.invalidParam("from", "must not be after 'to'") }
                guard to.daysSinceEpoch - from.daysSinceEpoch < 366 else { throw RPCError.invalidParam("from", "pull at most 366 days at once") }
                let poller = try await server.agencies.reconcile(for: principal.agency)
                let result = try await mappingAsync { try await poller.pull(provider: provider, from: from, to: to) }
                return [
                    "provider": .string(provider), "from": .string(from.description), "to": .string(to.description),
                    "costs": .integer(Int64(result.stored.costs)), "key_sightings": .integer(Int64(result.stored.sightings)),
                    "total": Money.sum(result.data.costs.map(\.amount)).jsonValue,
                ]
            },
            RPCMethod("reconcile.import", access: .role(.admin), params: ["content", "format", "provider"], required: ["content"]) { params, context in
                let principal = try context.requirePrincipal()
                let content = try params.string("content")
                let provider = try params.optionalString("provider").map { raw in
                    try mapping { () throws(ReconcileError) in
                        let name = ProviderName.normalize(raw)
                        guard ProviderFormat.providers.contains(name) || !name.isEmpty else { throw .unknownProvider(raw) }
                        return name
                    }
                }
                let format = try params.optionalEnum("format", as: ProviderFormat.self)
                    ?? mapping { () throws(ReconcileError) in try ProviderFormat.detect(content) }
                if let formatProvider = format.provider, let provider, provider != formatProvider {
                    throw RPCError.invalidParam("provider", "the content is \(format.rawValue) data of \(formatProvider), not \(provider)")
                }
                let data = try mapping { () throws(ReconcileError) in try format.parse(content, provider: provider) }
                let poller = try await server.agencies.reconcile(for: principal.agency)
                var byProvider: [String: ProviderData] = [:]
                for row in data.costs { byProvider[row.provider, default: ProviderData()].costs.append(row) }
                for sighting in data.sightings { byProvider[sighting.provider, default: ProviderData()].sightings.append(sighting) }
                if let only = provider ?? format.provider, byProvider.isEmpty { byProvider[only] = ProviderData() }
                var stored: [JSONValue] = []
                for (name, part) in byProvider.sorted(by: { $0.key < $1.key }) {
                    let counts = try await poller.store.replace(
                        provider: name, costDays: Set(part.costs.map(\.day)), sightingDays: Set(part.sightings.map(\.day)), data: part,
                        source: "import", at: .now)
                    stored.append(.object([
                        "provider": .string(name), "costs": .integer(Int64(counts.costs)), "key_sightings": .integer(Int64(counts.sightings)),
                        "days": .array(part.days.sorted().map { .string($0.description) }), "total": Money.sum(part.costs.map(\.amount)).jsonValue,
                    ]))
                }
                let untracked = try await server.agencies.raiseUntrackedKeyAlerts(agency: principal.agency, data: data)
                return ["format": .string(format.rawValue), "imported": .array(stored), "untracked_keys": .array(untracked.map(JSONValue.string))]
            },
            RPCMethod("reconcile.run", access: .role(.admin), params: ["provider", "from", "to", "tolerance", "format"],
                      required: ["from", "to"]) { params, context in
                let principal = try context.requirePrincipal()
                let store = try await server.agencies.reconcile(for: principal.agency).store
                // A provider with a connector, or any provider whose data was imported (a CSV may hold Google's).
                var provider: String? = nil
                if let raw = try params.optionalString("provider") {
                    let name = ProviderName.normalize(raw)
                    if !ProviderFormat.providers.contains(name) {
                        guard !name.isEmpty, try await store.providers().contains(name) else { throw rpcError(.unknownProvider(raw)) }
                    }
                    provider = name
                }
                guard let from = try params.optionalDay("from") else { throw RPCError.missingParam("from") }
                guard let to = try params.optionalDay("to") else { throw RPCError.missingParam("to") }
                guard from <= to else { throw RPCError.invalidParam("from", "must not be after 'to'") }
                guard to.daysSinceEpoch - from.daysSinceEpoch < 366 else { throw RPCError.invalidParam("to", "reconcile at most 366 days at once") }
                var tolerance = Money(picoUSD: Money.picoPerUSD / 100)
                if let text = params["tolerance"], !text.isNull {
                    do {
                        tolerance = try Money.parse(json: text)
                    } catch {
                        throw RPCError.invalidParam("tolerance", "\(error)")
                    }
                    guard !tolerance.isNegative else { throw RPCError.invalidParam("tolerance", "must not be negative") }
                }
                let format = try params.optionalEnum("format", as: ReportFormat.self) ?? .json

                let pipeline = try await server.agencies.pipeline(for: principal.agency)
                // Events keep the provider name as sent ("OpenAI", "azure_openai"): compare canonical names.
                let spend = try await pipeline.spend(SpendQuery(
                    from: from.start, to: to.adding(days: 1).start, groupBy: [.provider, .apiKey], bucket: .day, limit: 1_000_000))
                let ledger = spend.rows.compactMap { row -> LedgerDayLine? in
                    guard let start = row.bucketStart, let raw = row.keys[.provider] ?? nil else { return nil }
                    let name = ProviderName.normalize(raw)
                    guard provider == nil || name == provider else { return nil }
                    return LedgerDayLine(day: start.utcDate, provider: name, apiKey: row.keys[.apiKey] ?? nil, cost: row.sums.cost,
                                         events: row.sums.events, unpricedEvents: row.sums.unpriced)
                }
                let rows = try await store.costs(provider: provider, from: from, to: to)
                // Without a provider, compare only providers with provider data: others have nothing to match.
                let billedProviders = Set(rows.map(\.provider))
                let report = Reconciler.reconcile(
                    ledger: provider == nil ? ledger.filter { billedProviders.contains($0.provider) } : ledger,
                    provider: rows, from: from, to: to, tolerance: tolerance)
                guard format != .json else { return report.jsonValue }
                return ["format": .string(format.rawValue), "content_type": .string(format.contentType), "content": .string(report.rendered(format)),
                        "totals": report.jsonValue["totals"] ?? .null]
            },
        ]
    }

    /// Runs `body`, turning a reconcile error into the JSON-RPC error that names its field.
    static func mapping<T>(_ body: () throws(ReconcileError) -> T) throws(RPCError) -> T {
        do throws(ReconcileError) {
            return try body()
        } catch {
            throw rpcError(error)
        }
    }

    static func mappingAsync<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ReconcileError {
            throw rpcError(error)
        }
    }

    static func rpcError(_ error: ReconcileError) -> RPCError {
        switch error {
        case .malformed(let location, let reason): RPCError.invalidParam("content", "\(location): \(reason)")
        case .unknownProvider: RPCError.invalidParam("provider", error.description)
        case .invalidSetting(let field, let reason): RPCError.invalidParam(field, reason)
        case .missingEnvironmentVariable(let name):
            RPCError(.failedPrecondition, error.description, details: ["field": "admin_key_env", "variable": .string(name)])
        case .unreadableKeyFile: RPCError(.failedPrecondition, error.description, details: ["field": "admin_key_file"])
        case .noConnector: RPCError.notFound(error.description)
        case .fetchFailed: RPCError(.unavailable, error.description)
        case .shutDown: RPCError.unavailable("the server is shutting down; retry shortly")
        }
    }
}

extension Params {
    /// A `YYYY-MM-DD` UTC day (an RFC 3339 time is accepted and taken as its UTC day).
    func optionalDay(_ name: String) throws(RPCError) -> UTCDate? {
        guard let text = try optionalString(name) else { return nil }
        if text.count > 10, let instant = try? Timestamp(rfc3339: text) { return instant.utcDate }
        do {
            return try UTCDate.parse(text)
        } catch {
            throw RPCError.invalidParam(name, "expected a UTC day YYYY-MM-DD: \(error)")
        }
    }
}

extension AgencyRegistry {
    /// The built-in `untracked_key` alert for provider data that names unregistered keys.
    func raiseUntrackedKeyAlerts(agency: AgencyID, data: ProviderData) async throws -> [String] {
        let pipeline = try pipeline(for: agency)
        let poller = try reconcile(for: agency)
        let deliverer = try webhooks(for: agency)
        return await UntrackedKeyAlerts.raise(agency: agency, data: data, store: poller.store, pipeline: pipeline, hub: alertHub,
                                              deliverer: deliverer, logger: logger)
    }
}
