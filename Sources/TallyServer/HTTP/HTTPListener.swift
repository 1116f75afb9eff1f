import NIOCore
import NIOHTTP1
import NIOPosix

/// Binds the HTTP port: NIO's HTTP/1.1 codec, a body size limit, then ``HTTPHandler``.
enum HTTPListener {
    static func bind(
        _ address: ListenAddress, group: any EventLoopGroup, configuration: ServerConfiguration,
        router: HTTPRouter, tracker: InFlightLimiter, connections: ConnectionRegistry
    ) async throws -> any Channel {
        let maximumBody = configuration.maximumMessageBytes
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                connections.add(channel, transport: .http)
                return channel.pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(NIOHTTPServerRequestAggregator(maxContentLength: maximumBody))
                    try channel.pipeline.syncOperations.addHandler(HTTPHandler(router: router, tracker: tracker))
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
    }
}
