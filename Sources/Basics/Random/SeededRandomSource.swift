// The draws every seeded generator offers, written once over its 64-bit words. The algorithms are
// specified in Xoshiro256StarStar.swift's header; each one here is part of recorded results.

/// A deterministic source of 64-bit words (`Xoshiro256StarStar`, `SplitMix64`) and the fixed
/// algorithms that turn them into floats, bounded integers, choices and shuffles.
public protocol SeededRandomSource {
    /// The next 64-bit word of the stream.
    mutating func next() -> UInt64
}

extension SeededRandomSource {
    /// Uniform in [0, 1) with 24 random bits (every representable step of a Float in that range).
    @inlinable
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A uniform integer in 0..<bound without modulo bias, by Lemire's multiply-and-reject: the
    /// engine's bounded draw (sampling, data order, the CLI probes).
    @inlinable
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let b = UInt64(bound)
        var product = next().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold {
                product = next().multipliedFullWidth(by: b)
            }
        }
        return Int(product.high)
    }

    /// A uniform integer in 0..<bound without modulo bias, by rejecting the words at or above the
    /// largest multiple of `bound` and taking the remainder: the synthetic TRACE's and the
    /// tokenizer fixtures' bounded draw.
    @inlinable
    public mutating func nextIntModulo(below bound: Int) -> Int {
        precondition(bound > 0, "nextIntModulo(below:) needs a positive bound")
        let b = UInt64(bound)
        let limit = UInt64.max - (UInt64.max % b)
        while true {
            let word = next()
            if word < limit { return Int(word % b) }
        }
    }

    /// A uniform integer in `range`, by `nextIntModulo(below:)`.
    public mutating func nextIntModulo(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + nextIntModulo(below: range.count)
    }

    /// True with probability `p`: `nextDouble() < p`.
    public mutating func chance(_ p: Double) -> Bool {
        nextDouble() < p
    }

    /// A uniformly chosen element of a non-empty collection, by `nextIntModulo(below:)`.
    public mutating func pickModulo<C: RandomAccessCollection>(_ items: C) -> C.Element where C.Index == Int {
        items[items.startIndex + nextIntModulo(below: items.count)]
    }

    /// An index drawn with probability proportional to `weights` (non-negative, not all zero).
    public mutating func weightedIndex(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var x = nextDouble() * total
        for (index, weight) in weights.enumerated() {
            if x < weight { return index }
            x -= weight
        }
        return weights.lastIndex(where: { $0 > 0 }) ?? 0
    }

    /// An index drawn with probability proportional to the weights whose running sums are
    /// `cumulative` (non-decreasing, last element positive): binary search for a uniform point.
    public mutating func weightedIndex(cumulative: [Double]) -> Int {
        let x = nextDouble() * cumulative[cumulative.count - 1]
        var low = 0, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if x < cumulative[mid] { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// Shuffles `items` in place (Fisher–Yates, Durstenfeld's order) with `nextInt(below:)`: the
    /// engine's data order.
    public mutating func shuffle<T>(_ items: inout [T]) {
        fisherYates(&items, modulo: false)
    }

    /// Shuffles `items` in place (Fisher–Yates, Durstenfeld's order) with `nextIntModulo(below:)`:
    /// the synthetic TRACE's and the tokenizer fixtures' shuffle.
    public mutating func shuffleModulo<T>(_ items: inout [T]) {
        fisherYates(&items, modulo: true)
    }

    /// For i from count - 1 down to 1, swaps items[i] with items[j], j drawn in 0...i.
    private mutating func fisherYates<T>(_ items: inout [T], modulo: Bool) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, modulo ? nextIntModulo(below: i + 1) : nextInt(below: i + 1))
        }
    }

    /// A shuffled copy of `items`, by `shuffleModulo(_:)`.
    public mutating func shuffledModulo<T>(_ items: [T]) -> [T] {
        var copy = items
        shuffleModulo(&copy)
        return copy
    }
}
