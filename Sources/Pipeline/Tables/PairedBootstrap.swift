// Paired bootstrap confidence interval of the difference between two methods' scores, when both
// were scored on the same instructions under the same seeds (the paper's tables: IOPO − DPO on one
// evaluation set). Each instruction contributes a ratio's numerator and denominator (ISR: 1 or 0
// of 1; CSR: constraints met of constraints), so a metric is Σ numerators / Σ denominators over
// the instructions, averaged over seeds, exactly as the tables report it.
//
// One replicate resamples the seeds and, independently, the instructions (both with replacement)
// and applies the same draw to both methods — that pairing is what removes the instructions'
// own difficulty from the interval. The interval is the percentile interval of the replicates'
// differences. The generator is seeded, so the same scores give the same interval on every run.

import Basics

/// One instruction's contribution to a ratio metric.
public struct RatioScore: Sendable, Equatable {
    public var numerator: Double
    public var denominator: Double

    public init(_ numerator: Double, of denominator: Double) {
        self.numerator = numerator
        self.denominator = denominator
    }
}

/// Why an interval could not be computed.
public enum BootstrapError: Error, Equatable, CustomStringConvertible {
    case noScores
    case shapeMismatch(detail: String)
    case invalidSetting(detail: String)

    public var description: String {
        switch self {
        case .noScores: return "no scores to compare: each method needs at least one seed with at least one instruction"
        case .shapeMismatch(let detail): return "the two methods were not scored on the same instructions and seeds: \(detail)"
        case .invalidSetting(let detail): return "bootstrap setting \(detail)"
        }
    }
}

/// A difference between two methods with its confidence interval.
public struct PairedDifference: Sendable, Equatable, Codable {
    /// The observed difference (A − B) of the metric averaged over seeds.
    public var estimate: Double
    public var lower: Double
    public var upper: Double
    /// The interval's coverage, e.g. 0.95.
    public var level: Double
    public var replicates: Int

    /// Whether the interval excludes 0: A better (> 0) or worse (< 0) than B at this level.
    public var excludesZero: Bool { lower > 0 || upper < 0 }
}

public enum PairedBootstrap {
    /// The metric of one method: per seed Σ numerators / Σ denominators over the chosen
    /// instructions, averaged over the chosen seeds.
    static func metric(_ scores: [[RatioScore]], seeds: [Int], instructions: [Int]) -> Double {
        var total = 0.0
        for seed in seeds {
            var numerator = 0.0, denominator = 0.0
            for instruction in instructions {
                numerator += scores[seed][instruction].numerator
                denominator += scores[seed][instruction].denominator
            }
            total += denominator > 0 ? numerator / denominator : 0
        }
        return total / Double(seeds.count)
    }

    /// The difference A − B with a `level` percentile interval over `replicates` paired draws.
    /// `a[seed][instruction]` and `b[seed][instruction]` must cover the same seeds and
    /// instructions in the same order.
    public static func difference(_ a: [[RatioScore]], _ b: [[RatioScore]], replicates: Int = 10_000, level: Double = 0.95,
                                  seed: UInt64 = 0) throws(BootstrapError) -> PairedDifference {
        if replicates < 100 { throw .invalidSetting(detail: "replicates must be at least 100, got \(replicates)") }
        if !(level > 0 && level < 1) { throw .invalidSetting(detail: "level must be in (0, 1), got \(level)") }
        guard let instructionCount = a.first?.count, instructionCount > 0 else { throw .noScores }
        if a.count != b.count { throw .shapeMismatch(detail: "\(a.count) seeds against \(b.count)") }
        for (index, (seedA, seedB)) in zip(a, b).enumerated() where seedA.count != instructionCount || seedB.count != instructionCount {
            throw .shapeMismatch(detail: "seed \(index) has \(seedA.count) and \(seedB.count) instructions, seed 0 has \(instructionCount)")
        }
        let seedCount = a.count
        let allSeeds = Array(0..<seedCount), allInstructions = Array(0..<instructionCount)
        let estimate = metric(a, seeds: allSeeds, instructions: allInstructions) - metric(b, seeds: allSeeds, instructions: allInstructions)

        var rng = Xoshiro256StarStar(seed: seed, stream: 0x424F_4F54)  // "BOOT"
        var differences: [Double] = []
        differences.reserveCapacity(replicates)
        var seeds = [Int](repeating: 0, count: seedCount), instructions = [Int](repeating: 0, count: instructionCount)
        for _ in 0..<replicates {
            for i in 0..<seedCount { seeds[i] = rng.nextInt(below: seedCount) }
            for i in 0..<instructionCount { instructions[i] = rng.nextInt(below: instructionCount) }
            differences.append(metric(a, seeds: seeds, instructions: instructions) - metric(b, seeds: seeds, instructions: instructions))
        }
        differences.sort()
        // Percentiles by the nearest-rank rule on the sorted replicates.
        let tail = (1 - level) / 2
        return PairedDifference(estimate: estimate, lower: differences[percentileIndex(tail, of: replicates)],
                                upper: differences[percentileIndex(1 - tail, of: replicates)], level: level, replicates: replicates)
    }

    /// The index in `count` sorted values of the `p` percentile by the nearest-rank rule
    /// (⌈p·count⌉-th value). p·count carries rounding error — 0.025 · 10,000 is
    /// 250.00000000000023, whose ceiling would be the 251st value — so it is taken a hair lower.
    static func percentileIndex(_ p: Double, of count: Int) -> Int {
        min(max(Int((p * Double(count) - 1e-9).rounded(.up)) - 1, 0), count - 1)
    }
}
