import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import TallyRPC

/// The open client connections, so that a graceful shutdown can reach each one.
final class ConnectionRegistry: Sendable {
    /// Keyed by a serial number, not `ObjectIdentifier(channel)`: a closed channel's removal runs
    /// later on its event loop, and by then a new channel may live at the same address; an
    /// identity key would let the late removal drop the new, open connection from the registry
    /// (and a shutdown would then wait for it forever).
    private let channels = NIOLockedValueBox<(next: UInt64, open: [UInt64: (channel: any Channel, transport: Transport)])>((0, [:]))
    private let metrics: ServerMetrics

    init(metrics: ServerMetrics) { self.metrics = metrics }

    func add(_ channel: any Channel, transport: Transport) {
        let key = channels.withLockedValue { state in
            state.next += 1
            state.open[state.next] = (channel, transport)
            return state.next
        }
        if transport == .http { metrics.connectionOpened(.http) }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.channels.withLockedValue { _ = $0.open.removeValue(forKey: key) }
            if transport == .http { self?.metrics.connectionClosed(.http) }
        }
    }

    var count: Int { channels.withLockedValue { $0.open.count } }

    /// Stops reading new requests everywhere; connections close once their in-flight work is answered.
    func quiesce() {
        for (channel, transport) in channels.withLockedValue({ Array($0.open.values) }) {
            switch transport {
            case .tcp:
                // Half-closing our input ends the connection's read loop; its in-flight requests
                // are still answered before the socket closes.
                channel.close(mode: .input, promise: nil)
            case .http:
                channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            }
        }
    }

    /// Closes whatever is still open (after the grace period).
    func closeAll() {
        for (channel, _) in channels.withLockedValue({ Array($0.open.values) }) {
            channel.close(promise: nil)
        }
    }
}
