// Requests in flight at once, bounded (--concurrency), with results kept in input order; and the
// progress counter behind the CLI's progress line.

import Foundation
import Synchronization

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
    /// Items done and, of those, answered from the cache.
    private let counts = Mutex((done: 0, cached: 0))

    init(phase: EvaluationProgress.Phase, total: Int, report: (@Sendable (EvaluationProgress) -> Void)?) {
        self.phase = phase
        self.total = total
        self.report = report
    }

    func advance(cached: Bool) {
        let (done, hits) = counts.withLock { counts in
            counts.done += 1
            if cached { counts.cached += 1 }
            return counts
        }
        report?(EvaluationProgress(phase: phase, done: done, total: total, cached: hits))
    }
}
