import TallyCore
import TallyJSON
import TallyN8n
import TallyRPC

/// `n8n.register`, `n8n.list`, `n8n.unregister` and `n8n.poll`: the n8n instances whose
/// executions Tally polls. API keys stay in environment variables or files: only their names
/// are stored and returned.
enum N8nMethods {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("n8n.register", access: .role(.admin), params: ["id", "base_url", "api_key_env", "api_key_file", "interval_seconds"],
                      required: ["id", "base_url"]) { params, context in
                let principal = try context.requirePrincipal()
                let id = try params.string("id")
                guard !id.isEmpty, id.utf8.count <= 256 else { throw RPCError.invalidParam("id", "must be a non-empty string of at most 256 bytes") }
                let settings: N8nInstanceSettings
                do {
                    settings = try N8nInstanceSettings(
                        baseURL: try params.string("base_url"), apiKeyEnv: try params.optionalString("api_key_env"),
                        apiKeyFile: try params.optionalString("api_key_file"),
                        intervalSeconds: try params.optionalInt("interval_seconds") ?? N8nInstanceSettings.defaultIntervalSeconds)
                } catch let invalid as N8nInstanceSettings.Invalid { throw RPCError.invalidParam(invalid.field, invalid.reason) }
                let created = try await server.agencies.pipeline(for: principal.agency).putN8nInstance(id: id, settings: settings.jsonValue)
                try await server.agencies.n8nPoller(for: principal.agency).instancesChanged()
                return ["instance": instanceJSON(id: id, settings: settings, state: N8nPollState()), "created": .bool(created)]
            },
            RPCMethod("n8n.list", access: .role(.admin), params: []) { _, context in
                let principal = try context.requirePrincipal()
                let records = try await server.agencies.pipeline(for: principal.agency).n8nInstances()
                return ["instances": .array(records.compactMap { record in
                    guard let settings = try? N8nInstanceSettings(json: record.settings) else { return nil }
                    return instanceJSON(id: record.id, settings: settings, state: N8nPollState(json: record.state))
                })]
            },
            RPCMethod("n8n.unregister", access: .role(.admin), params: ["id"], required: ["id"]) { params, context in
                let principal = try context.requirePrincipal()
                let id = try params.string("id")
                guard try await server.agencies.pipeline(for: principal.agency).deleteN8nInstance(id: id) else { throw RPCError.n8nInstanceNotFound(id) }
                try await server.agencies.n8nPoller(for: principal.agency).instancesChanged()
                return ["unregistered": .string(id)]
            },
            RPCMethod("n8n.poll", access: .role(.admin), params: ["id"], required: ["id"]) { params, context in
                let principal = try context.requirePrincipal()
                let id = try params.string("id")
                let poller = try await server.agencies.n8nPoller(for: principal.agency)
                do {
                    return ["poll": try await poller.poll(id).jsonValue]
                } catch N8nPoller.Failure.unknownInstance {
                    throw RPCError.n8nInstanceNotFound(id)
                } catch N8nPoller.Failure.settings(let invalid) {
                    throw RPCError(.failedPrecondition, "n8n instance '\(id)': \(invalid.reason)", details: ["field": .string(invalid.field)])
                } catch let failure as N8nClient.Failure {
                    throw RPCError.unavailable(failure.description)
                } catch let failure as N8nExecutionPage.FormatError {
                    throw RPCError.unavailable("n8n instance '\(id)' answered something that is not an executions page: \(failure)")
                }
            },
        ]
    }

    static func instanceJSON(id: String, settings: N8nInstanceSettings, state: N8nPollState) -> JSONValue {
        guard case .object(var members) = settings.jsonValue else { return .null }
        members["id"] = .string(id)
        members["key_available"] = .bool(settings.keyAvailable)
        members["state"] = state.jsonValue
        return .object(members)
    }
}

extension RPCError {
    static func n8nInstanceNotFound(_ id: String) -> RPCError {
        .notFound("no n8n instance '\(id)' is registered in this agency; n8n.list shows them")
    }
}
