import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real HTTP/1 server on loopback that records every request and answers with the status the
/// test chooses (by request number), so webhook deliveries cross a real socket. For tests only.
public final class TestReceiver: Sendable {
    /// One request as received.
    public struct Request: Sendable {
        public let method: HTTPMethod
        public let uri: String
        public let headers: HTTPHeaders
        public let body: [UInt8]

        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    private let channel: any Channel
    public let port: Int
    private let state: Mutex<[Request]>
    /// The answer to the n-th request (0-based); status 0 leaves the request unanswered.
    private let respond: @Sendable (Int, Request) -> Answer

    public var requests: [Request] { state.withLock { $0 } }
    public var count: Int { state.withLock { $0.count } }

    /// What the receiver sends back: a status (0: no answer at all), a body and its content type.
    public struct Answer: Sendable {
        public var status: Int
        public var body: String
        public var contentType: String

        public init(status: Int, body: String, contentType: String = "text/plain") {
            self.status = status
            self.body = body
            self.contentType = contentType
        }

        /// A JSON answer.
        public static func json(_ body: String, status: Int = 200) -> Answer { Answer(status: status, body: body, contentType: "application/json") }
    }

    private init(channel: any Channel, port: Int, respond: @escaping @Sendable (Int, Request) -> Answer) {
        self.channel = channel
        self.port = port
        self.state = Mutex([])
        self.respond = respond
    }

    /// Starts listening on 127.0.0.1:`port` (0: any free port); `respond` gives the status and
    /// body for the n-th request (0-based).
    public static func start(port: Int = 0, respond: @escaping @Sendable (Int) -> (status: Int, body: String) = { _ in (200, "ok") }) async throws -> TestReceiver {
        try await start(port: port, route: { index, _ in
            let answer = respond(index)
            return Answer(status: answer.status, body: answer.body)
        })
    }

    /// Starts listening on 127.0.0.1:`port` (0: any free port); `route` answers each request from
    /// its index and content (a fake API serving pages by path and query).
    public static func start(port: Int = 0, route: @escaping @Sendable (Int, Request) -> Answer) async throws -> TestReceiver {
        let box = ReceiverBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(box: box))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        let receiver = TestReceiver(channel: channel, port: channel.localAddress!.port!, respond: route)
        box.receiver.withLock { $0 = receiver }
        return receiver
    }

    /// A port that was free a moment ago and is closed now (for "receiver down").
    public static func closedPort() async throws -> Int {
        let receiver = try await start()
        let port = receiver.port
        try await receiver.stop()
        return port
    }

    public func stop() async throws { try await channel.close() }

    fileprivate func record(_ request: Request) -> Answer {
        let index = state.withLock { requests in
            requests.append(request)
            return requests.count - 1
        }
        return respond(index, request)
    }

    /// The webhook URL tests register (any path is answered).
    public var url: String { "http://127.0.0.1:\(port)/hook" }
    /// The receiver's base URL, for fake APIs (`http://127.0.0.1:PORT`).
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    final class ReceiverBox: Sendable {
        let receiver = Mutex<TestReceiver?>(nil)
    }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let box: ReceiverBox
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(box: ReceiverBox) { self.box = box }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let head, let receiver = box.receiver.withLock({ $0 }) else { return }
                let answer = receiver.record(Request(method: head.method, uri: head.uri, headers: head.headers, body: body))
                guard answer.status != 0 else { return }
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "\(answer.body.utf8.count)")
                headers.add(name: "Content-Type", value: answer.contentType)
                // One request per connection: a stopped receiver leaves no kept-alive connection behind.
                headers.add(name: "Connection", value: "close")
                let status = HTTPResponseStatus(statusCode: answer.status)
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: answer.body)))), promise: nil)
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
