import Logging
import NIOConcurrencyHelpers
import TallyStore

/// What the method handlers share: the stores, the authenticator, metrics and server state.
public struct ServerContext: Sendable {
    public let configuration: ServerConfiguration
    public let control: ControlStore
    public let authenticator: Authenticator
    public let metrics: ServerMetrics
    public let logger: Logger
    let agencies: AgencyRegistry
    let serving: NIOLockedValueBox<Bool>
    let startedAt: ContinuousClock.Instant

    /// Whether the server accepts new work (false while shutting down).
    public var isServing: Bool { serving.withLockedValue { $0 } }
}
