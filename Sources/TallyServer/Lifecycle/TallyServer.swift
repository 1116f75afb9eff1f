import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import TallyRPC
import TallyStore

/// The Tally service: the JSON-RPC listeners over TCP and HTTP and everything behind them.
///
/// Its life has explicit states. `start()` binds both ports; `shutdown()` stops accepting,
/// answers every request already read, flushes, and releases the stores. As a
/// swift-service-lifecycle `Service`, `run()` starts it and shuts it down gracefully on SIGINT
/// or SIGTERM.
public actor TallyServer: Service {
    /// Where the listeners ended up (useful with port 0 in tests).
    public struct BoundAddresses: Sendable {
        public let rpc: ListenAddress
        public let http: ListenAddress
    }

    /// Why a server call failed.
    public enum Error: Swift.Error, CustomStringConvertible {
        /// `start()` was called on a server that is not new.
        case alreadyStarted
        /// A listener could not bind its address.
        case bindFailed(ListenAddress, any Swift.Error)

        public var description: String {
            switch self {
            case .alreadyStarted: "the server was started already"
            case .bindFailed(let address, let error): "cannot listen on \(address): \(error)"
            }
        }
    }

    enum State {
        case initial
        case running(Running)
        case shuttingDown
        case shutdown
    }

    struct Running {
        let tcpChannel: TCPListener.ServerChannel
        let httpChannel: any Channel
        let acceptLoop: Task<Void, Never>
        let addresses: BoundAddresses
    }

    public let configuration: ServerConfiguration
    private let logger: Logger
    private var state: State = .initial {
        didSet { logger.trace("server state: \(state)") }
    }
    private let eventLoops: MultiThreadedEventLoopGroup
    private let storeExecutor: StoreExecutor
    private let context: ServerContext
    private let connections: ConnectionRegistry
    private let httpInFlight: InFlightLimiter
    private var stopped: [CheckedContinuation<Void, Never>] = []

    /// Opens the data folder (creating the demo agency on a first start, see ``FirstStart``).
    public init(configuration: ServerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        self.storeExecutor = StoreExecutor(threads: 2)
        let control = try ControlStore(directory: DataDirectory(configuration.dataDirectory), executor: storeExecutor)
        _ = ShippedCatalog.catalog  // parse the bundled prices once, before the first event
        let metrics = ServerMetrics()
        let directory = DataDirectory(configuration.dataDirectory)
        self.context = ServerContext(
            configuration: configuration, control: control,
            authenticator: Authenticator(control: control, logger: logger),
            metrics: metrics, logger: logger,
            agencies: AgencyRegistry(
                directory: directory, rulesDirectory: configuration.rulesDirectory, ruleLimits: configuration.ruleLimits,
                executor: storeExecutor, logger: logger, metrics: metrics),
            serving: NIOLockedValueBox(true), startedAt: .now)
        self.connections = ConnectionRegistry(metrics: metrics)
        self.httpInFlight = InFlightLimiter(limit: 1 << 20)
    }

    /// The method table this server serves: name, who may call it, params and required params.
    public nonisolated var methodTable: [(name: String, access: String, params: [String], required: [String])] {
        MethodTable.methods(context).map { method in
            let access: String
            switch method.access {
            case .public: access = "public"
            case .role(let role): access = role.rawValue
            }
            return (method.name, access, method.params, method.requiredParams)
        }
    }

    /// Metrics, for the benchmark and tests.
    public nonisolated var metrics: ServerMetrics { context.metrics }

    /// Binds both listeners and starts accepting connections.
    @discardableResult
    public func start() async throws -> BoundAddresses {
        guard case .initial = state else { throw Error.alreadyStarted }
        let dispatcher = Dispatcher(
            methods: MethodTable.methods(context),
            limits: .init(maximumBatchSize: configuration.maximumBatchSize),
            logger: logger, observer: context.metrics)
        let tcpChannel: TCPListener.ServerChannel
        do {
            tcpChannel = try await TCPListener.bind(configuration.rpcAddress, group: eventLoops, configuration: configuration)
        } catch {
            throw Error.bindFailed(configuration.rpcAddress, error)
        }
        let httpChannel: any Channel
        do {
            httpChannel = try await HTTPListener.bind(
                configuration.httpAddress, group: eventLoops, configuration: configuration,
                router: HTTPRouter(dispatcher: dispatcher, server: context), tracker: httpInFlight, connections: connections)
        } catch {
            try? await tcpChannel.channel.close()
            throw Error.bindFailed(configuration.httpAddress, error)
        }
        let addresses = BoundAddresses(
            rpc: ListenAddress(host: configuration.rpcAddress.host, port: tcpChannel.channel.localAddress?.port ?? configuration.rpcAddress.port),
            http: ListenAddress(host: configuration.httpAddress.host, port: httpChannel.localAddress?.port ?? configuration.httpAddress.port))
        let server = context
        let connections = self.connections
        let acceptLoop = Task {
            do {
                try await tcpChannel.executeThenClose { inbound in
                    try await withThrowingDiscardingTaskGroup { group in
                        for try await connection in inbound {
                            connections.add(connection.channel, transport: .tcp)
                            group.addTask {
                                await TCPConnection(channel: connection, dispatcher: dispatcher, server: server).run()
                            }
                        }
                    }
                }
            } catch {
                server.logger.error("tcp listener failed", metadata: ["error": "\(error)"])
            }
        }
        state = .running(Running(tcpChannel: tcpChannel, httpChannel: httpChannel, acceptLoop: acceptLoop, addresses: addresses))
        if let known = try? await context.control.agencies() { await context.agencies.openExisting(known) }
        logger.info("listening", metadata: ["rpc": "\(addresses.rpc)", "http": "\(addresses.http)", "data": "\(configuration.dataDirectory)"])
        return addresses
    }

    /// Stops accepting, answers what is in flight (up to the grace period), flushes and closes.
    public func shutdown() async {
        guard case .running(let running) = state else {
            if case .initial = state { state = .shutdown; await releaseResources() }
            return
        }
        state = .shuttingDown
        context.serving.withLockedValue { $0 = false }
        logger.info("shutting down: no new connections; answering requests in flight")
        try? await running.tcpChannel.channel.close()
        try? await running.httpChannel.close()
        connections.quiesce()

        let grace = configuration.shutdownGracePeriod
        let acceptLoop = running.acceptLoop
        let httpInFlight = self.httpInFlight
        let drained = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await acceptLoop.value
                await httpInFlight.drain()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: grace)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !drained {
            logger.warning("grace period over; closing the remaining connections", metadata: ["open": "\(connections.count)"])
        }
        connections.closeAll()
        await releaseResources()
        state = .shutdown
        logger.info("stopped")
        for waiter in stopped { waiter.resume() }
        stopped.removeAll()
    }

    private func releaseResources() async {
        await context.agencies.shutdown()
        try? await eventLoops.shutdownGracefully()
        try? await storeExecutor.shutdown()
    }

    /// Waits until the server has shut down.
    public func waitUntilStopped() async {
        if case .shutdown = state { return }
        await withCheckedContinuation { stopped.append($0) }
    }

    /// Runs until a graceful shutdown (SIGINT or SIGTERM through a `ServiceGroup`).
    public func run() async throws {
        if case .initial = state { try await start() }
        await withGracefulShutdownHandler {
            await self.waitUntilStopped()
        } onGracefulShutdown: {
            Task { await self.shutdown() }
        }
    }
}
