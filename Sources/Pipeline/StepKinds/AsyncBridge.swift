import Basics
import Dispatch
import Synchronization

/// Runs async work to completion from a synchronous step executor. The runner calls executors
/// synchronously; the server and the evaluation client are async (SwiftNIO threads do their
/// I/O), so the calling thread waits on a semaphore while a detached task does the work on the
/// bridged executor's threads.
enum AsyncBridge {
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultSlot<T>()
        let done = DispatchSemaphore(value: 0)
        // On threads of its own: the waiting thread may be one of the cooperative pool's few,
        // and the work must not need another.
        Task.detached(executorPreference: DedicatedThreadExecutor.bridged) {
            do { box.set(.success(try await body())) } catch { box.set(.failure(error)) }
            done.signal()
        }
        done.wait()
        return try box.take()
    }
}

/// A one-shot result handed from a task to a waiting thread.
final class ResultSlot<T: Sendable>: Sendable {
    private let result = Mutex<Result<T, Error>?>(nil)
    func set(_ value: Result<T, Error>) { result.withLock { $0 = value } }
    func take() throws -> T { try result.withLock { $0! }.get() }
}
