import NIOConcurrencyHelpers

/// Puts a connection's answers back in request order while the requests run concurrently.
///
/// Each frame takes a ticket when read; its answer (or `nil` for a notification) is handed in
/// when ready, and whatever is contiguous from the oldest outstanding ticket is released, in
/// order, under the lock, so two finishing tasks can never interleave their answers.
final class ReplySequencer: Sendable {
    private struct State {
        var nextTicket = 0
        var nextToRelease = 0
        var ready: [Int: [UInt8]?] = [:]
    }

    private let state = NIOLockedValueBox(State())
    private let release: @Sendable ([UInt8]?) -> Void

    /// - Parameter release: called in ticket order, under the sequencer's lock, with each answer.
    init(release: @escaping @Sendable ([UInt8]?) -> Void) {
        self.release = release
    }

    func takeTicket() -> Int {
        state.withLockedValue { state in
            defer { state.nextTicket += 1 }
            return state.nextTicket
        }
    }

    func complete(_ ticket: Int, with reply: [UInt8]?) {
        state.withLockedValue { state in
            state.ready[ticket] = .some(reply)
            while let next = state.ready.removeValue(forKey: state.nextToRelease) {
                release(next)
                state.nextToRelease += 1
            }
        }
    }
}
