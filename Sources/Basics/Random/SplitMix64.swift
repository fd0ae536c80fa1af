// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014): the
// 64-bit mixer that seeds xoshiro256**, derives the sub-seeds of independent streams, and on its
// own produces the few fixed sequences that predate the generator (the store's chunking gear
// table, the tokenizer parity fixtures). Xoshiro256StarStar.swift specifies the whole stream.

/// SplitMix64. Each output adds `0x9E3779B97F4A7C15` to the state and returns the state mixed by
/// `z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
/// z ^ (z >> 31)`, all arithmetic wrapping modulo 2^64. From seed 0 the first output is
/// `0xE220A8397B1DCDAF`.
public struct SplitMix64: SeededRandomSource, Sendable, Equatable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A well-mixed 64-bit seed from `seed` and a list of labels (stream names, record indices,
    /// attempts), so that independent streams get unrelated seeds: `v` is the first output of
    /// `SplitMix64(seed: seed)`, then for each label `l` in order `v` becomes the first output of
    /// `SplitMix64(seed: v ^ (l * 0xD6E8FEB86659FD93))`. The synthetic TRACE seeds one generator
    /// per record and attempt this way.
    public static func derive(_ seed: UInt64, _ labels: UInt64...) -> UInt64 {
        var mixer = SplitMix64(seed: seed)
        var value = mixer.next()
        for label in labels {
            mixer = SplitMix64(seed: value ^ (label &* 0xD6E8_FEB8_6659_FD93))
            value = mixer.next()
        }
        return value
    }
}
