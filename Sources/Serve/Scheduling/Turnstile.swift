// The right to run the engine, handed from worker to worker in arrival order. Exactly one worker
// computes at a time, so concurrent requests never compete for cores or BLAS threads and each
// request's arithmetic is exactly what it would be alone; a worker holding the turn passes it on
// after every token, so requests advance token by token in round-robin.

import Dispatch
import Synchronization

/// A fair (FIFO) exclusive turn among engine worker threads.
final class Turnstile: Sendable {
    /// The one turn of this process: every server's workers share it, so however many servers a
    /// process runs (the test suites run dozens), one engine thread computes at a time and the
    /// rest of the machine stays free for everything else.
    static let engine = Turnstile()

    private struct State {
        var taken = false
        /// Workers waiting for the turn, first come first served; each waits on its own semaphore.
        var waiting: [DispatchSemaphore] = []
    }
    private let state = Mutex(State())

    /// Blocks until the caller holds the turn. `gate` is the caller's own semaphore.
    func enter(_ gate: DispatchSemaphore) {
        let mustWait = state.withLock { state -> Bool in
            if !state.taken {
                state.taken = true
                return false
            }
            state.waiting.append(gate)
            return true
        }
        if mustWait { gate.wait() }
    }

    /// Gives the turn to the longest waiting worker, or frees it.
    func leave() {
        state.withLock { state in
            if state.waiting.isEmpty {
                state.taken = false
            } else {
                state.waiting.removeFirst().signal()
            }
        }
    }

    /// Lets every worker already waiting go first, then takes the turn back. Returns at once
    /// when nobody waits.
    func pass(_ gate: DispatchSemaphore) {
        let mustWait = state.withLock { state -> Bool in
            if state.waiting.isEmpty { return false }
            let next = state.waiting.removeFirst()
            state.waiting.append(gate)
            next.signal()
            return true
        }
        if mustWait { gate.wait() }
    }
}
