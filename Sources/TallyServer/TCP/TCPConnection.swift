import Logging
import NIOCore
import TallyJSON
import TallyRPC

/// Serves one TCP connection: newline-delimited JSON-RPC, pipelined.
///
/// Requests run concurrently, up to the in-flight limit, and their answers are written in
/// request order (``ReplySequencer``). A request counts as in flight until its answer is
/// written, so a client that sends without reading is slowed by TCP back-pressure rather than
/// growing the server's memory. A `session.hello` is a barrier: calls after it start only once
/// it has bound the session, so a client may pipeline its hello and first calls.
struct TCPConnection {
    let channel: NIOAsyncChannel<LineFrame, ByteBuffer>
    let dispatcher: Dispatcher
    let server: ServerContext

    func run() async {
        server.metrics.connectionOpened(.tcp)
        defer { server.metrics.connectionClosed(.tcp) }
        let limiter = InFlightLimiter(limit: server.configuration.maximumInFlightPerConnection)
        let queue = OutboundQueue()
        let sequencer = ReplySequencer { reply in queue.reply(reply) }
        let session = Session { notification in queue.push(Self.line(notification.jsonValue)) }
        do {
            try await channel.executeThenClose { inbound, outbound in
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask {
                        // The single writer: every answer ready at once goes out in one write.
                        while let batch = await queue.next() {
                            if batch.bytes.readableBytes > 0 { try? await outbound.write(batch.bytes) }
                            for _ in 0..<batch.freedSlots { limiter.release() }
                        }
                    }
                    // However the input ends (end of stream, half-close, or a read error such as a
                    // reset), the requests in flight are answered and the writer is told to end:
                    // it waits on a continuation that task cancellation does not reach, so a
                    // thrown read error must not skip `finish()` or the group never completes.
                    var readError: (any Error)?
                    do {
                        try await readLoop(inbound, group: &group, limiter: limiter, sequencer: sequencer, session: session)
                    } catch {
                        readError = error
                    }
                    await limiter.drain()
                    queue.finish()
                    if let readError { throw readError }
                }
            }
        } catch {
            queue.finish()
            server.logger.debug("tcp connection ended", metadata: ["error": "\(error)"])
        }
    }

    private func readLoop(
        _ inbound: NIOAsyncChannelInboundStream<LineFrame>, group: inout ThrowingDiscardingTaskGroup<any Error>,
        limiter: InFlightLimiter, sequencer: ReplySequencer, session: Session
    ) async throws {
        for try await frame in inbound {
            await limiter.acquire()
            let ticket = sequencer.takeTicket()
            switch frame {
            case .message(let buffer):
                let bytes = Array(buffer.readableBytesView)
                if Self.mentionsHello(bytes) {
                    // The barrier: everything before it is answered, then it runs alone.
                    await limiter.drainExcept(1)
                    sequencer.complete(ticket, with: await dispatcher.handle(text: bytes, session: session, transport: .tcp))
                    continue
                }
                let dispatcher = self.dispatcher
                group.addTask {
                    sequencer.complete(ticket, with: await dispatcher.handle(text: bytes, session: session, transport: .tcp))
                }
            case .oversized(let limit):
                server.metrics.frameRefused("oversized")
                let error = RPCError(.resourceExhausted,
                    "message longer than \(limit) bytes refused; it was skipped up to the next newline",
                    details: ["limit": .integer(Int64(limit))])
                sequencer.complete(ticket, with: JSONCodec.serialize(Response(id: .null, outcome: .error(error)).jsonValue))
            case .incompleteTimedOut(let bytes):
                server.metrics.frameRefused("read_timeout")
                let error = RPCError(.invalidRequest,
                    "no newline after \(bytes) bytes within the read timeout; the partial message was dropped and the connection is closed")
                sequencer.complete(ticket, with: JSONCodec.serialize(Response(id: .null, outcome: .error(error)).jsonValue))
                // Stop reading; the answers still in flight (and this one) are written before the close.
                channel.channel.close(mode: .input, promise: nil)
                return
            }
        }
    }

    /// A cheap pre-check before parsing: only frames that mention the method can be a hello.
    private static func mentionsHello(_ bytes: [UInt8]) -> Bool {
        let needle = Array("session.hello".utf8)
        guard bytes.count >= needle.count else { return false }
        return bytes.indices.dropLast(needle.count - 1).contains { start in
            bytes[start] == needle[0] && bytes[start..<(start + needle.count)].elementsEqual(needle)
        }
    }

    static func line(_ value: JSONValue) -> ByteBuffer {
        var bytes = JSONCodec.serialize(value)
        bytes.append(UInt8(ascii: "\n"))
        return ByteBuffer(bytes: bytes)
    }
}
