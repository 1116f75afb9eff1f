import TallyCore
import TallyJSON
import TallyRPC
import TallyStore

/// `tokens.create`, `tokens.list`, `tokens.revoke` (admin): manage the caller's own agency's tokens.
///
/// An admin can mint an ingest token for a workflow without shell access to the server. Every
/// query is scoped to the caller's agency, so another agency's tokens are invisible.
enum TokenMethods {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("tokens.create", access: .role(.admin), params: ["role", "label"], required: ["role"]) { params, context in
                let principal = try context.requirePrincipal()
                guard let role = try params.optionalEnum("role", as: Role.self) else { throw RPCError.missingParam("role") }
                let issued = try await server.control.issueToken(agency: principal.agency, role: role, label: try params.optionalString("label"))
                var result = json(issued.record)
                if case .object(var members) = result {
                    members["token"] = .string(issued.secret)
                    result = .object(members)
                }
                return result
            },
            RPCMethod("tokens.list", access: .role(.admin)) { _, context in
                let principal = try context.requirePrincipal()
                let tokens = try await server.control.tokens(agency: principal.agency)
                return ["tokens": .array(tokens.map(json))]
            },
            RPCMethod("tokens.revoke", access: .role(.admin), params: ["id"], required: ["id"]) { params, context in
                let principal = try context.requirePrincipal()
                let id = try params.string("id")
                guard try await server.control.revokeToken(id: id, agency: principal.agency) else {
                    throw RPCError.notFound("no active token '\(id)' in agency '\(principal.agency)'")
                }
                return ["id": .string(id), "revoked": true]
            },
        ]
    }

    static func json(_ record: TokenRecord) -> JSONValue {
        [
            "id": .string(record.id),
            "agency": .string(record.agency.rawValue),
            "role": .string(record.role.rawValue),
            "label": record.label.map(JSONValue.string) ?? .null,
            "hint": .string(record.hint),
            "created_at": .string(record.createdAt),
            "revoked_at": record.revokedAt.map(JSONValue.string) ?? .null,
        ]
    }
}
