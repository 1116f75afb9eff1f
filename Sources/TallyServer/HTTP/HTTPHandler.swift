import NIOCore
import NIOHTTP1

/// Bridges one aggregated HTTP request to the async ``HTTPRouter`` and writes the response.
///
/// NIO's pipelining assistance hands requests over one at a time per connection, so responses
/// leave in request order.
final class HTTPHandler: ChannelInboundHandler {
    typealias InboundIn = NIOHTTPServerRequestFull
    typealias OutboundOut = HTTPServerResponsePart

    private let router: HTTPRouter
    private let tracker: InFlightLimiter

    init(router: HTTPRouter, tracker: InFlightLimiter) {
        self.router = router
        self.tracker = tracker
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let request = unwrapInboundIn(data)
        let head = request.head
        let body = request.body.map { Array($0.readableBytesView) } ?? []
        let loopBound = NIOLoopBound((context: context, handler: self), eventLoop: context.eventLoop)
        let router = self.router
        let tracker = self.tracker
        Task {
            await tracker.acquire()
            defer { tracker.release() }
            let response = await router.respond(to: head, body: body)
            loopBound.eventLoop.execute {
                let (context, handler) = loopBound.value
                handler.write(response, keepAlive: head.isKeepAlive, version: head.version, context: context)
            }
        }
    }

    private func write(_ response: HTTPResponse, keepAlive: Bool, version: HTTPVersion, context: ChannelHandlerContext) {
        var headers = response.headers
        headers.replaceOrAdd(name: "content-length", value: String(response.body.count))
        if !keepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))), promise: nil)
        if !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        if !keepAlive {
            let channel = context.channel
            written.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
