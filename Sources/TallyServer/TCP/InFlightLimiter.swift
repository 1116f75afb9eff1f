import NIOConcurrencyHelpers

/// Counts one connection's requests in flight; `acquire` waits while the count is at the limit.
///
/// While the connection loop waits here it does not read, so the socket's buffers fill and
/// TCP back-pressure slows the client instead of the server's memory growing.
final class InFlightLimiter: Sendable {
    private struct State {
        var inFlight = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// Waiters for the count to fall to a level, with that level.
        var drainWaiters: [(level: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let limit: Int
    private let state = NIOLockedValueBox(State())

    init(limit: Int) { self.limit = max(1, limit) }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = state.withLockedValue { state -> Bool in
                if state.inFlight < limit {
                    state.inFlight += 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if admitted { continuation.resume() }
        }
    }

    func release() {
        let resumed: [CheckedContinuation<Void, Never>] = state.withLockedValue { state in
            if !state.waiters.isEmpty {
                // The slot passes straight to the next waiter; the count stays.
                return [state.waiters.removeFirst()]
            }
            state.inFlight -= 1
            let level = state.inFlight
            let due = state.drainWaiters.filter { $0.level >= level }.map(\.continuation)
            state.drainWaiters.removeAll { $0.level >= level }
            return due
        }
        resumed.forEach { $0.resume() }
    }

    /// Waits until nothing is in flight.
    func drain() async { await drainExcept(0) }

    /// Waits until at most `level` requests are in flight (the caller's own slot, for a barrier).
    func drainExcept(_ level: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLockedValue { state -> Bool in
                if state.inFlight <= level { return true }
                state.drainWaiters.append((level, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }
}
