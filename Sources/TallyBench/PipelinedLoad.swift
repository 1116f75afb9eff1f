import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Foundation

/// Sends request lines over one TCP connection with a window of requests in flight and counts
/// answer lines, recording each round trip's latency. Answers come back in request order.
final class PipelinedLoad: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let requests: [ByteBuffer]
    private let total: Int
    private let window: Int
    private var sent = 0
    private var received = 0
    private var sentAt: [UInt64] = []
    private(set) var latenciesNanoseconds: [UInt64] = []
    /// The first answer bytes, to show an error if the server refused the requests.
    private(set) var sampleAnswers: [String] = []
    let done: EventLoopPromise<Void>

    /// Sends `total` requests, cycling through `requestLines`.
    init(requestLines: [String], total: Int, window: Int, eventLoop: any EventLoop) {
        requests = requestLines.map { ByteBuffer(string: $0 + "\n") }
        self.total = total
        self.window = window
        sentAt.reserveCapacity(total)
        latenciesNanoseconds.reserveCapacity(total)
        done = eventLoop.makePromise()
    }

    func channelActive(context: ChannelHandlerContext) {
        fill(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let now = DispatchTimeNanos.now()
        if sampleAnswers.count < 2 { sampleAnswers.append(String(buffer: buffer)) }
        for byte in buffer.readableBytesView where byte == UInt8(ascii: "\n") {
            latenciesNanoseconds.append(now - sentAt[received])
            received += 1
        }
        if received >= total {
            done.succeed(())
        } else {
            fill(context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    private func fill(context: ChannelHandlerContext) {
        var wrote = false
        while sent < total && sent - received < window {
            sentAt.append(DispatchTimeNanos.now())
            context.write(wrapOutboundOut(requests[sent % requests.count]), promise: nil)
            sent += 1
            wrote = true
        }
        if wrote { context.flush() }
    }
}

enum DispatchTimeNanos {
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
