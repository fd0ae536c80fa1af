// The response generator: writes a response that satisfies every constraint of an instruction.
//
// A response is a list of units (one sentence each: a short base clause from the theme's words,
// plus "carriers", the short phrases that bring in what constraints require), laid out as prose,
// a list, JSON, a table or a template, optionally under "## " sections, between an optional
// role-play opening line and an optional "Source:" line, then letter-cased.
//
// The plan is built in a fixed order: requirements from the specs, the number of units, the
// placement of carriers (sequences in order, a required last word at the very end), then growth
// toward a word-count target inside [minimum, maximum]. Whether a plan exists depends only on the
// specs and the context, never on random draws, so an instruction the builder accepted is
// always answerable with any seed. Random draws only choose among valid plans (words, templates,
// default layout, number of extra units).
//
// The finished response is checked with every verifier. A failure there is a generator bug and
// is thrown (`SyntheticTraceError.responseFailsOwnConstraint`), never emitted.

import Basics

/// The result of planning: a response, or the reason none can satisfy the constraints.
enum PlanOutcome: Sendable {
    case response(String)
    /// A response exists (only from a feasibility-only run); the fewest words it can have.
    case feasible(minimalWords: Int)
    case infeasible(String)

    var isFeasible: Bool {
        if case .infeasible = self { return false }
        return true
    }

    var response: String? {
        if case .response(let r) = self { return r }
        return nil
    }
}

/// Builds responses for a fixed set of constraints and context. A class, not a struct: it is
/// large and built once per call, and copying it in every method call dominated debug builds.
final class ResponsePlanner {
    let specs: [ConstraintSpec]
    let context: SyntheticContext
    let theme: SyntheticVocabulary.Theme

    // Requirements gathered from the specs.
    var infeasibleReason: String?
    var layout: PlannedLayout?
    var oneParagraph = false
    var sections: Int?
    var separator: String?
    var role: String?
    var sourceLine = false
    var finalWord: String?
    var letterCase: String?
    var tone: String?
    var question = false
    var shape: String?
    var noDigits = false
    var noNames = false
    var maxLetters: Int?
    var maxSentenceWords: Int?
    var firstPerson = false
    var future = false
    var itemCount: Int?
    var sentenceCount: Int?
    var minWords = 0
    var maxWords = Int.max
    var forbidden: Set<String> = []
    var exactCounts: [(word: String, count: Int)] = []
    /// Carriers that may go in any unit, in a fixed order.
    var freeCarriers: [Carrier] = []
    /// Carrier sequences whose order must be kept across units.
    var sequences: [[Carrier]] = []
    /// Every word a constraint makes the response contain.
    var requiredWords: Set<String> = []
    var nounPool: [String] = []
    var adjectivePool: [String] = []

    /// `compatibilityChecked`: the caller has already checked the specs with
    /// `ConstraintCompatibility` (the builder does, constraint by constraint).
    init(specs: [ConstraintSpec], context: SyntheticContext, compatibilityChecked: Bool = false) {
        self.specs = specs
        self.context = context
        self.theme = SyntheticVocabulary.theme(named: context.theme) ?? SyntheticVocabulary.themes[0]
        gatherRequirements(compatibilityChecked: compatibilityChecked)
    }

    /// Whether a set of structurally compatible specs is answerable without planning: with no
    /// word limit, no fixed number of units, no audience rule and no excluded word, carriers always
    /// fit (units are added as needed) and no required word can be forbidden or too long.
    static func isBudgetFree(_ specs: [ConstraintSpec]) -> Bool {
        !specs.contains { spec in
            switch spec.kind {
            case .wordCountMax, .wordCountMin, .itemCount, .sentenceCount, .template, .audience, .excludeWords: return true
            default: return false
            }
        }
    }

    /// Plans, renders and verifies a response. Throws only on a generator bug. With
    /// `feasibilityOnly`, stops once it knows a response exists (`.feasible`), without drawing
    /// words or rendering: the decision is the same either way, because it depends only on word
    /// counts, which draws never change.
    func respond(seed: UInt64, feasibilityOnly: Bool = false) throws(SyntheticTraceError) -> PlanOutcome {
        if let infeasibleReason { return .infeasible(infeasibleReason) }
        var rng = Xoshiro256StarStar(seed: seed)
        let layout = chooseLayout(&rng)
        let minimum = minimumUnits(layout: layout)
        let fixed = fixedUnitCount(layout: layout)
        if case .some(nil) = fixed { return .infeasible("sentence count leaves no room for a body") }

        var n: Int
        var units: [PlannedUnit]
        if case .some(.some(let count)) = fixed {
            guard count >= minimum else { return .infeasible("\(count) units, \(minimum) needed") }
            guard let placed = place(units: count, layout: layout) else { return .infeasible("carriers do not fit in \(count) units") }
            n = count
            units = placed
        } else {
            var found: (Int, [PlannedUnit])?
            for candidate in minimum...(minimum + 16) {
                if let placed = place(units: candidate, layout: layout) { found = (candidate, placed); break }
            }
            guard let (first, placed) = found else { return .infeasible("carriers do not fit") }
            n = first
            units = placed
            // A few more units than strictly needed, when the word limit allows. (More units
            // only add room, so this never turns a feasible plan infeasible.)
            let extra = feasibilityOnly ? 0 : rng.nextIntModulo(in: 0...2)
            for candidate in stride(from: n + extra, to: n, by: -1) {
                if let more = place(units: candidate, layout: layout),
                   minimalWords(more, layout: layout) <= maxWords {
                    n = candidate
                    units = more
                    break
                }
            }
        }

        let fixedCount = fixed != nil
        while true {
            var shapes = unitShapes(units, layout: layout)
            let minimal = minimalWords(units, layout: layout)
            if minimal > maxWords { return .infeasible("needs \(minimal) words, at most \(maxWords) allowed") }
            let target = feasibilityOnly ? minWords : min(max(minimal + rng.nextIntModulo(in: 0...8), minWords), maxWords)
            let (steps, reached) = growthSteps(&shapes, from: minimal, target: target)
            if reached >= minWords {
                if feasibilityOnly { return .feasible(minimalWords: minimal) }
                var drafted = draft(units, questionIndex: question ? n - 1 : -1, layout: layout, rng: &rng)
                for unit in steps { applyGrowth(&drafted[unit], rng: &rng) }
                let response = render(drafted, layout: layout)
                let counted = Carrier.letterRuns(in: response)
                guard counted == reached else {
                    throw .responseFailsOwnConstraint(
                        constraint: ConstraintSpec(.wordCountMax, number: reached),
                        instruction: "planned \(reached) words, rendered \(counted): " + describeSpecs(), response: response)
                }
                try check(response)
                return .response(response)
            }
            // Too short even fully grown: one more unit if the count is free.
            guard !fixedCount, n < minimum + 40, let more = place(units: n + 1, layout: layout) else {
                return .infeasible("cannot reach \(minWords) words")
            }
            n += 1
            units = more
        }
    }

    /// Word-count view of a unit, for planning growth without drawing words.
    struct UnitShape {
        var words: Int
        var stage: Int
        let hasAdjectiveSlot: Bool
        let overhead: Int
    }

    /// Verifies the response against every spec; a failure is a generator bug.
    func check(_ response: String) throws(SyntheticTraceError) {
        let analysis = ResponseAnalysis(response)
        for spec in specs where !spec.verify(analysis) {
            throw .responseFailsOwnConstraint(
                constraint: spec,
                instruction: describeSpecs(),
                response: response)
        }
    }
}
