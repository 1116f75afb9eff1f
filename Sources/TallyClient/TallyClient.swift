import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TallyJSON
import TallyRPC

/// A JSON-RPC client for Tally over TCP (newline-delimited JSON), async/await.
///
/// Calls may be made concurrently from many tasks over one connection; answers are matched by id.
/// Server notifications (e.g. `alerts.fired`) arrive on ``notifications``.
///
/// ```swift
/// let client = try await TallyClient.connect(host: "127.0.0.1", port: 7411, token: token)
/// let health = try await client.call("health.check")
/// ```
public final class TallyClient: Sendable {
    private let channel: NIOAsyncChannel<LineFrame, ByteBuffer>
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let pending = NIOLockedValueBox<State>(State())
    /// Notifications the server pushed (method and params).
    public let notifications: AsyncStream<TallyRPC.Notification>
    private let notificationSink: AsyncStream<TallyRPC.Notification>.Continuation

    private struct State {
        var nextID: Int64 = 1
        var waiting: [Int64: CheckedContinuation<JSONValue, any Error>] = [:]
        var closed = false
    }

    private init(channel: NIOAsyncChannel<LineFrame, ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.channel = channel
        self.outbound = outbound
        (notifications, notificationSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(10_000))
    }

    /// Connects, and authenticates with `session.hello` when a token is given.
    public static func connect(
        host: String, port: Int, token: String? = nil, maximumMessageBytes: Int = 64 * 1024 * 1024
    ) async throws -> TallyClient {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(LineFrameDecoder(maximumFrameLength: maximumMessageBytes))
                    return try NIOAsyncChannel<LineFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        // The connection lives in its own task; the scoped API hands the writer out to the client.
        let client: TallyClient = await withCheckedContinuation { ready in
            Task {
                try? await channel.executeThenClose { inbound, outbound in
                    let client = TallyClient(channel: channel, outbound: outbound)
                    ready.resume(returning: client)
                    await client.readLoop(inbound)
                }
            }
        }
        if let token { _ = try await client.call("session.hello", ["token": .string(token)]) }
        return client
    }

    /// Calls a method with named params and returns its `result`.
    public func call(_ method: String, _ params: [String: JSONValue] = [:]) async throws -> JSONValue {
        let id = pending.withLockedValue { state -> Int64 in
            defer { state.nextID += 1 }
            return state.nextID
        }
        var message: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method), "id": .integer(id)]
        if !params.isEmpty { message["params"] = .object(params) }
        var line = JSONCodec.serialize(.object(message))
        line.append(UInt8(ascii: "\n"))
        let bytes = line
        return try await withCheckedThrowingContinuation { continuation in
            let closed = pending.withLockedValue { state -> Bool in
                if state.closed { return true }
                state.waiting[id] = continuation
                return false
            }
            if closed {
                continuation.resume(throwing: TallyClientError.connectionClosed)
                return
            }
            Task {
                do {
                    try await outbound.write(ByteBuffer(bytes: bytes))
                } catch {
                    if let waiter = pending.withLockedValue({ $0.waiting.removeValue(forKey: id) }) {
                        waiter.resume(throwing: TallyClientError.connectionClosed)
                    }
                }
            }
        }
    }

    /// Sends a notification (no answer is expected or given).
    public func notify(_ method: String, _ params: [String: JSONValue] = [:]) async throws {
        var message: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method)]
        if !params.isEmpty { message["params"] = .object(params) }
        var bytes = JSONCodec.serialize(.object(message))
        bytes.append(UInt8(ascii: "\n"))
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Closes the connection; calls still waiting fail with ``TallyClientError/connectionClosed``.
    public func close() async {
        outbound.finish()
        try? await channel.channel.close()
    }

    private func readLoop(_ inbound: NIOAsyncChannelInboundStream<LineFrame>) async {
        do {
            for try await frame in inbound {
                guard case .message(let buffer) = frame,
                    let message = try? JSONCodec.parse(buffer.readableBytesView)
                else { continue }
                if let method = message["method"]?.stringValue, message["id"] == nil {
                    notificationSink.yield(TallyRPC.Notification(method: method, params: message["params"] ?? .null))
                    continue
                }
                guard let id = message["id"]?.int64Value,
                    let waiter = pending.withLockedValue({ $0.waiting.removeValue(forKey: id) })
                else { continue }
                if let error = message["error"] {
                    waiter.resume(throwing: TallyClientError(errorObject: error))
                } else {
                    waiter.resume(returning: message["result"] ?? .null)
                }
            }
        } catch {}
        let waiters = pending.withLockedValue { state -> [CheckedContinuation<JSONValue, any Error>] in
            state.closed = true
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        waiters.forEach { $0.resume(throwing: TallyClientError.connectionClosed) }
        notificationSink.finish()
    }
}
