// Builds instructions (constraint by constraint, each checked for compatibility and
// answerability) and edits x1 into x2 for IOPO quadruples.

import Basics
import Foundation

/// How x2 was made from x1.
public enum QuadrupleEditKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A constraint y1 fails was added.
    case add
    /// A constraint was changed into one y1 fails (its negation or new parameters).
    case revise
    /// A constraint was deleted and a different one y1 fails put in its place.
    case replace
}

/// The edit that turned x1 into x2.
public struct QuadrupleEdit: Sendable, Hashable, Codable {
    public var kind: QuadrupleEditKind
    /// Index in x2 of the added or revised constraint.
    public var position: Int
    /// The x1 constraint revised or deleted (nil for add).
    public var removed: ConstraintSpec?
    /// The x2 constraint that y1 fails.
    public var added: ConstraintSpec
}

/// Draws contexts and builds instructions and edits from one random stream.
struct InstructionBuilder {
    let config: SyntheticTraceConfig
    let trainingKinds: KindTable
    let allKinds: KindTable

    init(config: SyntheticTraceConfig) {
        self.config = config
        self.trainingKinds = KindTable(config.trainingKinds)
        self.allKinds = KindTable(ConstraintKind.allCases)
    }

    func plan(_ specs: [ConstraintSpec], context: SyntheticContext, seed: UInt64) throws(SyntheticTraceError) -> String? {
        try ResponsePlanner(specs: specs, context: context, compatibilityChecked: true).respond(seed: seed).response
    }

    /// The answer to specs already judged feasible; failing here is a generator bug.
    func answer(_ specs: [ConstraintSpec], context: SyntheticContext, seed: UInt64) throws(SyntheticTraceError) -> String {
        guard let response = try plan(specs, context: context, seed: seed) else {
            throw .plannerInconsistent(instruction: "\(context.task) | " + specs.map { JSONWriter.python.string($0.jsonValue) }.joined(separator: " "))
        }
        return response
    }

    /// Whether `specs` (already checked with `ConstraintCompatibility`) can be answered.
    func feasible(_ specs: [ConstraintSpec], context: SyntheticContext) throws(SyntheticTraceError) -> Bool {
        if ResponsePlanner.isBudgetFree(specs) { return true }
        return try minimalWords(specs, context: context) != nil
    }

    /// The fewest words an answer to `specs` can have, or nil when there is no answer.
    func minimalWords(_ specs: [ConstraintSpec], context: SyntheticContext) throws(SyntheticTraceError) -> Int? {
        let planner = ResponsePlanner(specs: specs, context: context, compatibilityChecked: true)
        if case .feasible(let words) = try planner.respond(seed: 0, feasibilityOnly: true) {
            return words
        }
        return nil
    }

    func drawContext(_ rng: inout Xoshiro256StarStar) -> SyntheticContext {
        let theme = rng.pickModulo(SyntheticVocabulary.themes)
        var input: SyntheticInput?
        var tasks = SyntheticVocabulary.plainTasks
        if rng.chance(config.inputProbability) {
            if rng.chance(0.5) {
                let nouns = rng.shuffledModulo(theme.nouns)
                input = .text(name: rng.pickModulo(SyntheticVocabulary.names), object: nouns[0], place: nouns[1])
                tasks = SyntheticVocabulary.textInputTasks
            } else {
                let rows = rng.nextIntModulo(in: 2...3)
                input = .table(items: Array(rng.shuffledModulo(theme.nouns).prefix(rows)),
                               colors: Array(rng.shuffledModulo(SyntheticVocabulary.tableColors).prefix(rows)))
                tasks = SyntheticVocabulary.tableInputTasks
            }
        }
        let task = rng.pickModulo(tasks).replacingOccurrences(of: "{t}", with: theme.name)
        return SyntheticContext(theme: theme.name, task: task, input: input)
    }

    /// Adds constraints one at a time until `count`: each must be structurally compatible with
    /// the others and leave the instruction answerable. `first` kinds are tried before the
    /// weighted draw. Returns the specs (in instruction order) and the response to all of them.
    func buildSpecs(context: SyntheticContext, count: Int, kinds: KindTable, first: [ConstraintKind] = [],
                    rng: inout Xoshiro256StarStar) throws(SyntheticTraceError) -> (specs: [ConstraintSpec], response: String)? {
        let sampler = ConstraintSampler(context: context)
        var specs: [ConstraintSpec] = []
        // The fewest words an answer to `specs` can have; computed only when a draw needs it.
        var minimal: Int?
        var pending = first
        var attempts = 0
        while specs.count < count && attempts < 12 * count + 12 {
            attempts += 1
            let kind: ConstraintKind
            if !pending.isEmpty {
                kind = pending.removeFirst()
            } else if let drawn = sampler.drawKind(from: kinds, existing: specs, rng: &rng) {
                kind = drawn
            } else {
                break
            }
            if (kind == .wordCountMax || kind == .wordCountMin) && minimal == nil {
                guard let words = try minimalWords(specs, context: context) else {
                    throw .plannerInconsistent(instruction: "\(context.task) | accepted constraints judged unanswerable")
                }
                minimal = words
            }
            guard let spec = sampler.draw(kind, existing: specs, reference: nil, minimalWords: minimal ?? 0, mustFail: false, rng: &rng),
                  ConstraintCompatibility.canAdd(spec, to: specs, input: context.input) else { continue }
            let candidate = specs + [spec]
            if ResponsePlanner.isBudgetFree(candidate) {
                minimal = nil
            } else {
                guard let words = try minimalWords(candidate, context: context) else { continue }
                minimal = words
            }
            specs = candidate
        }
        guard specs.count == count else { return nil }
        // Constraint order is free; shuffle it so it says nothing about when a constraint was drawn.
        let order = rng.shuffledModulo(Array(specs.indices))
        let ordered = order.map { specs[$0] }
        return (ordered, try answer(ordered, context: context, seed: rng.next()))
    }

    func phrase(_ specs: [ConstraintSpec], variants: [Int], rng: inout Xoshiro256StarStar) -> [Constraint] {
        specs.map { Constraint(spec: $0, phrasing: rng.pickModulo(variants)) }
    }

    /// Makes x2 from x1 so that y1 fails it, trying `preferred` first, then the other edits.
    /// Returns x2's specs, the edit, and y2 (which satisfies x2; it also fails x1 when a hidden
    /// negation of the removed constraint could be honoured).
    func edit(_ x1: [ConstraintSpec], y1: String, context: SyntheticContext, preferred: QuadrupleEditKind,
              rng: inout Xoshiro256StarStar) throws(SyntheticTraceError) -> (specs: [ConstraintSpec], edit: QuadrupleEdit, y2: String)? {
        let sampler = ConstraintSampler(context: context)
        let reference = ResponseAnalysis(y1)
        let kinds = trainingKinds
        var order = [preferred] + QuadrupleEditKind.allCases.filter { $0 != preferred }
        if x1.count >= config.maxConstraints { order.removeAll { $0 == .add } }

        for editKind in order {
            switch editKind {
            case .add:
                for _ in 0..<16 {
                    guard let kind = sampler.drawKind(from: kinds, existing: x1, rng: &rng),
                          let spec = sampler.draw(kind, existing: x1, reference: reference, minimalWords: 0, mustFail: true, rng: &rng),
                          !spec.verify(reference),
                          ConstraintCompatibility.canAdd(spec, to: x1, input: context.input) else { continue }
                    var x2 = x1
                    let position = rng.nextIntModulo(in: 0...x1.count)
                    x2.insert(spec, at: position)
                    guard try feasible(x2, context: context) else { continue }
                    let y2 = try answer(x2, context: context, seed: rng.next())
                    return (x2, QuadrupleEdit(kind: .add, position: position, removed: nil, added: spec), y2)
                }
            case .revise:
                for index in rng.shuffledModulo(Array(x1.indices)) {
                    let original = x1[index]
                    var others = x1
                    others.remove(at: index)
                    var candidates: [ConstraintSpec] = []
                    if let negated = sampler.negation(of: original, rng: &rng) { candidates.append(negated) }
                    for _ in 0..<3 {
                        if let redrawn = sampler.draw(original.kind, existing: others, reference: reference, minimalWords: 0, mustFail: true, rng: &rng) {
                            candidates.append(redrawn)
                        }
                    }
                    for candidate in candidates where candidate != original && !candidate.verify(reference)
                        && ConstraintCompatibility.canAdd(candidate, to: others, input: context.input) {
                        var x2 = others
                        x2.insert(candidate, at: index)
                        guard try feasible(x2, context: context) else { continue }
                        let plain = try answer(x2, context: context, seed: rng.next())
                        let y2 = try hinted(x2, removed: original, plain: plain, sampler: sampler, context: context, rng: &rng)
                        return (x2, QuadrupleEdit(kind: .revise, position: index, removed: original, added: candidate), y2)
                    }
                }
            case .replace:
                let index = rng.nextIntModulo(below: x1.count)
                let original = x1[index]
                var others = x1
                others.remove(at: index)
                for _ in 0..<16 {
                    guard let kind = sampler.drawKind(from: kinds, existing: others, rng: &rng), kind != original.kind,
                          let spec = sampler.draw(kind, existing: others, reference: reference, minimalWords: 0, mustFail: true, rng: &rng),
                          !spec.verify(reference),
                          ConstraintCompatibility.canAdd(spec, to: others, input: context.input) else { continue }
                    var x2 = others
                    x2.insert(spec, at: index)
                    guard try feasible(x2, context: context) else { continue }
                    let plain = try answer(x2, context: context, seed: rng.next())
                    let y2 = try hinted(x2, removed: original, plain: plain, sampler: sampler, context: context, rng: &rng)
                    return (x2, QuadrupleEdit(kind: .replace, position: index, removed: original, added: spec), y2)
                }
            }
        }
        return nil
    }

    /// y2 that also violates the removed x1 constraint, when its negation fits with x2;
    /// otherwise `plain`.
    func hinted(_ x2: [ConstraintSpec], removed: ConstraintSpec, plain: String, sampler: ConstraintSampler,
                context: SyntheticContext, rng: inout Xoshiro256StarStar) throws(SyntheticTraceError) -> String {
        if !removed.verify(response: plain) { return plain }
        guard let negated = sampler.negation(of: removed, rng: &rng),
              ConstraintCompatibility.canAdd(negated, to: x2, input: context.input),
              try feasible(x2 + [negated], context: context) else { return plain }
        return try answer(x2 + [negated], context: context, seed: rng.next())
    }
}
