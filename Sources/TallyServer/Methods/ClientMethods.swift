import TallyCore
import TallyJSON
import TallyRPC

/// `clients.upsert`, `clients.get` and `clients.list`: who the agency's clients are, how they are
/// billed, and what an automated task is worth to them.
enum ClientMethods {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("clients.upsert", access: .role(.admin), params: ["id", "name", "contact", "minutes_per_task", "workflows", "plan"],
                      required: ["id"]) { params, context in
                let principal = try context.requirePrincipal()
                let pipeline = try await server.agencies.pipeline(for: principal.agency)
                do {
                    let (profile, created) = try await pipeline.upsertClient(.object(params.values))
                    return ["client": profile.jsonValue, "created": .bool(created)]
                } catch let error as ClientProfileError {
                    throw RPCError.invalidParam(error.field, error.reason)
                }
            },
            RPCMethod("clients.get", access: .role(.read), params: ["id"], required: ["id"]) { params, context in
                let principal = try context.requirePrincipal()
                let id = try params.string("id")
                guard let profile = try await server.agencies.pipeline(for: principal.agency).client(id) else { throw RPCError.clientNotFound(id) }
                return ["client": profile.jsonValue]
            },
            RPCMethod("clients.list", access: .role(.read), params: []) { _, context in
                let principal = try context.requirePrincipal()
                let clients = try await server.agencies.pipeline(for: principal.agency).clients()
                return ["clients": .array(clients.map(\.jsonValue))]
            },
        ]
    }
}

extension RPCError {
    static func clientNotFound(_ id: String) -> RPCError {
        .notFound("no client '\(id)' in this agency: it was never configured (clients.upsert) nor named by an event; clients.list shows them")
    }
}
