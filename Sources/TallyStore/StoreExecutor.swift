import NIOCore
import NIOPosix

/// The threads that run SQLite.
///
/// SQLite calls block, so they run on threads of their own instead of Swift's cooperative
/// pool (two threads on this machine; blocking them would stall every request). Each store
/// actor is pinned to one of these event loops as its serial executor.
public final class StoreExecutor: Sendable {
    private let group: MultiThreadedEventLoopGroup

    public init(threads: Int = 2) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
    }

    /// The next event loop, for a new store actor.
    public func nextLoop() -> any EventLoop { group.next() }

    public func shutdown() async throws { try await group.shutdownGracefully() }
}
