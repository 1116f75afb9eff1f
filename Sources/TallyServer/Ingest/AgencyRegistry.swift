import Logging
import TallyCore
import TallyStore

/// Opens each agency's pipeline on first use and keeps it; agencies spread over the store threads.
actor AgencyRegistry {
    private let directory: DataDirectory
    private let executor: StoreExecutor
    private let logger: Logger
    private let metrics: ServerMetrics
    private var pipelines: [AgencyID: AgencyPipeline] = [:]

    init(directory: DataDirectory, executor: StoreExecutor, logger: Logger, metrics: ServerMetrics) {
        self.directory = directory
        self.executor = executor
        self.logger = logger
        self.metrics = metrics
    }

    func pipeline(for agency: AgencyID) throws -> AgencyPipeline {
        if let existing = pipelines[agency] { return existing }
        let pipeline = try AgencyPipeline(
            agency: agency, directory: directory, loop: executor.nextLoop(), shipped: ShippedCatalog.catalog,
            logger: logger, metrics: metrics)
        pipelines[agency] = pipeline
        return pipeline
    }
}
