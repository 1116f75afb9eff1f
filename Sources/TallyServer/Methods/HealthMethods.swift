import TallyCore
import TallyJSON
import TallyRPC

/// `health.check` (liveness, modelled on gRPC's health service) and `rpc.discover` (the contract).
enum HealthMethods {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("health.check", access: .public, params: ["service"]) { params, _ in
                let service = try params.optionalString("service") ?? ""
                guard service.isEmpty || service == "tally" else {
                    throw RPCError.notFound("unknown service '\(service)'; use \"\" or \"tally\"")
                }
                let uptime = ContinuousClock.now - server.startedAt
                return [
                    "status": .string(server.isServing ? "SERVING" : "NOT_SERVING"),
                    "version": .string(TallyVersion.current),
                    "uptime_seconds": .integer(uptime.components.seconds),
                ]
            },
            RPCMethod("rpc.discover", access: .public) { _, _ in
                OpenRPCDocument.value
            },
        ]
    }
}
