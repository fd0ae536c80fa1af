// The synthetic TRACE benchmark: IOPO training quadruples and two evaluation splits, generated
// deterministically from a seed.
//
// Every record is a pure function of (seed, split, index, attempt): record i does not depend on
// records before it, except that an instruction already used (training x1, or any eval
// instruction that appears in training or earlier in the eval) is redrawn with the next attempt.
//
// - Training: quadruples (x1, y1, x2, y2) where y1 satisfies x1, y1 fails x2, y2 satisfies x2.
//   x1 constraint counts follow TRACE's training distribution truncated at `maxConstraints`.
//   The same quadruples give the SFT set ((x1, y1), (x2, y2)) and the DPO set
//   ((x1: y1 > y2), (x2: y2 > y1)).
// - In-domain eval: same generator and kinds, instructions disjoint from training, counts shaped
//   like TRACE's eval, keeping its single-constraint share (200 of 1,042) at any maximum.
// - Out-of-domain eval: every instruction uses a held-out kind or a held-out phrasing, and
//   counts go up to `maxConstraintsOutOfDomain` (beyond anything in training).

import Basics

/// One IOPO training example.
public struct IOPOQuadruple: Sendable, Hashable, Codable {
    public var id: String
    public var x1: SyntheticInstruction
    public var y1: String
    public var x2: SyntheticInstruction
    public var y2: String
    public var edit: QuadrupleEdit
    /// Whether y2 violates x1 (impossible for an add edit, where x2 contains all of x1).
    public var y2FailsX1: Bool

    /// The LLaMA-Factory ranking record (x1, x2 as human turns; y1 chosen; y2 rejected) with a
    /// `meta` member: id, edit, the checks and levels2 of x1 and x2, and y2_fails_x1.
    public var trainingRecord: TraceTrainingRecord {
        TraceTrainingRecord(x1: x1.text, y1: y1, x2: x2.text, y2: y2, additionalFields: [
            JSONMember("meta", .object([
                JSONMember("id", .string(id)),
                JSONMember("edit", .string(edit.kind.rawValue)),
                JSONMember("position", .int(edit.position)),
                JSONMember("x1_checks", .array(x1.specs.map(\.jsonValue))),
                JSONMember("x2_checks", .array(x2.specs.map(\.jsonValue))),
                JSONMember("x1_levels2", .array(x1.levels2.map { .string($0) })),
                JSONMember("x2_levels2", .array(x2.levels2.map { .string($0) })),
                JSONMember("y2_fails_x1", .bool(y2FailsX1)),
            ])),
        ])
    }

    /// The SFT view: (x1, y1) and (x2, y2).
    public var sftRecords: [SFTRecord] {
        [SFTRecord(prompt: x1.text, response: y1, additionalFields: [meta(suffix: "x1", checks: x1.specs)]),
         SFTRecord(prompt: x2.text, response: y2, additionalFields: [meta(suffix: "x2", checks: x2.specs)])]
    }

    /// The DPO view: (x1: y1 over y2) and (x2: y2 over y1).
    public var preferenceRecords: [PreferenceRecord] {
        [PreferenceRecord(prompt: x1.text, chosen: y1, rejected: y2, additionalFields: [meta(suffix: "x1", checks: x1.specs)]),
         PreferenceRecord(prompt: x2.text, chosen: y2, rejected: y1, additionalFields: [meta(suffix: "x2", checks: x2.specs)])]
    }

    func meta(suffix: String, checks: [ConstraintSpec]) -> JSONMember {
        JSONMember("meta", .object([
            JSONMember("id", .string("\(id)-\(suffix)")),
            JSONMember("checks", .array(checks.map(\.jsonValue))),
        ]))
    }
}

/// The evaluation splits.
public enum EvalSplit: String, Sendable, Hashable, Codable, CaseIterable {
    case inDomain = "in-domain"
    case outOfDomain = "out-of-domain"

    /// The `category` written in eval records.
    public var category: String { "synthetic-\(rawValue)" }
    var idPrefix: String { self == .inDomain ? "id" : "ood" }
}

/// One evaluation instruction with a reference response that satisfies all its checks.
public struct SyntheticEvalItem: Sendable, Hashable, Codable {
    public var id: String
    public var split: EvalSplit
    public var instruction: SyntheticInstruction
    public var reference: String

    /// The TRACE eval record: the standard fields, `checks`, and a `reference` member.
    public var evalRecord: TraceEvalRecord {
        var record = instruction.evalRecord(id: id, category: split.category)
        record.additionalFields = [JSONMember("reference", .string(reference))]
        return record
    }
}

/// A generated benchmark.
public struct SyntheticDataset: Sendable {
    public var config: SyntheticTraceConfig
    public var train: [IOPOQuadruple]
    public var evalInDomain: [SyntheticEvalItem]
    public var evalOutOfDomain: [SyntheticEvalItem]

    public var sft: [SFTRecord] { train.flatMap(\.sftRecords) }
    public var dpo: [PreferenceRecord] { train.flatMap(\.preferenceRecords) }
}

/// The synthetic TRACE generator.
public enum SyntheticTrace {
    /// The generator's version, written in manifests; bump it whenever output bytes change.
    public static let generatorVersion = 1

    enum Stream: UInt64 {
        case train = 1, evalInDomain = 2, evalOutOfDomain = 3, counts = 4
    }

    static func rng(_ config: SyntheticTraceConfig, _ stream: Stream, _ index: Int, _ attempt: Int) -> Xoshiro256StarStar {
        Xoshiro256StarStar(seed: SplitMix64.derive(config.seed, stream.rawValue, UInt64(index), UInt64(attempt)))
    }

    /// Constraint counts of a split's instructions, in record order: exact quotas of the TRACE
    /// shape, shuffled by the seed.
    static func countPlan(_ config: SyntheticTraceConfig, _ stream: Stream, total: Int, weights: [Double]) -> [Int] {
        var counts = TraceCountDistribution.quotas(total: total, weights: weights)
        var generator = rng(config, .counts, Int(stream.rawValue), 0)
        generator.shuffleModulo(&counts)
        return counts
    }

    static func zeroPadded(_ n: Int, width: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Attempts per record before giving up; each attempt is a fresh draw.
    static let maximumAttempts = 40

    /// Generates the whole benchmark.
    public static func generate(_ config: SyntheticTraceConfig) throws(SyntheticTraceError) -> SyntheticDataset {
        try config.validate()
        let trainCounts = countPlan(config, .train, total: config.trainQuadruples,
                                    weights: TraceCountDistribution.trainingShape(maximum: config.maxConstraints))
        let builder = InstructionBuilder(config: config)
        var train: [IOPOQuadruple] = []
        train.reserveCapacity(config.trainQuadruples)
        var trainPrompts: Set<String> = []
        var seenX1: Set<String> = []
        for index in 0..<config.trainQuadruples {
            var made: IOPOQuadruple?
            for attempt in 0..<maximumAttempts {
                guard let quadruple = try makeQuadruple(builder, index: index, count: trainCounts[index], attempt: attempt),
                      !seenX1.contains(quadruple.x1.text) else { continue }
                made = quadruple
                break
            }
            guard let quadruple = made else { throw .cannotMakeQuadruple(index: index) }
            seenX1.insert(quadruple.x1.text)
            trainPrompts.insert(quadruple.x1.text)
            trainPrompts.insert(quadruple.x2.text)
            train.append(quadruple)
        }

        var evalSeen = trainPrompts
        let inDomain = try makeEvalSplit(builder, split: .inDomain, seen: &evalSeen)
        let outOfDomain = try makeEvalSplit(builder, split: .outOfDomain, seen: &evalSeen)
        return SyntheticDataset(config: config, train: train, evalInDomain: inDomain, evalOutOfDomain: outOfDomain)
    }

    static func makeEvalSplit(_ builder: InstructionBuilder, split: EvalSplit,
                              seen: inout Set<String>) throws(SyntheticTraceError) -> [SyntheticEvalItem] {
        let config = builder.config
        let total = split == .inDomain ? config.evalInDomain : config.evalOutOfDomain
        let maximum = split == .inDomain ? config.maxConstraints : config.maxConstraintsOutOfDomain
        let counts = countPlan(config, split == .inDomain ? .evalInDomain : .evalOutOfDomain,
                               total: total, weights: TraceCountDistribution.evaluationShape(maximum: maximum))
        var items: [SyntheticEvalItem] = []
        items.reserveCapacity(total)
        for index in 0..<total {
            var made: SyntheticEvalItem?
            for attempt in 0..<maximumAttempts {
                guard let item = try makeEvalItem(builder, split: split, index: index, count: counts[index], attempt: attempt),
                      !seen.contains(item.instruction.text) else { continue }
                made = item
                break
            }
            guard let item = made else { throw .cannotFillSplit(split: split.rawValue, produced: index, wanted: total) }
            seen.insert(item.instruction.text)
            items.append(item)
        }
        return items
    }

    /// Quadruple `index` of the training split (attempt `attempt`), or nil when this draw found
    /// no instruction or edit (the caller moves to the next attempt).
    public static func makeQuadruple(_ config: SyntheticTraceConfig, index: Int, count: Int,
                                     attempt: Int = 0) throws(SyntheticTraceError) -> IOPOQuadruple? {
        try makeQuadruple(InstructionBuilder(config: config), index: index, count: count, attempt: attempt)
    }

    static func makeQuadruple(_ builder: InstructionBuilder, index: Int, count: Int,
                              attempt: Int) throws(SyntheticTraceError) -> IOPOQuadruple? {
        let config = builder.config
        var generator = rng(config, .train, index, attempt)
        let context = builder.drawContext(&generator)
        guard let (x1Specs, y1) = try builder.buildSpecs(context: context, count: count, kinds: builder.trainingKinds,
                                                         rng: &generator) else { return nil }
        let preferred: QuadrupleEditKind = {
            let r = generator.nextIntModulo(below: 100)
            return r < 45 ? .revise : (r < 75 ? .replace : .add)
        }()
        guard let (x2Specs, edit, y2) = try builder.edit(x1Specs, y1: y1, context: context, preferred: preferred,
                                                        rng: &generator) else { return nil }
        let trainingVariants = Array(0..<ConstraintPhrasing.heldOutPhrasing)
        let x1Constraints = builder.phrase(x1Specs, variants: trainingVariants, rng: &generator)
        // Constraints x1 and x2 share keep their wording; only the edited one is worded anew.
        var x2Constraints: [Constraint] = []
        var remaining = x1Constraints
        for spec in x2Specs {
            if let i = remaining.firstIndex(where: { $0.spec == spec }) {
                x2Constraints.append(remaining.remove(at: i))
            } else {
                x2Constraints.append(Constraint(spec: spec, phrasing: generator.pickModulo(trainingVariants)))
            }
        }
        let x1 = SyntheticInstruction(context: context, constraints: x1Constraints)
        let x2 = SyntheticInstruction(context: context, constraints: x2Constraints)
        return IOPOQuadruple(id: "train-" + zeroPadded(index, width: 6), x1: x1, y1: y1, x2: x2, y2: y2,
                             edit: edit, y2FailsX1: !x1.isSatisfied(by: y2))
    }

    /// Eval item `index` of `split` (attempt `attempt`), or nil when this draw found no instruction.
    public static func makeEvalItem(_ config: SyntheticTraceConfig, split: EvalSplit, index: Int, count: Int,
                                    attempt: Int = 0) throws(SyntheticTraceError) -> SyntheticEvalItem? {
        try makeEvalItem(InstructionBuilder(config: config), split: split, index: index, count: count, attempt: attempt)
    }

    static func makeEvalItem(_ builder: InstructionBuilder, split: EvalSplit, index: Int, count: Int,
                             attempt: Int) throws(SyntheticTraceError) -> SyntheticEvalItem? {
        let config = builder.config
        var generator = rng(config, split == .inDomain ? .evalInDomain : .evalOutOfDomain, index, attempt)
        let context = builder.drawContext(&generator)
        let id = "\(split.idPrefix)-\(index)"
        switch split {
        case .inDomain:
            guard let (specs, reference) = try builder.buildSpecs(context: context, count: count, kinds: builder.trainingKinds,
                                                                  rng: &generator) else { return nil }
            let constraints = builder.phrase(specs, variants: Array(0..<ConstraintPhrasing.heldOutPhrasing), rng: &generator)
            return SyntheticEvalItem(id: id, split: split, instruction: SyntheticInstruction(context: context, constraints: constraints),
                                     reference: reference)
        case .outOfDomain:
            // Half the instructions are built around a held-out kind; every one gets held-out
            // phrasings at random, and at least one held-out element in the end.
            let heldOut = config.heldOutKinds.filter { ConstraintCompatibility.inputAllows($0, input: context.input) }
            let first = (!heldOut.isEmpty && generator.chance(0.5)) ? [generator.pickModulo(heldOut)] : []
            guard let (specs, reference) = try builder.buildSpecs(context: context, count: count, kinds: builder.allKinds,
                                                                  first: first, rng: &generator) else { return nil }
            var constraints = builder.phrase(specs, variants: Array(0..<ConstraintPhrasing.variantCount), rng: &generator)
            let novel = constraints.contains { config.heldOutKinds.contains($0.kind) || $0.phrasing == ConstraintPhrasing.heldOutPhrasing }
            if !novel {
                let i = generator.nextIntModulo(below: constraints.count)
                constraints[i] = Constraint(spec: constraints[i].spec, phrasing: ConstraintPhrasing.heldOutPhrasing)
            }
            return SyntheticEvalItem(id: id, split: split, instruction: SyntheticInstruction(context: context, constraints: constraints),
                                     reference: reference)
        }
    }
}
