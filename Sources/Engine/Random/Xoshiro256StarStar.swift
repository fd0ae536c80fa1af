// The engine's one pseudo-random generator: xoshiro256** (Blackman & Vigna, 2018), seeded through
// SplitMix64 as its authors recommend. Everything random in the engine (weight initialisation, LoRA
// initialisation, data order, sampling) draws from an instance of this type, so a seed fixes every
// bit. It is deliberately not cryptographic and never touches system randomness.

import Foundation

/// A seeded xoshiro256** generator with the helpers the engine needs: uniform floats and doubles,
/// unbiased bounded integers, and standard normals by the Box–Muller transform.
///
/// The value is the whole state: copying it forks an identical stream, and two generators made
/// from the same seed produce the same numbers on every platform.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable, Equatable {
    /// SplitMix64, used only to expand a 64-bit seed into xoshiro's 256-bit state (a state of all
    /// zeros would be a fixed point; SplitMix64 never produces four zero words from any seed).
    public struct SplitMix64: Sendable, Equatable {
        public var state: UInt64

        public init(seed: UInt64) { self.state = seed }

        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    public var s0: UInt64
    public var s1: UInt64
    public var s2: UInt64
    public var s3: UInt64
    /// The second value of the last Box–Muller pair, returned by the next `nextNormal()` call.
    public var spareNormal: Double?

    public init(seed: UInt64) {
        var seeder = SplitMix64(seed: seed)
        s0 = seeder.next()
        s1 = seeder.next()
        s2 = seeder.next()
        s3 = seeder.next()
        spareNormal = nil
    }

    /// Seeds a generator for one of several independent streams derived from one seed (for
    /// example weights, adapters and data order of the same run) so they never share numbers.
    public init(seed: UInt64, stream: UInt64) {
        var seeder = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        _ = seeder.next()
        self.init(seed: seeder.next())
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits (every representable step of a Float in that range).
    @inline(__always)
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform integer in 0..<bound without modulo bias (Lemire's multiply-and-reject).
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

    /// A standard normal deviate by Box–Muller; pairs are produced together and the second one is
    /// kept in the state, so the sequence depends only on the seed and the number of calls.
    public mutating func nextNormal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - nextDouble()
        let u2 = nextDouble()
        let radius = (-2.0 * log(u1)).squareRoot()
        let angle = 2.0 * Double.pi * u2
        spareNormal = radius * sin(angle)
        return radius * cos(angle)
    }
}
