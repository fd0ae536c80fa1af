// The paired bootstrap of IOPO − baseline differences: exact on degenerate data, pairing that
// removes shared instruction difficulty, agreement with the analytic standard error on a large
// simulated sample, reproducible for a seed, and clear errors for scores that do not pair.

import Basics
import Foundation
@testable import Pipeline
import Testing

@Suite struct PairedBootstrapTests {
    /// `seeds` × `count` 0/1 scores, correct with probability `p(instruction)`.
    static func scores(seeds: Int, count: Int, seed: UInt64, p: (Int) -> Double) -> [[RatioScore]] {
        var rng = Xoshiro256StarStar(seed: seed)
        return (0..<seeds).map { _ in (0..<count).map { RatioScore(rng.nextDouble() < p($0) ? 1 : 0, of: 1) } }
    }

    @Test func identicalScoresGiveZeroAndOppositeOnesGiveOne() throws {
        let a = Self.scores(seeds: 2, count: 50, seed: 1) { _ in 0.5 }
        let same = try PairedBootstrap.difference(a, a, replicates: 500)
        #expect(same.estimate == 0 && same.lower == 0 && same.upper == 0 && !same.excludesZero)
        let right = [[RatioScore]](repeating: [RatioScore](repeating: RatioScore(1, of: 1), count: 30), count: 3)
        let wrong = [[RatioScore]](repeating: [RatioScore](repeating: RatioScore(0, of: 1), count: 30), count: 3)
        let apart = try PairedBootstrap.difference(right, wrong, replicates: 500)
        #expect(apart.estimate == 1 && apart.lower == 1 && apart.upper == 1 && apart.excludesZero)
    }

    /// Instructions of very different difficulty, the same for both methods, B solving a few
    /// more: pairing makes the interval much narrower than the unpaired spread of either method.
    @Test func pairingRemovesSharedDifficulty() throws {
        let difficulty: (Int) -> Double = { $0 % 2 == 0 ? 0.95 : 0.05 }
        let a = Self.scores(seeds: 1, count: 400, seed: 7, p: difficulty)
        var b = a
        for i in stride(from: 1, to: 400, by: 10) { b[0][i] = RatioScore(1, of: 1) }  // B also solves 40 hard ones
        let difference = try PairedBootstrap.difference(a, b, replicates: 2000)
        let gained = Double(zip(a[0], b[0]).filter { $0.numerator == 0 && $1.numerator == 1 }.count) / 400
        #expect(abs(difference.estimate + gained) < 1e-12)
        #expect(difference.upper < 0, "B is better in every resample: \(difference)")
        // Unpaired, two methods near 50 % on 400 instructions differ with a 95 % interval about
        // 0.14 wide; paired, only the ~38 instructions where they differ count (about 0.06).
        #expect(difference.upper - difference.lower < 0.08, "\(difference)")
    }

    /// Independent methods on 2,000 instructions: the interval's half-width is close to 1.96
    /// analytic standard errors of a difference of paired proportions.
    @Test func agreesWithTheAnalyticStandardError() throws {
        let n = 2000
        let a = Self.scores(seeds: 1, count: n, seed: 11) { _ in 0.6 }
        let b = Self.scores(seeds: 1, count: n, seed: 12) { _ in 0.5 }
        let result = try PairedBootstrap.difference(a, b, replicates: 4000, seed: 3)
        let d = zip(a[0], b[0]).map { $0.numerator - $1.numerator }
        let mean = d.reduce(0, +) / Double(n)
        let variance = d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)
        let analytic = 1.96 * (variance / Double(n)).squareRoot()
        let halfWidth = (result.upper - result.lower) / 2
        #expect(abs(halfWidth / analytic - 1) < 0.1, "bootstrap half-width \(halfWidth), analytic \(analytic)")
        #expect(result.lower < result.estimate && result.estimate < result.upper)
    }

    @Test func ratioMetricsSumNumeratorsAndDenominatorsPerSeed() throws {
        // CSR-like: 3 of 4 constraints and 0 of 1 give 3/5, not the mean of 3/4 and 0.
        let a = [[RatioScore(3, of: 4), RatioScore(0, of: 1)]]
        let b = [[RatioScore(0, of: 4), RatioScore(0, of: 1)]]
        #expect(try PairedBootstrap.difference(a, b, replicates: 100).estimate == 0.6)
        // Averaged over seeds after the ratio.
        let twoSeeds = [[RatioScore(1, of: 1)], [RatioScore(0, of: 1)]]
        let zero = [[RatioScore(0, of: 1)], [RatioScore(0, of: 1)]]
        #expect(try PairedBootstrap.difference(twoSeeds, zero, replicates: 100).estimate == 0.5)
    }

    @Test func theSameSeedGivesTheSameInterval() throws {
        let a = Self.scores(seeds: 3, count: 100, seed: 21) { _ in 0.55 }
        let b = Self.scores(seeds: 3, count: 100, seed: 22) { _ in 0.5 }
        #expect(try PairedBootstrap.difference(a, b, seed: 9) == PairedBootstrap.difference(a, b, seed: 9))
        #expect(try PairedBootstrap.difference(a, b, seed: 9) != PairedBootstrap.difference(a, b, seed: 10))
    }

    /// Nearest-rank percentiles land on the right order statistic despite rounding in p·count.
    @Test func percentilesPickTheRightOrderStatistic() {
        let tail = (1 - 0.95) / 2   // 0.025000000000000022
        #expect(PairedBootstrap.percentileIndex(tail, of: 10_000) == 249)
        #expect(PairedBootstrap.percentileIndex(1 - tail, of: 10_000) == 9749)
        #expect(PairedBootstrap.percentileIndex(tail, of: 2000) == 49)
        #expect(PairedBootstrap.percentileIndex(0.5, of: 101) == 50)
        #expect(PairedBootstrap.percentileIndex(0, of: 100) == 0 && PairedBootstrap.percentileIndex(1, of: 100) == 99)
    }

    @Test func scoresThatDoNotPairAreRefused() {
        let one = [[RatioScore(1, of: 1), RatioScore(0, of: 1)]]
        #expect(throws: BootstrapError.noScores) { try PairedBootstrap.difference([], [], replicates: 100) }
        #expect(throws: BootstrapError.shapeMismatch(detail: "1 seeds against 2")) {
            try PairedBootstrap.difference(one, one + one, replicates: 100)
        }
        #expect(throws: BootstrapError.shapeMismatch(detail: "seed 0 has 2 and 1 instructions, seed 0 has 2")) {
            try PairedBootstrap.difference(one, [[RatioScore(1, of: 1)]], replicates: 100)
        }
        #expect(throws: BootstrapError.invalidSetting(detail: "replicates must be at least 100, got 10")) {
            try PairedBootstrap.difference(one, one, replicates: 10)
        }
        #expect(throws: BootstrapError.invalidSetting(detail: "level must be in (0, 1), got 1.0")) {
            try PairedBootstrap.difference(one, one, replicates: 100, level: 1)
        }
    }
}
