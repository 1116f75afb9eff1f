import NIOCore

/// Splits a TCP byte stream into newline-delimited frames, with a size limit and re-synchronisation.
///
/// A line longer than `maximumFrameLength` is reported once as ``LineFrame/oversized(limit:)``;
/// its bytes are discarded as they arrive (never buffered) until the next newline, where the
/// stream is in sync again, as aiorpcx's `NewlineFramer` does. Empty lines are skipped. When an
/// `IdleStateHandler` before this handler reports a read timeout while a partial line is
/// buffered, the partial line is reported as ``LineFrame/incompleteTimedOut(bufferedBytes:)``
/// and dropped, which defeats slow-loris peers.
public final class LineFrameDecoder: ChannelInboundHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = LineFrame

    private let maximumFrameLength: Int
    private var buffer: ByteBuffer?
    private var discarding = false

    public init(maximumFrameLength: Int) {
        self.maximumFrameLength = maximumFrameLength
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        while incoming.readableBytes > 0 {
            let view = incoming.readableBytesView
            if let newline = view.firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - view.startIndex
                if discarding {
                    incoming.moveReaderIndex(forwardBy: length + 1)
                    discarding = false
                    continue
                }
                if (buffer?.readableBytes ?? 0) + length > maximumFrameLength {
                    incoming.moveReaderIndex(forwardBy: length + 1)
                    buffer = nil
                    context.fireChannelRead(wrapInboundOut(.oversized(limit: maximumFrameLength)))
                    continue
                }
                var line = incoming.readSlice(length: length)!
                incoming.moveReaderIndex(forwardBy: 1)
                if var pending = buffer {
                    pending.writeBuffer(&line)
                    line = pending
                    buffer = nil
                }
                emit(line, context: context)
            } else {
                if discarding {
                    incoming.moveReaderIndex(to: incoming.writerIndex)
                    break
                }
                if (buffer?.readableBytes ?? 0) + incoming.readableBytes > maximumFrameLength {
                    buffer = nil
                    discarding = true
                    incoming.moveReaderIndex(to: incoming.writerIndex)
                    context.fireChannelRead(wrapInboundOut(.oversized(limit: maximumFrameLength)))
                    break
                }
                if buffer == nil {
                    buffer = context.channel.allocator.buffer(capacity: incoming.readableBytes)
                }
                buffer!.writeBuffer(&incoming)
            }
        }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read,
            let pending = buffer, pending.readableBytes > 0
        {
            buffer = nil
            context.fireChannelRead(wrapInboundOut(.incompleteTimedOut(bufferedBytes: pending.readableBytes)))
            // Async consumers hand reads over at read-complete; this read came from a timer, not the socket.
            context.fireChannelReadComplete()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func emit(_ line: ByteBuffer, context: ChannelHandlerContext) {
        var line = line
        if line.readableBytesView.last == UInt8(ascii: "\r") {
            line.moveWriterIndex(to: line.writerIndex - 1)
        }
        // Blank lines (keep-alives typed into nc) are not messages.
        if line.readableBytesView.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return }
        context.fireChannelRead(wrapInboundOut(.message(line)))
    }
}

@available(*, unavailable)
extension LineFrameDecoder: Sendable {}
