import TallyCore
import TallyJSON
import TallyRPC

/// `session.hello`: authenticate a TCP connection (or check a token over HTTP).
enum SessionMethods {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("session.hello", access: .public, params: ["token"], required: ["token"]) { params, context in
                let token = try params.string("token")
                let authentication = await server.authenticator.authenticate(token: token)
                guard case .authenticated(let principal) = authentication else {
                    if context.transport == .tcp { context.session.bind(.anonymous) }
                    if case .rejected(let reason) = authentication { throw RPCError.unauthenticated(reason) }
                    throw RPCError.unauthenticated("unknown token")
                }
                // Over HTTP every request carries its own Authorization header; nothing is bound.
                if context.transport == .tcp { context.session.bind(authentication) }
                return [
                    "agency": .string(principal.agency.rawValue),
                    "role": .string(principal.role.rawValue),
                    "server_version": .string(TallyVersion.current),
                ]
            },
        ]
    }
}
