// The seeded randomness of iopo-exp, specified exactly. Synthetic data, initial weights, LoRA
// adapters, data order, sampled text, the store's chunk boundaries and the tokenizer fixtures all
// depend on these numbers bit for bit, so nothing here may change; BasicsTests pin the first
// outputs (and checksums of long runs) of every draw for fixed seeds and streams. Nothing reads
// system randomness, and the standard library's `random(in:using:)` and `shuffled(using:)` are
// never used on these generators (their algorithms may change between toolchains): every draw
// goes through the methods named below, whose algorithms are fixed here.
//
// Arithmetic is on UInt64, wrapping modulo 2^64; rotl(x, k) = (x << k) | (x >> (64 - k)).
//
// Generators
// - SplitMix64 (SplitMix64.swift): state += 0x9E3779B97F4A7C15; z = state;
//   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
//   output z ^ (z >> 31).
// - xoshiro256** (Blackman and Vigna, 2018), state s0 s1 s2 s3: output rotl(s1 * 5, 7) * 9;
//   then t = s1 << 17; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45).
//
// Seeding: `Xoshiro256StarStar(seed: s)` sets s0, s1, s2, s3 to the first four outputs of
// `SplitMix64(seed: s)` (never all zero, the one state xoshiro cannot leave).
//
// Streams and sub-seeds, two schemes, each part of recorded results:
// - `Xoshiro256StarStar(seed: s, stream: k)` (the engine and its CLI probes): m =
//   SplitMix64(seed: s ^ (k * 0xD1B54A32D192ED03)); m's first output is dropped and its second
//   seeds the generator. Streams in use, as ASCII tags: weights 0x5157454E "QWEN", LoRA
//   0x4C6F5241 "LoRA", sampling 0x53414D50 "SAMP", data order 0x53485546 "SHUF" + epoch;
//   `model bench` 0x42454E43 "BENC", `model smoke-train` 0x534D4F4B "SMOK", `model lora-init`
//   0x4C6F52414242.
// - `SplitMix64.derive(s, l1, …, ln)` (the synthetic TRACE): see its documentation; the result
//   seeds `Xoshiro256StarStar(seed:)`.
//
// Draws, on either generator (SeededRandomSource.swift), from words w = next():
// - nextFloat: Float(w >> 40) * 2^-24, uniform in [0, 1) with 24 bits.
// - nextDouble: Double(w >> 11) * 2^-53, uniform in [0, 1) with 53 bits.
// - Bounded integers, by two algorithms that both sit in recorded streams:
//   - nextInt(below: n), Lemire's multiply-and-reject (the engine): p = w * n as 128 bits; if
//     low(p) < n, then with t = (2^64 - n) mod n, draw again while low(p) < t; result high(p).
//   - nextIntModulo(below: n), remainder after rejection (the synthetic TRACE, the tokenizer
//     fixtures): limit = (2^64 - 1) - ((2^64 - 1) mod n); draw until w < limit; result w mod n.
//   Every draw whose name ends in Modulo uses the second; every other bounded draw the first.
// - nextIntModulo(in: a...b) = a + nextIntModulo(below: b - a + 1).
// - chance(p) = nextDouble() < p.
// - pickModulo(items) = items[nextIntModulo(below: items.count)].
// - weightedIndex(weights): x = nextDouble() * (the weights summed in order); the first i with
//   x < weights[i], subtracting each weight passed; when rounding leaves none, the index of the
//   last positive weight (0 if there is none).
// - weightedIndex(cumulative: c): x = nextDouble() * c.last; the smallest i with x < c[i], by
//   binary search (low 0, high count - 1, mid (low + high) / 2).
// - shuffle / shuffleModulo (Fisher–Yates, Durstenfeld's order): for i from count - 1 down to 1,
//   swap items[i] with items[j], j = nextInt(below: i + 1) or nextIntModulo(below: i + 1).
// - nextNormal (xoshiro only), Box–Muller in pairs: if a spare is held, return it and drop it;
//   else u1 = 1 - nextDouble() (in (0, 1], so the logarithm is finite), u2 = nextDouble(),
//   r = sqrt(-2 ln u1), θ = 2π u2; hold r sin θ as the spare and return r cos θ. ln, sin and cos
//   are the platform's libm (glibc on Linux), whose results the pinned values assume.

import Foundation

/// The one seeded pseudo-random generator: xoshiro256** seeded through SplitMix64, with the
/// draws of `SeededRandomSource` and standard normals. The file's header specifies every bit.
///
/// The value is the whole state: copying it forks an identical stream, and two generators made
/// from the same seed produce the same numbers on every platform. Deliberately not a
/// `RandomNumberGenerator`: the standard library's algorithms over one are not fixed.
public struct Xoshiro256StarStar: SeededRandomSource, Sendable, Equatable {
    public var s0: UInt64
    public var s1: UInt64
    public var s2: UInt64
    public var s3: UInt64
    /// The second value of the last Box–Muller pair, returned by the next `nextNormal()` call.
    public var spareNormal: Double?

    /// Seeds the state with the first four outputs of `SplitMix64(seed: seed)`.
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

    @inlinable
    static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = Self.rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotateLeft(s3, 45)
        return result
    }

    /// A standard normal deviate by Box–Muller; pairs are produced together and the second one is
    /// kept in the state, so the sequence depends only on the seed and the number of calls.
    public mutating func nextNormal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        let u1 = 1.0 - nextDouble()
        let u2 = nextDouble()
        let radius = (-2.0 * log(u1)).squareRoot()
        let angle = 2.0 * Double.pi * u2
        spareNormal = radius * sin(angle)
        return radius * cos(angle)
    }
}
