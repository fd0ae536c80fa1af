// Parameters of a synthetic TRACE generation. Everything that changes the bytes is here.

/// Configuration of `SyntheticTrace.generate`.
public struct SyntheticTraceConfig: Sendable, Hashable, Codable {
    /// The seed every draw derives from.
    public var seed: UInt64
    /// IOPO quadruples (x1, y1, x2, y2) in the training split.
    public var trainQuadruples: Int
    /// Instructions in the in-domain evaluation split.
    public var evalInDomain: Int
    /// Instructions in the out-of-domain evaluation split.
    public var evalOutOfDomain: Int
    /// Most constraints in a training or in-domain instruction (1...15).
    public var maxConstraints: Int
    /// Most constraints in an out-of-domain instruction (>= maxConstraints, <= 15); counts above
    /// `maxConstraints` never occur in training.
    public var maxConstraintsOutOfDomain: Int
    /// Constraint kinds that only the out-of-domain split uses.
    public var heldOutKinds: [ConstraintKind]
    /// Probability that an instruction carries an input (TRACE eval: 253 of 1,042).
    public var inputProbability: Double
    /// Records per JSONL shard.
    public var shardSize: Int

    public init(seed: UInt64 = 1, trainQuadruples: Int = 20_000, evalInDomain: Int = 1_042,
                evalOutOfDomain: Int = 521, maxConstraints: Int = 8, maxConstraintsOutOfDomain: Int = 10,
                heldOutKinds: [ConstraintKind] = SyntheticTraceConfig.defaultHeldOutKinds,
                inputProbability: Double = 0.25, shardSize: Int = 5_000) {
        self.seed = seed
        self.trainQuadruples = trainQuadruples
        self.evalInDomain = evalInDomain
        self.evalOutOfDomain = evalOutOfDomain
        self.maxConstraints = maxConstraints
        self.maxConstraintsOutOfDomain = maxConstraintsOutOfDomain
        self.heldOutKinds = heldOutKinds
        self.inputProbability = inputProbability
        self.shardSize = shardSize
    }

    enum CodingKeys: String, CodingKey {
        case seed, trainQuadruples, evalInDomain, evalOutOfDomain, maxConstraints, maxConstraintsOutOfDomain
        case heldOutKinds, inputProbability, shardSize
    }

    /// Decodes a configuration; absent keys take their default values.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SyntheticTraceConfig()
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        trainQuadruples = try c.decodeIfPresent(Int.self, forKey: .trainQuadruples) ?? d.trainQuadruples
        evalInDomain = try c.decodeIfPresent(Int.self, forKey: .evalInDomain) ?? d.evalInDomain
        evalOutOfDomain = try c.decodeIfPresent(Int.self, forKey: .evalOutOfDomain) ?? d.evalOutOfDomain
        maxConstraints = try c.decodeIfPresent(Int.self, forKey: .maxConstraints) ?? d.maxConstraints
        maxConstraintsOutOfDomain = try c.decodeIfPresent(Int.self, forKey: .maxConstraintsOutOfDomain) ?? d.maxConstraintsOutOfDomain
        heldOutKinds = try c.decodeIfPresent([ConstraintKind].self, forKey: .heldOutKinds) ?? d.heldOutKinds
        inputProbability = try c.decodeIfPresent(Double.self, forKey: .inputProbability) ?? d.inputProbability
        shardSize = try c.decodeIfPresent(Int.self, forKey: .shardSize) ?? d.shardSize
    }

    /// Held out by default: the only Markdown-process kind (a whole dimension unseen), and one
    /// kind each of two dimensions that keep another kind in training (future tense beside first
    /// person; a "Source:" line beside the [1] citation mark).
    public static let defaultHeldOutKinds: [ConstraintKind] = [.markdownProcess, .futureTense, .sourceLine]

    /// Kinds used in training and the in-domain eval.
    public var trainingKinds: [ConstraintKind] {
        ConstraintKind.allCases.filter { !heldOutKinds.contains($0) }
    }

    public func validate() throws(SyntheticTraceError) {
        guard (1...15).contains(maxConstraints) else {
            throw .invalidConfiguration("maxConstraints must be in 1...15, is \(maxConstraints)")
        }
        guard (maxConstraints...15).contains(maxConstraintsOutOfDomain) else {
            throw .invalidConfiguration("maxConstraintsOutOfDomain must be in maxConstraints...15, is \(maxConstraintsOutOfDomain)")
        }
        guard trainQuadruples >= 0, evalInDomain >= 0, evalOutOfDomain >= 0 else {
            throw .invalidConfiguration("split sizes must not be negative")
        }
        guard shardSize >= 1 else { throw .invalidConfiguration("shardSize must be at least 1") }
        guard (0...1).contains(inputProbability) else {
            throw .invalidConfiguration("inputProbability must be in 0...1")
        }
        guard trainingKinds.count >= 10 else {
            throw .invalidConfiguration("too many held-out kinds: training needs at least 10 kinds")
        }
    }
}

/// TRACE's published distributions of constraint counts, used as sampling shapes.
public enum TraceCountDistribution {
    /// Training instructions with 1...15 constraints (IOPO paper).
    public static let training: [Int] = [991, 8_003, 26_421, 34_155, 26_327, 13_858, 5_882, 2_185, 999, 464, 8, 20, 20, 8, 4]
    /// Evaluation instructions with 1...15 constraints (IOPO paper: 200, 100 each for 2..9,
    /// about 10 each for 10..12, 4 each for 13..15).
    public static let evaluation: [Int] = [200, 100, 100, 100, 100, 100, 100, 100, 100, 10, 10, 10, 4, 4, 4]

    /// Training shape for counts 1...maximum: TRACE's training weights, truncated.
    public static func trainingShape(maximum: Int) -> [Double] {
        training.prefix(maximum).map(Double.init)
    }

    /// Evaluation shape for counts 1...maximum: TRACE's eval weights, truncated, with the
    /// multi-constraint part rescaled so single-constraint instructions keep TRACE's share
    /// (200 of 1,042) whatever the maximum.
    public static func evaluationShape(maximum: Int) -> [Double] {
        let kept = evaluation.prefix(maximum).map(Double.init)
        guard kept.count > 1 else { return kept }
        let multi = kept.dropFirst().reduce(0, +)
        let target = Double(evaluation.dropFirst().reduce(0, +))
        return [kept[0]] + kept.dropFirst().map { $0 * target / multi }
    }

    /// Exactly `total` counts following `weights` (for counts 1, 2, ...), by largest-remainder
    /// rounding with ties to the smaller count, in ascending order.
    public static func quotas(total: Int, weights: [Double]) -> [Int] {
        let sum = weights.reduce(0, +)
        guard total > 0, sum > 0 else { return [] }
        let exact = weights.map { Double(total) * $0 / sum }
        var counts = exact.map { Int($0.rounded(.down)) }
        let remainders = exact.enumerated().map { (index: $0.offset, remainder: $0.element - $0.element.rounded(.down)) }
            .sorted { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.index < $1.index }
        var missing = total - counts.reduce(0, +)
        for entry in remainders where missing > 0 {
            counts[entry.index] += 1
            missing -= 1
        }
        return counts.enumerated().flatMap { Array(repeating: $0.offset + 1, count: $0.element) }
    }
}
