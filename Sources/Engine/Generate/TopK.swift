// The few best of many: top-k sampling and OpenAI's `top_logprobs` both rank a whole vocabulary
// to keep at most 20 or so entries.

/// The `k` best of `0..<count` under `ranksBefore` (a strict order), best first: one pass with
/// insertion into a short sorted list, O(count · k) for small k. Of entries that rank alike, the
/// lower index comes first (a later one must rank strictly before to pass it).
@inline(__always)
func bestIndices(_ k: Int, of count: Int, ranksBefore: (Int, Int) -> Bool) -> [Int] {
    let k = min(max(k, 0), count)
    var best: [Int] = []
    guard k > 0 else { return best }
    best.reserveCapacity(k + 1)
    for i in 0..<count {
        if best.count == k, !ranksBefore(i, best[k - 1]) { continue }
        var position = best.count
        while position > 0 && ranksBefore(i, best[position - 1]) { position -= 1 }
        best.insert(i, at: position)
        if best.count > k { best.removeLast() }
    }
    return best
}
