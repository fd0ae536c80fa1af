// Seeded data order: the permutation of example indices for each epoch of a run. The order for
// epoch e depends only on (seed, e), so a resumed run visits the same examples in the same order
// without having to store any generator state.

/// Seeded Fisher–Yates shuffles of index ranges.
public enum SeededShuffle {
    /// A permutation of `0..<count` determined by `seed` and `epoch`.
    public static func permutation(count: Int, seed: UInt64, epoch: Int = 0) -> [Int] {
        var indices = Array(0..<count)
        var rng = Xoshiro256StarStar(seed: seed, stream: 0x5348_5546 &+ UInt64(truncatingIfNeeded: epoch))
        shuffle(&indices, using: &rng)
        return indices
    }

    /// Shuffles `values` in place with the Durstenfeld variant of Fisher–Yates, drawing from `rng`.
    public static func shuffle<T>(_ values: inout [T], using rng: inout Xoshiro256StarStar) {
        if values.count < 2 { return }
        var i = values.count - 1
        while i > 0 {
            let j = rng.nextInt(below: i + 1)
            values.swapAt(i, j)
            i -= 1
        }
    }
}
