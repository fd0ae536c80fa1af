// A task executor backed by threads of its own (SE-0417 task executor preference).
//
// Swift's cooperative pool has one thread per core: two on this project's machines. Any code that
// blocks one of those threads — a CPU-bound loop called synchronously from an async context, a
// semaphore wait in a bridge from synchronous to asynchronous code — takes half the pool away,
// and whatever async work is left (an HTTP handler answering `/health`, a client waiting for a
// response) queues behind it. Work that must keep running whatever else the process is doing is
// therefore started with a preference for one of these executors: its task and every child task
// it creates (task groups, `async let`) run on the executor's own threads, never on the pool.

import Foundation

/// Runs the jobs of tasks that prefer it on a fixed set of threads of its own, first in, first
/// out. Instances live for the whole process (the threads never exit): use the shared ones.
public final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    /// The executor of HTTP servers: their connections and request handlers. Its jobs are short
    /// (parse, tokenize, hand over to the engine thread, write), so two threads keep up.
    public static let servers = DedicatedThreadExecutor(name: "iopo-exp server", threads: 2)

    /// The executor of async work that a synchronous caller waits for (an evaluation client, the
    /// judging after it): kept apart from the servers' so a client computing cannot hold up the
    /// in-process server it talks to.
    public static let bridged = DedicatedThreadExecutor(name: "iopo-exp bridged", threads: 2)

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [UnownedJob] = []
    private var head = 0

    /// Starts `threads` threads named `name N`.
    public init(name: String, threads: Int) {
        precondition(threads > 0, "an executor needs at least one thread")
        for index in 0..<threads {
            let thread = Thread { [self] in self.work() }
            thread.name = "\(name) \(index)"
            // Debug builds keep large frames; the default secondary-thread stack is small.
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func next() -> UnownedJob {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count { condition.wait() }
        let job = jobs[head]
        head += 1
        // Compact now and then so the array does not grow without bound.
        if head > 1024 && head * 2 > jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }

    private func work() {
        let executor = asUnownedTaskExecutor()
        while true {
            next().runSynchronously(on: executor)
        }
    }
}
