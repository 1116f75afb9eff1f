import TallyCore
import TallyJSON
import TallyRPC
import TallyRules
import TallyStore

/// `alerts.list` (the stored history), `alerts.subscribe` and `alerts.unsubscribe` (live push over TCP).
enum AlertMethods {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("alerts.list", access: .role(.read), params: ["since", "client", "level", "limit"]) { params, context in
                let principal = try context.requirePrincipal()
                let since = try params.optionalTimestamp("since") ?? Timestamp(microsecondsSinceEpoch: 0)
                var levels: [String] = []
                if let level = try params.optionalEnum("level", as: RuleAlert.Level.self) {
                    // A level means "this level or louder".
                    let all = RuleAlert.Level.allCases
                    levels = all[all.firstIndex(of: level)!...].map(\.rawValue)
                }
                let alerts = try await server.agencies.pipeline(for: principal.agency).alerts(
                    since: since, client: try params.optionalString("client"), levels: levels,
                    limit: Int(try params.optionalInt("limit", in: 1...10_000) ?? 100))
                return ["alerts": .array(alerts.map(\.jsonValue))]
            },
            RPCMethod("alerts.subscribe", access: .role(.read), params: ["client"]) { params, context in
                let principal = try context.requirePrincipal()
                guard context.session.canPush else {
                    throw RPCError.invalidArgument("transport", "alerts.subscribe needs a TCP connection (HTTP cannot push); poll alerts.list over HTTP")
                }
                let client = try params.optionalString("client")
                server.agencies.alertHub.subscribe(context.session, agency: principal.agency, client: client)
                return ["subscribed": true, "notification": "alerts.fired", "client": client.map(JSONValue.string) ?? .null]
            },
            RPCMethod("alerts.unsubscribe", access: .role(.read), params: []) { _, context in
                let principal = try context.requirePrincipal()
                let was = server.agencies.alertHub.unsubscribe(context.session, agency: principal.agency)
                return ["unsubscribed": .bool(was)]
            },
        ]
    }
}
