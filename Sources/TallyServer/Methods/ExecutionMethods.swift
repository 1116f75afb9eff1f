import TallyCore
import TallyJSON
import TallyRPC
import TallyStore

/// `ingest.executions` (workflow runs pushed by the automation host) and `executions.list`.
enum ExecutionMethods {
    /// The most executions one call may carry.
    static let maximumExecutionsPerCall = 10_000

    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("ingest.executions", access: .role(.ingest), params: ["executions"], required: ["executions"]) { params, context in
                let principal = try context.requirePrincipal()
                let items = try params.array("executions")
                guard !items.isEmpty else { throw RPCError.invalidParam("executions", "must hold at least one execution") }
                guard items.count <= maximumExecutionsPerCall else {
                    throw RPCError(.resourceExhausted, "at most \(maximumExecutionsPerCall) executions per call, got \(items.count); split the batch",
                                   details: ["field": "executions", "limit": .integer(Int64(maximumExecutionsPerCall))])
                }
                var answers = [JSONValue?](repeating: nil, count: items.count)
                var valid: [Execution] = []
                var validIndexes: [Int] = []
                for (index, item) in items.enumerated() {
                    do throws(ExecutionValidationError) {
                        valid.append(try Execution.decode(item))
                        validIndexes.append(index)
                    } catch {
                        answers[index] = [
                            "index": .integer(Int64(index)), "status": "rejected", "field": .string("executions[\(index)].\(error.field)"),
                            "reason": .string(error.reason),
                        ]
                    }
                }
                let outcomes = valid.isEmpty ? [] : try await server.agencies.pipeline(for: principal.agency).upsertExecutions(valid, source: "ingest")
                for ((index, execution), outcome) in zip(zip(validIndexes, valid), outcomes) {
                    answers[index] = ["index": .integer(Int64(index)), "id": .string(execution.id), "status": .string(outcome.rawValue)]
                }
                let results = answers.map { $0! }
                let count = { (status: String) in Int64(results.filter { $0["status"]?.stringValue == status }.count) }
                return [
                    "results": .array(results), "inserted": .integer(count("inserted")), "updated": .integer(count("updated")),
                    "unchanged": .integer(count("unchanged")), "rejected": .integer(count("rejected")),
                ]
            },
            RPCMethod("executions.list", access: .role(.read), params: ["from", "to", "client", "workflow", "status", "cursor", "limit"]) { params, context in
                let principal = try context.requirePrincipal()
                let (from, to) = try params.timeRange()
                let status = try params.optionalEnum("status", as: ExecutionStatus.self)
                var offset = 0
                if let text = try params.optionalString("cursor") {
                    guard let value = Int(text), value >= 0 else { throw RPCError.invalidParam("cursor", "not a cursor from an earlier page") }
                    offset = value
                }
                let limit = Int(try params.optionalInt("limit", in: 1...1_000) ?? 100)
                let rows = try await server.agencies.pipeline(for: principal.agency).executions(
                    from: from, to: to, client: try params.optionalString("client"), workflow: try params.optionalString("workflow"),
                    status: status, offset: offset, limit: limit + 1)
                return [
                    "executions": .array(Array(rows.prefix(limit))),
                    "next_cursor": rows.count > limit ? .string(String(offset + limit)) : .null,
                ]
            },
        ]
    }
}
