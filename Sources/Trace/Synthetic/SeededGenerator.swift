// The seeded pseudo-random generator of the synthetic benchmark: xoshiro256** (Blackman and
// Vigna, 2018) seeded through SplitMix64, as its authors recommend.
//
// It deliberately does not conform to RandomNumberGenerator: the standard library's
// `random(in:using:)` and `shuffled(using:)` may change their algorithms between toolchains, and
// the data must not. All draws go through the methods below, whose algorithms are fixed here.

/// SplitMix64: a 64-bit mixing generator, used to seed xoshiro and to derive sub-seeds.
public struct SplitMix64: Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A well-mixed 64-bit value from a seed and a list of labels (stream names, indices),
    /// so independent streams (record i, attempt j) get unrelated seeds.
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

/// xoshiro256**: the generator every synthetic draw uses.
public struct SeededGenerator: Sendable {
    var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next(); s1 = mixer.next(); s2 = mixer.next(); s3 = mixer.next()
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform integer in 0..<bound (bound > 0), by rejection so there is no modulo bias.
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        let limit = UInt64.max - (UInt64.max % b)
        while true {
            let x = next()
            if x < limit { return Int(x % b) }
        }
    }

    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.count)
    }

    /// true with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        Double(next() >> 11) * 0x1.0p-53 < p
    }

    /// A uniformly chosen element of a non-empty collection.
    public mutating func pick<C: RandomAccessCollection>(_ items: C) -> C.Element where C.Index == Int {
        items[items.startIndex + int(below: items.count)]
    }

    /// An index drawn with probability proportional to `weights` (non-negative, not all zero).
    public mutating func weightedIndex(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var x = Double(next() >> 11) * 0x1.0p-53 * total
        for (i, w) in weights.enumerated() {
            if x < w { return i }
            x -= w
        }
        return weights.lastIndex(where: { $0 > 0 }) ?? 0
    }

    /// An index drawn with probability proportional to the weights whose running sums are
    /// `cumulative` (non-decreasing, last element positive): binary search for a uniform point.
    public mutating func weightedIndex(cumulative: [Double]) -> Int {
        let x = Double(next() >> 11) * 0x1.0p-53 * cumulative[cumulative.count - 1]
        var low = 0, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if x < cumulative[mid] { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// Fisher-Yates shuffle.
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, int(below: i + 1))
        }
    }

    public mutating func shuffled<T>(_ items: [T]) -> [T] {
        var copy = items
        shuffle(&copy)
        return copy
    }
}
