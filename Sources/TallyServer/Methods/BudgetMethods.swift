import TallyCore
import TallyJSON
import TallyRPC
import TallyStore

/// `budgets.set`, `budgets.get`, `budgets.list`, `budgets.delete`, `budgets.status`, `budgets.check`.
enum BudgetMethods {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("budgets.set", access: .role(.admin), params: [
                "id", "client", "amount", "period", "anchor", "timezone", "thresholds", "policy", "workflow", "provider", "model",
            ], required: ["client", "amount"]) { params, context in
                let principal = try context.requirePrincipal()
                let budget = try params.budget()
                let pipeline = try await server.agencies.pipeline(for: principal.agency)
                let replaced = try await pipeline.putBudget(budget, now: .now)
                // Spend already past a threshold alerts now, not at the next event.
                let engine = try await server.agencies.alertEngine(for: principal.agency)
                await engine.evaluateAll()
                return ["budget": budget.jsonValue, "created": .bool(!replaced)]
            },
            RPCMethod("budgets.get", access: .role(.read), params: ["id"], required: ["id"]) { params, context in
                let principal = try context.requirePrincipal()
                let id = try params.string("id")
                guard let entry = try await server.agencies.pipeline(for: principal.agency).budgets.entry(id) else { throw RPCError.budgetNotFound(id) }
                return ["budget": entry.budget.jsonValue]
            },
            RPCMethod("budgets.list", access: .role(.read), params: ["client"]) { params, context in
                let principal = try context.requirePrincipal()
                let client = try params.optionalString("client")
                let entries = try await server.agencies.pipeline(for: principal.agency).budgets.all
                return ["budgets": .array(entries.filter { client == nil || $0.budget.client == client }.map(\.budget.jsonValue))]
            },
            RPCMethod("budgets.delete", access: .role(.admin), params: ["id"], required: ["id"]) { params, context in
                let principal = try context.requirePrincipal()
                let id = try params.string("id")
                guard try await server.agencies.pipeline(for: principal.agency).deleteBudget(id: id) else { throw RPCError.budgetNotFound(id) }
                return ["deleted": .string(id)]
            },
            RPCMethod("budgets.status", access: .role(.read), params: ["id", "client", "at"]) { params, context in
                let principal = try context.requirePrincipal()
                let pipeline = try await server.agencies.pipeline(for: principal.agency)
                let now = Timestamp.now
                let at = try params.optionalTimestamp("at") ?? now
                let ids: [String]
                if let id = try params.optionalString("id") {
                    ids = [id]
                } else if let client = try params.optionalString("client") {
                    ids = pipeline.budgets.entries(client: client).map(\.budget.id)
                } else {
                    ids = pipeline.budgets.all.map(\.budget.id)
                }
                var statuses: [JSONValue] = []
                for id in ids {
                    guard let entry = pipeline.budgets.entry(id) else { throw RPCError.budgetNotFound(id) }
                    // The current period is answered from memory; another period reads the ledger.
                    if let current = entry.current, current.ref.start <= at, at < current.ref.end, current.ref.start <= now, now < current.ref.end {
                        statuses.append(BudgetStatus(period: current, budget: entry.budget, now: now).jsonValue)
                    } else {
                        guard let status = try await pipeline.budgetStatus(id, at: at, now: now) else { throw RPCError.budgetNotFound(id) }
                        statuses.append(status.jsonValue)
                    }
                }
                return ["budgets": .array(statuses)]
            },
            RPCMethod("budgets.check", access: .role(.ingest), params: ["client", "estimated_cost", "workflow", "provider", "model"],
                      required: ["client"]) { params, context in
                let principal = try context.requirePrincipal()
                let client = try params.string("client")
                let estimate = try params.optionalMoney("estimated_cost") ?? .zero
                let workflow = try params.optionalString("workflow")
                let provider = try params.optionalString("provider")
                let model = try params.optionalString("model")
                let pipeline = try await server.agencies.pipeline(for: principal.agency)
                let now = Timestamp.now
                var allowed = true
                var tightest: Money? = nil
                var answers: [JSONValue] = []
                for entry in pipeline.budgets.entries(client: client)
                    where entry.budget.covers(client: client, workflow: workflow ?? entry.budget.workflow,
                                              provider: provider ?? entry.budget.provider, model: model ?? entry.budget.model) {
                    // Served from memory; only the first check of a new period reads the ledger.
                    let period: BudgetTracker.CurrentPeriod
                    if let current = entry.current, current.ref.start <= now, now < current.ref.end {
                        period = current
                    } else {
                        period = try await pipeline.period(of: entry, containing: now, now: now)
                    }
                    let remaining = entry.budget.amount - period.spent
                    let wouldExceed = period.spent + estimate > entry.budget.amount
                    if wouldExceed && entry.budget.policy == .block { allowed = false }
                    if tightest == nil || remaining < tightest! { tightest = remaining }
                    answers.append(.object([
                        "id": .string(entry.budget.id), "policy": .string(entry.budget.policy.rawValue), "amount": entry.budget.amount.jsonValue,
                        "spent": period.spent.jsonValue, "remaining": remaining.jsonValue, "would_exceed": .bool(wouldExceed),
                        "period_end": .string(period.ref.end.rfc3339),
                    ]))
                }
                return [
                    "allowed": .bool(allowed), "client": .string(client),
                    "remaining": tightest.map(\.jsonValue) ?? .null, "budgets": .array(answers),
                ]
            },
        ]
    }
}

extension RPCError {
    static func budgetNotFound(_ id: String) -> RPCError {
        .notFound("no budget '\(id)' in this agency; budgets.list shows the budgets")
    }
}

extension Params {
    /// A USD amount: a decimal string ("12.50") or a JSON number.
    func optionalMoney(_ name: String) throws(RPCError) -> Money? {
        guard let value = self[name], value != .null else { return nil }
        let money: Money
        switch value {
        case .string(let text):
            do { money = try Money.parse(text) } catch { throw RPCError.invalidParam(name, "\(error)") }
        case .integer(let number):
            money = Money(wholeUSD: number)
        case .number(let number):
            do { money = try Money.parseRoundingToPico("\(number)") } catch { throw RPCError.invalidParam(name, "\(error); send the amount as a decimal string") }
        default:
            throw RPCError.invalidParam(name, "expected a USD amount as a decimal string, e.g. \"12.50\"")
        }
        guard !money.isNegative else { throw RPCError.invalidParam(name, "must not be negative") }
        return money
    }

    /// The budget `budgets.set` describes.
    func budget() throws(RPCError) -> Budget {
        let client = try string("client")
        guard !client.isEmpty else { throw RPCError.invalidParam("client", "must not be empty") }
        guard let amount = try optionalMoney("amount"), amount > .zero else { throw RPCError.invalidParam("amount", "must be more than 0") }
        let kind = try optionalEnum("period", as: BudgetPeriodKind.self) ?? .month
        let anchor = Int(try optionalInt("anchor", in: 1...31) ?? 1)
        if kind == .week && anchor > 7 { throw RPCError.invalidParam("anchor", "a week's anchor is a weekday, 1 (Monday) to 7 (Sunday)") }
        let timeZone = try optionalString("timezone") ?? "UTC"
        var thresholds = Budget.defaultThresholds
        if has("thresholds") {
            thresholds = []
            for (index, element) in try array("thresholds").enumerated() {
                guard let threshold = BudgetThreshold.decode(element) else {
                    throw RPCError.invalidParam("thresholds[\(index)]", "expected a ratio such as 0.5, or {\"amount\": \"900\"}; more than 0")
                }
                thresholds.append(threshold)
            }
        }
        let policy = try optionalEnum("policy", as: Budget.Policy.self) ?? .alert
        let workflow = try optionalString("workflow")
        let provider = try optionalString("provider")
        let model = try optionalString("model")
        let scope = [workflow.map { "workflow=\($0)" }, provider.map { "provider=\($0)" }, model.map { "model=\($0)" }].compactMap { $0 }
        let id = try optionalString("id") ?? ([client, kind.rawValue] + scope).joined(separator: ":")
        guard !id.isEmpty, id.count <= 200 else { throw RPCError.invalidParam("id", "1 to 200 characters") }
        let budget = Budget(id: id, client: client, amount: amount, kind: kind, anchor: anchor, timeZone: timeZone,
                            thresholds: thresholds, policy: policy, workflow: workflow, provider: provider, model: model)
        do {
            _ = try budget.period()
        } catch {
            throw RPCError.invalidParam("timezone", "\(error)")
        }
        return budget
    }
}
