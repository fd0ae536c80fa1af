// Seeded data order: the permutation of example indices for each epoch of a run. The order for
// epoch e depends only on (seed, e), so a resumed run visits the same examples in the same order
// without having to store any generator state.

import Basics

/// Seeded Fisher–Yates shuffles of index ranges.
public enum SeededShuffle {
    /// A permutation of `0..<count` determined by `seed` and `epoch`: `0..<count` shuffled by
    /// `Xoshiro256StarStar.shuffle` on stream "SHUF" + epoch.
    public static func permutation(count: Int, seed: UInt64, epoch: Int = 0) -> [Int] {
        var indices = Array(0..<count)
        var rng = Xoshiro256StarStar(seed: seed, stream: 0x5348_5546 &+ UInt64(truncatingIfNeeded: epoch))
        rng.shuffle(&indices)
        return indices
    }
}
