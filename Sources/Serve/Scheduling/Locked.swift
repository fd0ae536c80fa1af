// A value behind a lock, for the little state that engine worker threads and request tasks share
// (queue, counters, cancellation flags). Locks, not actors: the engine workers are plain threads
// that must not hop onto the cooperative pool.

import Foundation

/// A value guarded by an `NSLock`.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value { withLock { $0 } }
}
