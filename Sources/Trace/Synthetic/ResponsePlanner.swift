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

    // MARK: Requirements

    func fail(_ reason: String) {
        if infeasibleReason == nil { infeasibleReason = reason }
    }

    func gatherRequirements(compatibilityChecked: Bool) {
        guard compatibilityChecked || ConstraintCompatibility.compatible(specs, input: context.input) else {
            fail("structurally incompatible constraints")
            return
        }
        var contentWords: [String] = []
        var themeRequirement: (words: [String], count: Int)?
        var expertRequirement: (words: [String], count: Int)?
        var special: [Carrier] = []
        var simile = false
        var cite: String?

        for spec in specs {
            let w = spec.words
            switch spec.kind {
            case .includeWords, .textFacts:
                contentWords.append(contentsOf: w.map { $0.lowercased() })
            case .excludeWords:
                forbidden.formUnion(w.map { $0.lowercased() })
            case .wordFrequency:
                exactCounts.append((w[0].lowercased(), spec.number ?? 1))
            case .theme:
                themeRequirement = (w.map { $0.lowercased() }, spec.number ?? 1)
            case .value, .tableLookup:
                special.append(Carrier(["so", w[0]]))
                requiredWords.insert(w[0].lowercased())
            case .emotion:
                special.append(w[0] == "wow" ? Carrier(["wow,"], prefix: true) : Carrier(["so", w[0]]))
                requiredWords.insert(w[0].lowercased())
            case .multilingual:
                let act = SyntheticVocabulary.foreignWords.first { $0.option == spec.option }?.act
                special.append(act == "greet" ? Carrier([w[0] + ","], prefix: true) : Carrier(["and", w[0]]))
                requiredWords.insert(w[0].lowercased())
            case .noNames:
                noNames = true
            case .noDigits:
                noDigits = true
            case .wordCountMax:
                maxWords = min(maxWords, spec.number ?? 0)
            case .wordCountMin:
                minWords = max(minWords, spec.number ?? 0)
            case .itemCount:
                itemCount = spec.number
            case .sentenceCount:
                sentenceCount = spec.number
            case .rolePlay:
                role = spec.option
            case .audience:
                switch spec.option {
                case "children": maxLetters = spec.number
                case "experts": expertRequirement = (w.map { $0.lowercased() }, spec.number ?? 1)
                default: maxSentenceWords = spec.number
                }
            case .priorCondition:
                finalWord = (spec.holds ?? false) ? w[0] : w[1]
                requiredWords.insert(finalWord!.lowercased())
            case .processSteps:
                sequences.append(w.map { Carrier(["and", $0]) })
                requiredWords.formUnion(w.map { $0.lowercased() })
            case .markdownProcess:
                sequences.append(w.map { Carrier(["and", "**\($0)**"]) })
                requiredWords.formUnion(w.map { $0.lowercased() })
            case .orderWords:
                sequences.append(w.map { Carrier([$0 + ","], prefix: true) })
                requiredWords.formUnion(w.map { $0.lowercased() })
            case .tone:
                tone = spec.option
                if spec.option == "formal" { special.append(Carrier(["please"])) }
                if spec.option == "casual" { special.append(Carrier(["hey,"], prefix: true)) }
            case .askQuestion:
                question = true
            case .simile:
                simile = true
            case .jsonFormat:
                layout = .json(w[0])
            case .tableFormat:
                layout = .table(w[0], w[1])
            case .bulletList:
                layout = .bullets(spec.option ?? "-")
            case .numbering:
                layout = .numbered(spec.option ?? "1.")
            case .template:
                layout = .template(w)
            case .letterCase:
                letterCase = spec.option
            case .separatorLine:
                separator = spec.option
            case .oneParagraph:
                oneParagraph = true
            case .firstPerson:
                firstPerson = true
            case .futureTense:
                future = true
            case .citeMarker:
                cite = spec.option
            case .sourceLine:
                sourceLine = true
            case .sections:
                sections = spec.number
            case .positiveExample:
                shape = spec.option
            case .negativeExample:
                // The renderer never repeats a word, doubles "!" or writes a word in capitals,
                // so every negative example holds by construction (verified at the end).
                break
            }
        }

        let exactWords = Set(exactCounts.map(\.word))
        nounPool = theme.nouns.filter { !forbidden.contains($0) && !exactWords.contains($0) }
        if nounPool.count < 3 {
            let next = SyntheticVocabulary.themes[(SyntheticVocabulary.themes.firstIndex(of: theme)! + 1) % SyntheticVocabulary.themes.count]
            nounPool += next.nouns.filter { !forbidden.contains($0) && !exactWords.contains($0) }
        }
        adjectivePool = SyntheticVocabulary.adjectives.filter { !forbidden.contains($0) && !exactWords.contains($0) }

        // Content words (include, text facts) once each; exact-count words exactly as often as asked.
        var seen: Set<String> = []
        for word in contentWords where !seen.contains(word) && !exactWords.contains(word) {
            seen.insert(word)
            freeCarriers.append(contentCarrier(word))
        }
        for (word, count) in exactCounts {
            for _ in 0..<count { freeCarriers.append(contentCarrier(word)) }
        }
        requiredWords.formUnion(seen)
        requiredWords.formUnion(exactWords)

        if let (words, count) = themeRequirement {
            let present = Set(words).intersection(requiredWords)
            let available = words.filter { !present.contains($0) && !forbidden.contains($0) && !exactWords.contains($0) }
            let missing = count - present.count
            if missing > available.count {
                fail("theme needs \(count) words, only \(present.count + available.count) usable")
            } else if missing > 0 {
                for word in available.prefix(missing) {
                    freeCarriers.append(contentCarrier(word))
                    requiredWords.insert(word)
                }
            }
        }
        if let (words, count) = expertRequirement {
            let usable = words.filter { !forbidden.contains($0) && !exactWords.contains($0) }
            if usable.count < count {
                fail("experts need \(count) technical words")
            } else {
                for word in usable.prefix(count) {
                    freeCarriers.append(Carrier(["with", word]))
                    requiredWords.insert(word)
                }
            }
        }
        freeCarriers.append(contentsOf: special)
        if simile {
            guard let noun = nounPool.first else { fail("no noun for a simile"); return }
            freeCarriers.append(Carrier(["like", "a", noun]))
        }
        if let cite { freeCarriers.append(Carrier([cite], words: 0)) }
        if case .text(let name, _, _)? = context.input, !noNames {
            freeCarriers.append(Carrier(["with", SyntheticVocabulary.capitalized(name)]))
        }

        if !requiredWords.isDisjoint(with: forbidden) {
            fail("a required word is excluded")
        }
        if let maxLetters, let long = requiredWords.first(where: { $0.count > maxLetters }) {
            fail("required word '\(long)' is longer than \(maxLetters) letters")
        }
        if minWords > maxWords { fail("word range is empty") }
        // A canonical carrier order makes the plan depend on the set of specs, not their order.
        freeCarriers.sort { a, b in
            a.wordCount != b.wordCount ? a.wordCount > b.wordCount : a.tokens.lexicographicallyPrecedes(b.tokens)
        }
        sequences.sort { a, b in a.flatMap(\.tokens).lexicographicallyPrecedes(b.flatMap(\.tokens)) }
        if nounPool.isEmpty || adjectivePool.isEmpty { fail("no filler words left") }
    }

    func contentCarrier(_ word: String) -> Carrier {
        SyntheticVocabulary.adjectives.contains(word) ? Carrier(["so", word]) : Carrier(["and", "the", word])
    }

    // MARK: Layout and units

    /// The layout to use: the constrained one, or a default drawn with `rng`.
    func chooseLayout(_ rng: inout SeededGenerator) -> PlannedLayout {
        if let layout { return layout }
        if itemCount != nil {
            var options: [PlannedLayout] = [.bullets("-"), .bullets("*")]
            if !noDigits { options += [.numbered("1."), .numbered("1)")] }
            return rng.pick(options)
        }
        if oneParagraph || sentenceCount != nil || shape != nil { return .prose }
        return rng.chance(0.7) ? .prose : .bullets(rng.pick(ConstraintOptions.bulletMarkers))
    }

    /// Words the layout adds to the sentence of unit `index` (counted against sentence limits).
    func sentenceOverhead(layout: PlannedLayout, index: Int) -> Int {
        switch layout {
        case .table, .template: return 1
        case .numbered(let style): return style == "a)" ? 1 : 0
        case .json: return index == 0 ? 1 : 0
        case .bullets: return 0
        case .prose: return (shape == "arrow" || shape == "keyValue") ? 1 : 0
        }
    }

    var baseWords: Int { future ? 5 : 4 }

    /// Fixed number of units, when a constraint dictates it.
    func fixedUnitCount(layout: PlannedLayout) -> Int?? {
        if case .template(let labels) = layout { return .some(labels.count) }
        if let itemCount { return .some(itemCount) }
        if let sentenceCount {
            let units = sentenceCount - (role != nil ? 1 : 0) - (sourceLine ? 1 : 0)
            return units >= 1 ? .some(units) : .some(nil)
        }
        return .none
    }

    func minimumUnits(layout: PlannedLayout) -> Int {
        var minimum = max(1, sections ?? 1)
        if shape != nil { minimum = max(minimum, 2) }
        if separator != nil && (sections ?? 1) < 2 { minimum = max(minimum, 2) }
        if layout.isList && specs.contains(where: { $0.kind == .bulletList || $0.kind == .numbering }) {
            minimum = max(minimum, 2)
        }
        return minimum
    }

    /// Places every carrier into `n` units within the sentence limit, or returns nil.
    func place(units n: Int, layout: PlannedLayout) -> [PlannedUnit]? {
        let cap = maxSentenceWords ?? Int.max
        var units = (0..<n).map { _ in PlannedUnit(plannedBaseWords: baseWords) }
        func fits(_ u: Int, _ carrier: Carrier) -> Bool {
            units[u].wordCount + carrier.wordCount + sentenceOverhead(layout: layout, index: u) <= cap
        }
        func add(_ carrier: Carrier, to u: Int) {
            if carrier.isPrefix { units[u].prefix.append(carrier) } else { units[u].suffix.append(carrier) }
        }
        if baseWords + sentenceOverhead(layout: layout, index: 0) > cap { return nil }
        for sequence in sequences {
            var minimumUnit = 0
            for (j, carrier) in sequence.enumerated() {
                var u = max(minimumUnit, j * n / sequence.count)
                while u < n && !fits(u, carrier) { u += 1 }
                guard u < n else { return nil }
                add(carrier, to: u)
                minimumUnit = u
            }
        }
        for (j, carrier) in freeCarriers.enumerated() {
            var placed = false
            for step in 0..<n {
                let u = (j + step) % n
                if fits(u, carrier) {
                    add(carrier, to: u)
                    placed = true
                    break
                }
            }
            if !placed { return nil }
        }
        if let finalWord {
            let carrier = Carrier(["so", finalWord])
            guard fits(n - 1, carrier) else { return nil }
            units[n - 1].final = carrier
        }
        return units
    }

    // MARK: Building

    /// Plans, renders and verifies a response. Throws only on a generator bug. With
    /// `feasibilityOnly`, stops once it knows a response exists (`.feasible`), without drawing
    /// words or rendering: the decision is the same either way, because it depends only on word
    /// counts, which draws never change.
    func respond(seed: UInt64, feasibilityOnly: Bool = false) throws(SyntheticTraceError) -> PlanOutcome {
        if let infeasibleReason { return .infeasible(infeasibleReason) }
        var rng = SeededGenerator(seed: seed)
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
            let extra = feasibilityOnly ? 0 : rng.int(in: 0...2)
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
            let target = feasibilityOnly ? minWords : min(max(minimal + rng.int(in: 0...8), minWords), maxWords)
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

    /// The question (when asked for) is the last unit and its clause has 4 words and no
    /// adjective slot; every other clause has `baseWords` words and a slot.
    func unitShapes(_ units: [PlannedUnit], layout: PlannedLayout) -> [UnitShape] {
        units.indices.map { i in
            let isQuestion = question && i == units.count - 1
            return UnitShape(words: (isQuestion ? 4 : baseWords) + units[i].carrierWords, stage: 0,
                             hasAdjectiveSlot: !isQuestion, overhead: sentenceOverhead(layout: layout, index: i))
        }
    }

    /// Words of a response with these units before growth: clauses, carriers, and what the
    /// layout adds (opening and source lines, section headers, JSON key, table header and row
    /// keys, template labels, letter markers, example-shape heads).
    func minimalWords(_ units: [PlannedUnit], layout: PlannedLayout) -> Int {
        let n = units.count
        var words = unitShapes(units, layout: layout).reduce(0) { $0 + $1.words }
        if role != nil { words += SyntheticVocabulary.openingLine(role: "x").count }
        if sourceLine { words += SyntheticVocabulary.sourceLine.count }
        switch layout {
        case .json: words += 1
        case .table: words += 2 + n
        case .template: words += n
        case .numbered(let style): words += style == "a)" ? n : 0
        case .prose: words += (shape == "arrow" || shape == "keyValue") ? n : 0
        case .bullets: break
        }
        if let sections {
            switch layout {
            case .json, .table: break
            default: words += 2 * sections
            }
        }
        return words
    }

    /// The growth steps (unit indices, in order) that lengthen the response toward `target`,
    /// one step at a time in round-robin (+1 adjective, +1 time word, +3 "and the N",
    /// +3 "near the N"), never past the word maximum or a sentence limit.
    func growthSteps(_ shapes: inout [UnitShape], from start: Int, target: Int) -> (steps: [Int], reached: Int) {
        var words = start
        var steps: [Int] = []
        let cap = maxSentenceWords ?? Int.max
        var cursor = 0
        while words < target {
            var grew = false
            for offset in 0..<shapes.count {
                let i = (cursor + offset) % shapes.count
                var stage = shapes[i].stage
                if stage == 0 && !shapes[i].hasAdjectiveSlot { stage = 1 }
                guard stage <= 3 else { continue }
                let size = stage <= 1 ? 1 : 3
                guard shapes[i].words + size + shapes[i].overhead <= cap, words + size <= maxWords else { continue }
                shapes[i].stage = stage + 1
                shapes[i].words += size
                words += size
                steps.append(i)
                cursor = i + 1
                grew = true
                break
            }
            if !grew { break }
        }
        return (steps, words)
    }

    func describeSpecs() -> String {
        "\(context.task) | " + specs.map { JSONWriter.python.string($0.jsonValue) }.joined(separator: " ")
    }

    /// Chooses the base clause of every unit and the terminators.
    func draft(_ planned: [PlannedUnit], questionIndex: Int, layout: PlannedLayout,
               rng: inout SeededGenerator) -> [PlannedUnit] {
        var units = planned
        for i in units.indices {
            let isQuestion = i == questionIndex
            units[i].isQuestion = isQuestion
            (units[i].base, units[i].adjectiveSlot) = baseClause(question: isQuestion, rng: &rng)
            units[i].plannedBaseWords = units[i].base.count
        }
        // Terminators: "?" for the question; "!" everywhere else when excited.
        var exclaimed = false
        for i in units.indices {
            if units[i].isQuestion {
                units[i].terminator = "?"
            } else if tone == "excited" {
                units[i].terminator = "!"
                exclaimed = true
            }
        }
        if tone == "excited" && !exclaimed && role == nil, let q = units.indices.first {
            units[q].terminator = "?!"
        }
        return units
    }

    func baseClause(question: Bool, rng: inout SeededGenerator) -> ([String], Int?) {
        let verb = rng.pick(SyntheticVocabulary.verbs)
        let noun = rng.pick(nounPool)
        let adjective = rng.pick(adjectivePool)
        if question {
            if future { return (["will", "we", verb, "it"], nil) }
            return (firstPerson || rng.chance(0.5) ? ["can", "we", verb, "it"] : ["can", "you", verb, "it"], nil)
        }
        var options: [([String], Int?)]
        switch (firstPerson, future) {
        case (true, true):
            options = [(["we", "will", verb, "the", noun], 4), (["i", "will", verb, "the", noun], 4)]
        case (true, false):
            options = [(["we", verb, "the", noun], 3), (["i", verb, "the", noun], 3), (["our", noun, "is", adjective], 1)]
        case (false, true):
            options = [(["we", "will", verb, "the", noun], 4), (["you", "will", verb, "the", noun], 4),
                       (["i", "will", verb, "the", noun], 4)]
        case (false, false):
            options = [(["the", noun, "is", adjective], 1), (["we", verb, "the", noun], 3),
                       (["you", verb, "the", noun], 3), (["our", noun, "is", adjective], 1),
                       (["i", verb, "the", noun], 3)]
        }
        return rng.pick(options)
    }

    func applyGrowth(_ unit: inout PlannedUnit, rng: inout SeededGenerator) {
        if unit.growthStage == 0 && unit.adjectiveSlot == nil { unit.growthStage = 1 }
        let used = Set(unit.base)
        switch unit.growthStage {
        case 0:
            let choices = adjectivePool.filter { !used.contains($0) }
            unit.base.insert(rng.pick(choices.isEmpty ? adjectivePool : choices), at: unit.adjectiveSlot!)
            unit.plannedBaseWords += 1
        case 1:
            unit.growth.append(rng.pick(SyntheticVocabulary.growthWords))
        case 2, 3:
            let choices = nounPool.filter { !used.contains($0) && !unit.growth.contains($0) }
            let noun = rng.pick(choices.isEmpty ? nounPool : choices)
            unit.growth += [unit.growthStage == 2 ? "and" : "near", "the", noun]
        default:
            break
        }
        unit.growthStage += 1
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
