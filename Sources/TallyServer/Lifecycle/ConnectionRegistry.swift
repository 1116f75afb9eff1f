import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import TallyRPC

/// The open client connections, so that a graceful shutdown can reach each one.
final class ConnectionRegistry: Sendable {
    private let channels = NIOLockedValueBox<[ObjectIdentifier: (channel: any Channel, transport: Transport)]>([:])
    private let metrics: ServerMetrics

    init(metrics: ServerMetrics) { self.metrics = metrics }

    func add(_ channel: any Channel, transport: Transport) {
        let key = ObjectIdentifier(channel)
        channels.withLockedValue { $0[key] = (channel, transport) }
        if transport == .http { metrics.connectionOpened(.http) }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.channels.withLockedValue { _ = $0.removeValue(forKey: key) }
            if transport == .http { self?.metrics.connectionClosed(.http) }
        }
    }

    var count: Int { channels.withLockedValue { $0.count } }

    /// Stops reading new requests everywhere; connections close once their in-flight work is answered.
    func quiesce() {
        for (channel, transport) in channels.withLockedValue({ Array($0.values) }) {
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
        for (channel, _) in channels.withLockedValue({ Array($0.values) }) {
            channel.close(promise: nil)
        }
    }
}
