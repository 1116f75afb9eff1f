import TallyCore
import TallyJSON
import TallyReconcile
import TallyRPC
import TallyStore

/// `keys.register`, `keys.list`, `keys.audit`: the agency's provider API keys by id or
/// fingerprint (never the secret), and the audit of keys in use against them.
enum KeyMethods {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("keys.register", access: .role(.admin), params: ["provider", "key_id", "client", "purpose", "created_at"],
                      required: ["provider", "key_id", "created_at"]) { params, context in
                let principal = try context.requirePrincipal()
                let provider = ProviderName.normalize(try params.string("provider"))
                guard !provider.isEmpty else { throw RPCError.invalidParam("provider", "must not be empty") }
                let keyID = try params.string("key_id")
                try ReconcileMethods.mapping { () throws(ReconcileError) in try KeyAudit.validateKeyID(keyID) }
                guard let createdAt = try params.optionalDay("created_at") else { throw RPCError.missingParam("created_at") }
                let client = try params.optionalString("client")
                let purpose = try params.optionalString("purpose")
                for (field, value) in [("client", client), ("purpose", purpose)] where (value?.utf8.count ?? 0) > 256 {
                    throw RPCError.invalidParam(field, "at most 256 bytes")
                }
                let key = RegisteredKey(provider: provider, keyID: keyID, client: client, purpose: purpose, createdAt: createdAt)
                let store = try await server.agencies.reconcile(for: principal.agency).store
                let created = try await store.registerKey(key, at: .now)
                let watch = try await server.agencies.keyWatch(for: principal.agency)
                await watch.forget(provider: provider, key: keyID)
                return ["key": key.jsonValue, "created": .bool(created)]
            },
            RPCMethod("keys.list", access: .role(.admin), params: ["provider"]) { params, context in
                let principal = try context.requirePrincipal()
                let provider = try params.optionalString("provider").map(ProviderName.normalize)
                let store = try await server.agencies.reconcile(for: principal.agency).store
                let keys = try await store.registeredKeys().filter { provider == nil || $0.provider == provider }
                return ["keys": .array(keys.map(\.jsonValue))]
            },
            RPCMethod("keys.audit", access: .role(.admin), params: ["as_of", "unused_days", "rotation_days", "lookback_days"]) { params, context in
                let principal = try context.requirePrincipal()
                let asOf = try params.optionalDay("as_of") ?? Timestamp.now.utcDate
                let unusedDays = Int(try params.optionalInt("unused_days", in: 1...3_650) ?? 30)
                let rotationDays = Int(try params.optionalInt("rotation_days", in: 1...3_650) ?? 90)
                let lookbackDays = Int64(try params.optionalInt("lookback_days", in: 1...3_650) ?? 90)
                let pipeline = try await server.agencies.pipeline(for: principal.agency)
                let spend = try await pipeline.spend(SpendQuery(
                    from: asOf.adding(days: -(lookbackDays - 1)).start, to: asOf.adding(days: 1).start,
                    groupBy: [.provider, .apiKey, .client], bucket: .day, limit: 1_000_000))
                var ledgerKeys: [String: SeenKey] = [:]
                var withoutKey: Int64 = 0
                for row in spend.rows {
                    guard let start = row.bucketStart, let raw = row.keys[.provider] ?? nil else { continue }
                    let provider = ProviderName.normalize(raw)
                    guard let key = row.keys[.apiKey] ?? nil else {
                        withoutKey += row.sums.events
                        continue
                    }
                    let day = start.utcDate
                    var seen = ledgerKeys["\(provider)\u{0}\(key)"] ?? SeenKey(provider: provider, keyID: key, firstDay: day, lastDay: day, clients: [], source: "ledger")
                    seen.firstDay = min(seen.firstDay, day)
                    seen.lastDay = max(seen.lastDay, day)
                    if let client = row.keys[.client] ?? nil, !client.isEmpty { seen.clients.insert(client) }
                    ledgerKeys["\(provider)\u{0}\(key)"] = seen
                }
                let store = try await server.agencies.reconcile(for: principal.agency).store
                let providerKeys = try await store.providerKeys().filter { $0.lastDay <= asOf }
                let problems = KeyAudit.audit(
                    registered: try await store.registeredKeys(), seen: Array(ledgerKeys.values) + providerKeys,
                    eventsWithoutKey: withoutKey, asOf: asOf, unusedDays: unusedDays, rotationDays: rotationDays)
                return [
                    "as_of": .string(asOf.description), "unused_days": .integer(Int64(unusedDays)), "rotation_days": .integer(Int64(rotationDays)),
                    "problems": .array(problems.map(\.jsonValue)),
                ]
            },
        ]
    }
}
