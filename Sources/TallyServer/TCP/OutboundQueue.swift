import NIOConcurrencyHelpers
import NIOCore

/// What a TCP connection has to send, collected so that one socket write carries every answer
/// that is ready (one syscall for many pipelined answers instead of one each).
final class OutboundQueue: Sendable {
    /// A batch taken by the writer: the bytes and how many in-flight slots they free.
    struct Batch {
        var bytes: ByteBuffer
        var freedSlots: Int
    }

    private struct State {
        var bytes = ByteBuffer()
        var freedSlots = 0
        var finished = false
        var waiter: CheckedContinuation<Batch?, Never>?
    }

    private let state = NIOLockedValueBox(State())

    /// Queues an answer line (or nothing, for a notification) that frees one in-flight slot.
    func reply(_ line: [UInt8]?) {
        enqueue { state in
            if let line {
                state.bytes.writeBytes(line)
                state.bytes.writeInteger(UInt8(ascii: "\n"))
            }
            state.freedSlots += 1
        }
    }

    /// Queues a server-initiated line (a notification), which holds no slot.
    func push(_ line: ByteBuffer) {
        enqueue { state in
            var line = line
            state.bytes.writeBuffer(&line)
        }
    }

    /// No more input will come; the writer ends once everything queued is taken.
    func finish() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Batch?, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Waits for something to send; `nil` once finished and drained.
    func next() async -> Batch? {
        await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state -> Batch?? in
                if let batch = Self.take(&state) { return .some(batch) }
                if state.finished { return .some(nil) }
                state.waiter = continuation
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func enqueue(_ change: (inout State) -> Void) {
        let resumed = state.withLockedValue { state -> (CheckedContinuation<Batch?, Never>, Batch)? in
            change(&state)
            guard let waiter = state.waiter, let batch = Self.take(&state) else { return nil }
            state.waiter = nil
            return (waiter, batch)
        }
        if let (waiter, batch) = resumed { waiter.resume(returning: batch) }
    }

    private static func take(_ state: inout State) -> Batch? {
        guard state.bytes.readableBytes > 0 || state.freedSlots > 0 else { return nil }
        defer {
            state.bytes = ByteBuffer()
            state.freedSlots = 0
        }
        return Batch(bytes: state.bytes, freedSlots: state.freedSlots)
    }
}
