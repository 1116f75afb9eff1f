import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TallyJSON

/// A byte-level TCP client for tests: sends exactly the bytes given, reads lines or raw bytes.
///
/// Built on NIO so that waiting for the server never blocks a thread the server needs.
final class RawConnection: Sendable {
    enum Failure: Error, CustomStringConvertible {
        case timedOut(String)
        case closed
        var description: String {
            switch self {
            case .timedOut(let what): "timed out waiting for \(what)"
            case .closed: "connection closed"
            }
        }
    }

    private let channel: any Channel
    private let received: NIOLockedValueBox<(bytes: [UInt8], closed: Bool)>

    private init(channel: any Channel, received: NIOLockedValueBox<(bytes: [UInt8], closed: Bool)>) {
        self.channel = channel
        self.received = received
    }

    static func connect(host: String = "127.0.0.1", port: Int) async throws -> RawConnection {
        let received = NIOLockedValueBox<(bytes: [UInt8], closed: Bool)>(([], false))
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(received: received))
                }
            }
            .connect(host: host, port: port).get()
        return RawConnection(channel: channel, received: received)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    /// Sends one JSON text and a newline.
    func sendLine(_ text: String) async throws { try await send(text + "\n") }

    /// Closes our sending side (the server sees end of input) but keeps reading.
    func finishSending() async throws { try await channel.close(mode: .output) }

    func close() async { try? await channel.close() }

    /// Aborts the connection with a TCP reset (SO_LINGER 0), as a crashed client does.
    func reset() async {
        try? await (channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        try? await channel.close()
    }

    /// The next newline-terminated line, without the newline.
    func readLine(timeout: Duration = .seconds(10)) async throws -> String {
        try await poll(timeout: timeout, what: "a line") { state in
            guard let newline = state.bytes.firstIndex(of: UInt8(ascii: "\n")) else {
                if state.closed { throw Failure.closed }
                return nil
            }
            let line = String(decoding: state.bytes[..<newline], as: UTF8.self)
            state.bytes.removeSubrange(...newline)
            return line
        }
    }

    /// The next line, parsed.
    func readJSON(timeout: Duration = .seconds(10)) async throws -> JSONValue {
        try JSONCodec.parse(try await readLine(timeout: timeout))
    }

    /// Everything until the server closes the connection.
    func readUntilClosed(timeout: Duration = .seconds(10)) async throws -> [UInt8] {
        try await poll(timeout: timeout, what: "the server to close") { state in
            guard state.closed else { return nil }
            defer { state.bytes.removeAll() }
            return state.bytes
        }
    }

    /// Whether the server has closed the connection (after waiting up to `timeout` for it).
    func isClosed(within timeout: Duration) async -> Bool {
        (try? await poll(timeout: timeout, what: "close") { state in state.closed ? true : nil }) ?? false
    }

    /// Exactly `count` bytes.
    func readBytes(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [UInt8] {
        try await poll(timeout: timeout, what: "\(count) bytes") { state in
            if state.bytes.count >= count {
                defer { state.bytes.removeFirst(count) }
                return Array(state.bytes.prefix(count))
            }
            if state.closed { throw Failure.closed }
            return nil
        }
    }

    private func poll<T>(timeout: Duration, what: String, _ take: (inout (bytes: [UInt8], closed: Bool)) throws -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = try received.withLockedValue({ try take(&$0) }) { return value }
            guard ContinuousClock.now < deadline else { throw Failure.timedOut(what) }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<(bytes: [UInt8], closed: Bool)>
        init(received: NIOLockedValueBox<(bytes: [UInt8], closed: Bool)>) { self.received = received }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLockedValue { $0.bytes.append(contentsOf: buffer.readableBytesView) }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case ChannelEvent.inputClosed = event { received.withLockedValue { $0.closed = true } }
        }

        func channelInactive(context: ChannelHandlerContext) {
            received.withLockedValue { $0.closed = true }
        }
    }
}
