import TallyCore
import TallyJSON
import TallyRPC
import TallyWebhooks

/// `webhooks.set`, `webhooks.list`, `webhooks.test`, `webhooks.delete`: where an agency's alerts
/// are POSTed, and the state of every delivery.
enum WebhookMethods {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("webhooks.set", access: .role(.admin), params: ["id", "url", "format", "secret", "enabled", "min_level"],
                      required: ["id", "url"]) { params, context in
                let principal = try context.requirePrincipal()
                let endpoint = try await mapping {
                    try WebhookEndpoint(
                        id: try params.string("id"), url: try params.string("url"),
                        format: try params.optionalEnum("format", as: WebhookFormat.self) ?? .json,
                        secret: try params.optionalString("secret"), enabled: try params.optionalBool("enabled") ?? true,
                        minimumLevel: try params.optionalEnum("min_level", as: AlertLevel.self))
                }
                let result = try await mapping { try await server.agencies.webhooks(for: principal.agency).store.setEndpoint(endpoint) }
                return [
                    "webhook": result.endpoint.json, "created": .bool(result.created),
                    // Shown this once; listings give a hint only.
                    "secret": result.secret.map(JSONValue.string) ?? .null,
                ]
            },
            RPCMethod("webhooks.list", access: .role(.admin), params: ["state", "limit"]) { params, context in
                let principal = try context.requirePrincipal()
                let store = try await server.agencies.webhooks(for: principal.agency).store
                let state = try params.optionalEnum("state", as: WebhookDeliveryState.self)
                let limit = Int(try params.optionalInt("limit", in: 1...1_000) ?? 50)
                return [
                    "webhooks": .array(try await store.endpoints().map(\.json)),
                    "deliveries": try await store.deliveryCounts().json,
                    "recent": .array(try await store.deliveries(state: state, limit: limit).map { $0.json() }),
                ]
            },
            RPCMethod("webhooks.test", access: .role(.admin), params: ["id"], required: ["id"]) { params, context in
                let principal = try context.requirePrincipal()
                let id = try params.string("id")
                let deliverer = try await server.agencies.webhooks(for: principal.agency)
                return try await mapping { try await deliverer.test(endpointID: id) }.json
            },
            RPCMethod("webhooks.delete", access: .role(.admin), params: ["id"], required: ["id"]) { params, context in
                let principal = try context.requirePrincipal()
                let id = try params.string("id")
                let store = try await server.agencies.webhooks(for: principal.agency).store
                let abandoned = try await mapping { try await store.deleteEndpoint(id: id) }
                return ["deleted": .string(id), "abandoned_deliveries": .integer(Int64(abandoned))]
            },
        ]
    }

    /// Runs `body`, turning a webhook error into the JSON-RPC error that names its field.
    private static func mapping<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as WebhookError {
            switch error {
            case .invalidField(let field, let reason): throw RPCError.invalidParam(field, reason)
            case .unknownEndpoint(let id): throw RPCError.notFound("no webhook '\(id)' in this agency; webhooks.list shows them")
            case .shutDown: throw RPCError.unavailable("the server is shutting down; retry shortly")
            }
        }
    }
}
