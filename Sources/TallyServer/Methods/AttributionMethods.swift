import TallyCore
import TallyJSON
import TallyRPC

/// `attribution.replay` (admin): re-run the current rules over history, as adjustments.
enum AttributionMethods {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("attribution.replay", access: .role(.admin), params: ["from", "to", "filter"]) { params, context in
                let principal = try context.requirePrincipal()
                let (from, to) = try params.timeRange()
                let rules = await server.agencies.rules(for: principal.agency)
                let pipeline = try await server.agencies.pipeline(for: principal.agency)
                let summary = try await pipeline.replay(from: from, to: to, filters: try params.filters(), rules: rules)
                let moves: [JSONValue] = summary.moved
                    .sorted { $0.value.cost > $1.value.cost }
                    .map { move, totals in
                        ["from": move.from.map(JSONValue.string) ?? .null, "to": move.to.map(JSONValue.string) ?? .null,
                         "events": .integer(Int64(totals.events)), "cost": totals.cost.jsonValue]
                    }
                return [
                    "from": .string(from.rfc3339), "to": .string(to.rfc3339),
                    "rule_version": summary.ruleVersion.map(JSONValue.string) ?? .null,
                    "examined": .integer(Int64(summary.examined)), "changed": .integer(Int64(summary.changed)),
                    "failed": .integer(Int64(summary.failed)), "moved": .array(moves),
                ]
            },
        ]
    }
}
