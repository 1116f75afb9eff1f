import Foundation
import TallyJSON
import TallyRules
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Threads")
struct ConcurrencyTests {
    /// Several agencies on several threads, with runaway calls mixed in: every runaway call is
    /// stopped, and no normal call is hit by another call's deadline.
    @Test func watchdogServesManyStatesAtOnce() async throws {
        try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for agency in 0..<4 {
                group.addTask {
                    let runtime = try hostileRuntime("while true do end", limits: RuleLimits(callDeadline: .milliseconds(20), loadDeadline: .seconds(2)))
                    var normal = 0
                    var stopped = 0
                    for call in 0..<400 {
                        if call % 100 == 99 {
                            do throws(RuleError) { _ = try runtime.attribute(attackEvent) } catch { if error.kind == .timeout { stopped += 1 } }
                        } else if (try? runtime.attribute(["id": .string("e\(agency)-\(call)")])) == Attribution(client: "acme", reason: "normal") {
                            normal += 1
                        }
                    }
                    return (normal, stopped)
                }
            }
            for try await (normal, stopped) in group {
                #expect(normal == 396)
                #expect(stopped == 4)
            }
        }
    }

    /// If the watchdog's signal cannot reach the thread (it blocks every signal), the watchdog
    /// arms the hook itself after a grace period: a runaway call still ends.
    @Test func timeoutStillFiresWhenTheThreadBlocksSignals() throws {
        let result = Mutex<RuleError.Kind?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            // The runtime lives and dies on this thread (it is not Sendable).
            guard let runtime = try? hostileRuntime("while true do end", limits: RuleLimits(callDeadline: .milliseconds(10), loadDeadline: .seconds(2))) else { return }
            _ = try? runtime.attribute(normalEvent)  // the first call on a thread unblocks the watchdog's signal
            var all = sigset_t()
            sigfillset(&all)
            pthread_sigmask(SIG_BLOCK, &all, nil)
            do throws(RuleError) { _ = try runtime.attribute(attackEvent) } catch { result.withLock { $0 = error.kind } }
        }
        thread.stackSize = 1 << 20
        thread.start()
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(result.withLock { $0 } == .timeout)
    }
}

import Synchronization
