import TallyCore
import TallyJSON
import TallyRPC
import TallyRules

/// `rules.list`, `rules.validate`, `rules.test`, `rules.reload`, `rules.put` (admin): manage and
/// dry-run the agency's Lua rules without restarting anything.
enum RuleMethods {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("rules.list", access: .role(.admin)) { _, context in
                let rules = await server.agencies.rules(for: try context.requirePrincipal().agency)
                return await rules.status().jsonValue
            },
            RPCMethod("rules.validate", access: .role(.admin), params: ["source", "file"], required: ["source"]) { params, context in
                let rules = await server.agencies.rules(for: try context.requirePrincipal().agency)
                let file = try ruleFile(params)
                switch await rules.validate(source: try params.string("source"), file: file) {
                case .success(let version): return ["valid": true, "version": .string(version.short)]
                case .failure(let error): return ["valid": false, "error": error.jsonValue]
                }
            },
            RPCMethod("rules.test", access: .role(.admin), params: ["events", "source", "file"], required: ["events"]) { params, context in
                let rules = await server.agencies.rules(for: try context.requirePrincipal().agency)
                let events = try params.array("events")
                guard events.count <= 1_000 else { throw RPCError.invalidParam("events", "at most 1,000 events per dry run") }
                switch await rules.test(events: events, source: try params.optionalString("source"), file: try ruleFile(params)) {
                case .success(let report):
                    return [
                        "version": .string(report.version.short),
                        "attributed": .integer(Int64(report.attributedCount)),
                        "results": .array(report.results.map(\.jsonValue)),
                    ]
                case .failure(let error):
                    throw RPCError(.failedPrecondition, "the rules do not load: \(error)", details: ["error": error.jsonValue])
                }
            },
            RPCMethod("rules.reload", access: .role(.admin)) { _, context in
                let rules = await server.agencies.rules(for: try context.requirePrincipal().agency)
                return await rules.reload().jsonValue
            },
            RPCMethod("rules.put", access: .role(.admin), params: ["file", "source"], required: ["file", "source"]) { params, context in
                let rules = await server.agencies.rules(for: try context.requirePrincipal().agency)
                let outcome = await rules.put(file: try ruleFile(params), text: try params.string("source"))
                return outcome.jsonValue
            },
        ]
    }

    /// The rule file a call names: `attribution.lua`, `alerts.lua` or a `.json` lookup table.
    static func ruleFile(_ params: Params) throws(RPCError) -> String {
        let file = try params.optionalString("file") ?? RuleSetSource.attributionFile
        let allowedName = file.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
        guard allowedName, !file.hasPrefix("."), file.hasSuffix(".lua") || file.hasSuffix(".json") else {
            throw RPCError.invalidParam("file", "a file name in the agency's rule folder, ending in .lua or .json (e.g. attribution.lua, instances.json)")
        }
        return file
    }
}
