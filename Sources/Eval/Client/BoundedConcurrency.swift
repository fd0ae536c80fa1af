// Requests in flight at once, bounded (--concurrency), with results kept in input order; and the
// progress counter behind the CLI's progress line.

import Foundation

extension Evaluation {
    /// body(0..<count) with at most `concurrency` running at once; results in index order.
    static func boundedMap<T: Sendable>(count: Int, concurrency: Int,
                                        _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
        var results = [T?](repeating: nil, count: count)
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var next = 0
            while next < min(concurrency, count) {
                let index = next
                group.addTask { (index, try await body(index)) }
                next += 1
            }
            while let (index, value) = try await group.next() {
                results[index] = value
                if next < count {
                    let index = next
                    group.addTask { (index, try await body(index)) }
                    next += 1
                }
            }
        }
        return results.map { $0! }
    }
}

/// Counts finished items and reports progress.
final class ProgressCounter: Sendable {
    private let phase: EvaluationProgress.Phase
    private let total: Int
    private let report: (@Sendable (EvaluationProgress) -> Void)?
    private let state = LockedCounter()

    init(phase: EvaluationProgress.Phase, total: Int, report: (@Sendable (EvaluationProgress) -> Void)?) {
        self.phase = phase
        self.total = total
        self.report = report
    }

    func advance(cached: Bool) {
        let (done, hits) = state.increment(cached: cached)
        report?(EvaluationProgress(phase: phase, done: done, total: total, cached: hits))
    }
}

/// Two counters behind a lock.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    private var cached = 0

    func increment(cached hit: Bool) -> (Int, Int) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        if hit { cached += 1 }
        return (done, cached)
    }
}
