import Foundation
import Logging
import TallyCore
import TallyReconcile
import TallyRules
import TallyStore
import TallyWebhooks

/// Opens each agency's pipeline and rules on first use and keeps them; agencies spread over the
/// store threads. Each agency's rule folder is polled once a second and reloaded on change.
actor AgencyRegistry {
    private let directory: DataDirectory
    private let rulesDirectory: String
    private let ruleLimits: RuleLimits
    private let executor: StoreExecutor
    let logger: Logger
    private let metrics: ServerMetrics
    private var pipelines: [AgencyID: AgencyPipeline] = [:]
    private var rules: [AgencyID: AgencyRules] = [:]
    private var alertEngines: [AgencyID: AlertEngine] = [:]
    private var webhookDeliverers: [AgencyID: WebhookDeliverer] = [:]
    private var n8nPollers: [AgencyID: N8nPoller] = [:]
    private var reconcilePollers: [AgencyID: ConnectorPoller] = [:]
    private var keyWatches: [AgencyID: EventKeyWatch] = [:]
    let alertHub = AlertHub()
    private var watchers: [Task<Void, Never>] = []

    init(directory: DataDirectory, rulesDirectory: String, ruleLimits: RuleLimits, executor: StoreExecutor, logger: Logger, metrics: ServerMetrics) {
        self.directory = directory
        self.rulesDirectory = rulesDirectory
        self.ruleLimits = ruleLimits
        self.executor = executor
        self.logger = logger
        self.metrics = metrics
    }

    /// The agency's rules: `RULES/<agency>/`, or `RULES/default/` while the agency has no folder.
    func rules(for agency: AgencyID) -> AgencyRules {
        if let existing = rules[agency] { return existing }
        let agencyRules = AgencyRules(
            agency: agency.rawValue, directory: rulesDirectory + "/" + agency.rawValue,
            fallbackDirectory: rulesDirectory + "/default", limits: ruleLimits, logger: logger)
        rules[agency] = agencyRules
        let logger = self.logger
        watchers.append(Task {
            // Polling (at most once a second) works on every filesystem, including bind mounts
            // and network shares where inotify does not fire.
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                if Task.isCancelled { return }
                let outcome = await agencyRules.reload()
                if case .unchanged = outcome { continue }
                logger.info("rules folder changed", metadata: ["agency": "\(agency)", "outcome": "\(outcome.jsonValue.jsonText)"])
            }
        })
        return agencyRules
    }

    /// Stops the folder watchers and the webhook deliveries (what is pending stays in the outbox).
    func shutdown() async {
        for watcher in watchers { watcher.cancel() }
        watchers.removeAll()
        for poller in reconcilePollers.values { await poller.shutdown() }
        for deliverer in webhookDeliverers.values { await deliverer.shutdown() }
        for poller in n8nPollers.values { await poller.shutdown() }
    }

    /// Opens the pipelines of agencies that have a ledger file, so that their webhook outboxes
    /// and n8n polling resume at start, not at the agency's first request.
    func openExisting(_ agencies: [AgencyID]) {
        for agency in agencies where FileManager.default.fileExists(atPath: directory.agencyDatabasePath(agency)) {
            do { _ = try pipeline(for: agency) } catch {
                logger.error("cannot open agency", metadata: ["agency": "\(agency)", "error": "\(error)"])
            }
        }
    }

    func pipeline(for agency: AgencyID) throws -> AgencyPipeline {
        if let existing = pipelines[agency] { return existing }
        let pipeline = try AgencyPipeline(
            agency: agency, directory: directory, loop: executor.nextLoop(), shipped: ShippedCatalog.catalog,
            logger: logger, metrics: metrics)
        pipelines[agency] = pipeline
        // Webhooks: the agency's outbox file beside its ledger; deliveries left pending by the
        // last run go out once the deliverer starts.
        let store = try WebhookStore(directory: directory.agencyFolder(agency), loop: executor.nextLoop())
        var webhookLogger = logger
        webhookLogger[metadataKey: "agency"] = "\(agency)"
        let deliverer = WebhookDeliverer(store: store, logger: webhookLogger)
        webhookDeliverers[agency] = deliverer
        Task { await deliverer.start() }
        // Alerts start with the pipeline, so that the first commit is already evaluated.
        let engine = AlertEngine(agency: agency, pipeline: pipeline, rules: rules(for: agency), hub: alertHub, logger: logger,
                                 outbox: { alert in
                                     try await deliverer.enqueue(alert: alert.jsonValue, alertID: alert.id, level: alert.level)
                                 })
        alertEngines[agency] = engine
        engine.listen()
        Task { await engine.catchUp() }
        var pollerLogger = logger
        pollerLogger[metadataKey: "agency"] = "\(agency)"
        let n8nPoller = N8nPoller(pipeline: pipeline, logger: pollerLogger)
        n8nPollers[agency] = n8nPoller
        Task { await n8nPoller.start() }
        // Provider usage and cost: `reconcile.sqlite` beside the ledger, pulled on each connector's interval;
        // a pull that reveals an unregistered key raises the built-in untracked_key alert.
        let providerStore = try ProviderUsageStore(directory: directory.agencyFolder(agency), loop: executor.nextLoop())
        let hub = alertHub
        let agencyLogger = webhookLogger
        let poller = ConnectorPoller(store: providerStore, logger: agencyLogger, onPulled: { result in
            await UntrackedKeyAlerts.raise(agency: agency, data: result.data, store: providerStore, pipeline: pipeline, hub: hub,
                                           deliverer: deliverer, logger: agencyLogger)
        })
        reconcilePollers[agency] = poller
        Task { await poller.start() }
        keyWatches[agency] = EventKeyWatch(
            registered: { Set(try await providerStore.registeredKeys().map { EventKeyWatch.id($0.provider, $0.keyID) }) },
            raise: { data in
                await UntrackedKeyAlerts.raise(agency: agency, data: data, store: providerStore, pipeline: pipeline, hub: hub,
                                               deliverer: deliverer, logger: agencyLogger, seenIn: "an ingested event")
            })
        return pipeline
    }

    /// The agency's webhook deliverer and outbox (opening its pipeline if needed).
    func webhooks(for agency: AgencyID) throws -> WebhookDeliverer {
        _ = try pipeline(for: agency)
        return webhookDeliverers[agency]!
    }

    /// The agency's n8n poller (opening its pipeline if needed).
    func n8nPoller(for agency: AgencyID) throws -> N8nPoller {
        _ = try pipeline(for: agency)
        return n8nPollers[agency]!
    }

    /// The agency's provider-data poller and store (opening its pipeline if needed).
    func reconcile(for agency: AgencyID) throws -> ConnectorPoller {
        _ = try pipeline(for: agency)
        return reconcilePollers[agency]!
    }

    /// The watch over the keys the agency's events name (opening its pipeline if needed).
    func keyWatch(for agency: AgencyID) throws -> EventKeyWatch {
        _ = try pipeline(for: agency)
        return keyWatches[agency]!
    }

    /// The agency's alert engine (opening its pipeline if needed).
    func alertEngine(for agency: AgencyID) throws -> AlertEngine {
        _ = try pipeline(for: agency)
        return alertEngines[agency]!
    }
}
