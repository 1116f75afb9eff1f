import NIOCore
import NIOPosix
import TallyRPC

/// Binds the JSON-RPC TCP port and builds each connection's pipeline.
enum TCPListener {
    typealias ServerChannel = NIOAsyncChannel<NIOAsyncChannel<LineFrame, ByteBuffer>, Never>

    static func bind(_ address: ListenAddress, group: any EventLoopGroup, configuration: ServerConfiguration) async throws -> ServerChannel {
        let readTimeout = TimeAmount.nanoseconds(Int64(configuration.readTimeout.components.seconds) * 1_000_000_000
            + configuration.readTimeout.components.attoseconds / 1_000_000_000)
        let maximumFrame = configuration.maximumMessageBytes
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: address.host, port: address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: readTimeout))
                    try channel.pipeline.syncOperations.addHandler(LineFrameDecoder(maximumFrameLength: maximumFrame))
                    return try NIOAsyncChannel<LineFrame, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(backPressureStrategy: .init(lowWatermark: 4, highWatermark: 64))
                    )
                }
            }
    }
}
