import Logging
import NIOConcurrencyHelpers
import NIOCore
import TallyCore
import TallyJSON
import TallyStore

/// Everything that touches one agency's ledger, on one thread: attribution, pricing, writes
/// with group commit, and queries.
///
/// The actor's executor is a store thread (SQLite blocks; see ``TallyStore/StoreExecutor``),
/// and the attributor (a Lua VM once rules are loaded) is only ever used here.
actor AgencyPipeline {
    let agency: AgencyID
    private let loop: any EventLoop
    let database: AgencyDatabase
    private(set) var priceBook: PriceBook
    private let logger: Logger
    private let metrics: ServerMetrics

    /// Budgets and their current spend, readable without a hop to this thread.
    let budgets = BudgetTracker()
    /// Told which budget periods a commit changed (the alert engine listens).
    private nonisolated let spendChanged = NIOLockedValueBox<(@Sendable (Set<BudgetPeriodRef>) -> Void)?>(nil)

    /// Batches waiting for the next group commit.
    private var pending: [PendingBatch] = []
    private var flushScheduled = false

    /// Adds the committed events to the budgets' current periods and reports the periods changed.
    private func budgetsAfterCommit(batches: [[(UsageEvent, AttributionDecision)]], results: [[IngestResult]]) {
        guard !budgets.isEmpty else { return }
        var charges: [BudgetTracker.Charge] = []
        for (events, outcomes) in zip(batches, results) {
            for ((event, _), outcome) in zip(events, outcomes) {
                guard case .accepted(let summary, _) = outcome else { continue }
                charges.append(.init(client: summary.client, workflow: event.workflowKey, provider: event.provider, model: event.model,
                                     timestamp: event.timestamp, cost: summary.cost))
            }
        }
        let changed = budgets.record(charges)
        if !changed.isEmpty, let listener = spendChanged.withLockedValue({ $0 }) { listener(changed) }
    }

    private struct PendingBatch {
        let events: [(UsageEvent, AttributionDecision)]
        let receivedAt: Timestamp
        let continuation: CheckedContinuation<[IngestResult], any Error>
    }

    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }

    init(agency: AgencyID, directory: DataDirectory, loop: any EventLoop, shipped: PriceCatalog, logger: Logger, metrics: ServerMetrics) throws {
        self.agency = agency
        self.loop = loop
        self.database = try AgencyDatabase(agency: agency, directory: directory)
        self.priceBook = PriceBook(shipped: shipped, overrides: try Self.loadOverrides(database))
        self.logger = logger
        self.metrics = metrics
        budgets.replace(try database.budgets())
    }

    nonisolated func onSpendChanged(_ listener: @escaping @Sendable (Set<BudgetPeriodRef>) -> Void) {
        spendChanged.withLockedValue { $0 = listener }
    }

    // MARK: Ingest

    /// Stores validated, attributed events; answers once they are committed. Concurrent calls
    /// are grouped into one transaction (group commit).
    func ingest(_ events: [(UsageEvent, AttributionDecision)], receivedAt: Timestamp) async throws -> [IngestResult] {
        guard !events.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append(PendingBatch(events: events, receivedAt: receivedAt, continuation: continuation))
            if !flushScheduled {
                flushScheduled = true
                // Runs after the calls already queued on this thread, so they join this commit.
                loop.execute { self.assumeIsolated { $0.flush() } }
            }
        }
    }

    private func flush() {
        let batches = pending
        pending.removeAll()
        flushScheduled = false
        do {
            let results = try database.transaction {
                batches.map { batch in batch.events.map { write($0.0, decision: $0.1, receivedAt: batch.receivedAt) } }
            }
            for (batch, result) in zip(batches, results) { batch.continuation.resume(returning: result) }
            budgetsAfterCommit(batches: batches.map(\.events), results: results)
        } catch {
            logger.error("ingest transaction failed; nothing of it was stored", metadata: ["agency": "\(agency)", "error": "\(error)"])
            for batch in batches { batch.continuation.resume(throwing: error) }
        }
    }

    private func write(_ event: UsageEvent, decision: AttributionDecision, receivedAt: Timestamp) -> IngestResult {
        let entry = LedgerEntry.priced(event, receivedAt: receivedAt, decision: decision, book: priceBook)
        do {
            switch try database.write(entry) {
            case .accepted(let summary): return .accepted(summary, flags: IngestResult.flags(of: summary))
            case .duplicate(let summary): return .duplicate(summary, flags: IngestResult.flags(of: summary))
            }
        } catch let error as AgencyDatabase.WriteError {
            return .rejected(field: "cost", reason: "\(error)")
        } catch {
            logger.error("event not stored", metadata: ["agency": "\(agency)", "event": "\(event.id)", "error": "\(error)"])
            return .rejected(field: "id", reason: "the event could not be stored; retry it")
        }
    }

    // MARK: Queries

    func spend(_ query: SpendQuery) throws -> SpendResult { try database.spend(query) }

    func events(from: Timestamp, to: Timestamp, filters: [SpendQuery.Dimension: [String]], unpricedOnly: Bool,
                cursor: Int64?, limit: Int, includeRaw: Bool) throws -> EventPage {
        try database.events(from: from, to: to, filters: filters, unpricedOnly: unpricedOnly, cursor: cursor, limit: limit, includeRaw: includeRaw)
    }

    // MARK: Prices

    /// Adds agency price overrides, then prices every unpriced event the new book can price.
    func addPriceOverrides(_ entries: [JSONValue]) throws -> (overrides: Int, repriced: Int) {
        try database.addPriceOverrides(entries)
        priceBook = PriceBook(shipped: priceBook.shipped, overrides: try Self.loadOverrides(database))
        let repriced = try repriceUnpriced()
        budgets.forgetLoadedPeriods()
        return (try database.priceOverrides().count, repriced)
    }

    func priceOverrides() throws -> [JSONValue] { try database.priceOverrides() }

    /// Prices unpriced events whose model now has a price, as adjustments; returns how many.
    @discardableResult
    func repriceUnpriced() throws -> Int {
        var repriced = 0
        let candidates = try database.unpricedEvents(limit: 1_000_000)
        try database.transaction {
            for event in candidates {
                guard case .priced(let priced) = priceBook.price(
                    usage: event.usage, provider: event.provider, model: event.model, at: event.timestamp, serviceTier: event.serviceTier)
                else { continue }
                try database.recordPrice(for: event, cost: priced.cost.total, priceVersion: priced.resolution.priceVersion,
                                         resolvedModel: priced.resolution.price.model)
                repriced += 1
            }
        }
        return repriced
    }

    private static func loadOverrides(_ database: AgencyDatabase) throws -> PriceCatalog? {
        let entries = try database.priceOverrides()
        guard !entries.isEmpty else { return nil }
        return try PriceCatalog.decode(.object([
            "format": .string(PriceCatalog.formatName), "version": .string("overrides-r\(entries.count)"), "models": .array(entries),
        ]))
    }
}

extension LedgerEntry {
    /// Prices an attributed event with the agency's book and picks the cost the ledger counts.
    ///
    /// OpenRouter's own reported cost is what OpenRouter bills, so it is counted when present;
    /// elsewhere the catalog price is counted, and a reported cost is kept beside it. With no
    /// price, a reported cost is counted; with neither, the event is unpriced (never $0).
    static func priced(_ event: UsageEvent, receivedAt: Timestamp, decision: AttributionDecision, book: PriceBook) -> LedgerEntry {
        let outcome = book.price(usage: event.usage, provider: event.provider, model: event.model, at: event.timestamp, serviceTier: event.serviceTier)
        var computed: Money? = nil
        var resolvedModel: String? = nil
        var note: String? = nil
        var priceVersion: String? = nil
        switch outcome {
        case .priced(let priced):
            computed = priced.cost.total
            resolvedModel = priced.resolution.price.model
            priceVersion = priced.resolution.priceVersion
            if !priced.cost.notes.isEmpty { note = priced.cost.notes.map { "\($0)" }.joined(separator: "; ") }
        case .unpriced(let reason, let version):
            note = "\(reason)"
            priceVersion = version
        }
        let providerBills = ProviderName.normalize(event.provider) == ProviderName.openRouter
        let cost: Money?
        let basis: CostBasis
        switch (computed, event.reportedCost) {
        case (_, let reported?) where providerBills: (cost, basis) = (reported, .reported)
        case (let computed?, _): (cost, basis) = (computed, .catalog)
        case (nil, let reported?): (cost, basis) = (reported, .reported)
        case (nil, nil): (cost, basis) = (nil, .unpriced)
        }
        return LedgerEntry(
            event: event, receivedAt: receivedAt, client: decision.client, attributionReason: decision.reason,
            ruleVersion: decision.ruleVersion, attributionError: decision.error, cost: cost, computedCost: computed,
            costBasis: basis, priceVersion: basis == .unpriced ? nil : priceVersion, resolvedModel: resolvedModel, pricingNote: note)
    }
}
