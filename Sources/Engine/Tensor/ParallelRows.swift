// Row-parallel execution of the elementwise ops (norms, activations, softmaxes, optimizer update)
// on as many threads as OpenBLAS uses, so the work between matrix products does not leave cores
// idle. Rows are split into fixed, contiguous chunks and every row is computed exactly as it would
// be alone, so results are identical for any thread count.

import Dispatch

/// Runs body(range) over `0..<rows` split into contiguous chunks, one per thread, when the work is
/// large enough to pay for the dispatch (`rows · costPerRow` at least ~64K elementary operations).
@inline(__always)
func parallelRows(_ rows: Int, costPerRow: Int, _ body: (Range<Int>) -> Void) {
    let threads = min(BLASRuntime.threadCount, rows)
    if threads <= 1 || rows * costPerRow < 65_536 {
        body(0..<rows)
        return
    }
    withoutActuallyEscaping(body) { escapable in
        // Each chunk touches only its own rows; the caller guarantees the body is safe to run on
        // disjoint ranges at once, which the compiler cannot see through raw pointers.
        nonisolated(unsafe) let work = escapable
        DispatchQueue.concurrentPerform(iterations: threads) { chunk in
            let start = rows * chunk / threads
            let end = rows * (chunk + 1) / threads
            work(start..<end)
        }
    }
}
