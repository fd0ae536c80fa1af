// Draws constraint specs: which kinds, and each kind's parameters.
//
// Parameters are drawn against a reference response (the answer to the constraints chosen so
// far, or y1 when editing x1 into x2), so that constraints bite: an excluded word is one the
// reference uses, an included word one it lacks, a word limit close to its length. When an edit
// needs a constraint y1 fails, `mustFail` steers the draw toward that.

import Basics

/// How often each dimension is drawn: the square root of its label count in trace_eval.jsonl
/// (so frequent dimensions stay frequent and rare ones are still learnable), shared equally by
/// the kinds of the dimension. Input-bound kinds are doubled, being available less often.
enum ConstraintKindWeights {
    static let dimensionFrequency: [TraceDimension: Double] = [
        .inclusion: 999, .numerical: 890, .outputFormat: 564, .toneAndStyle: 376, .theme: 280,
        .textPattern: 259, .hierarchicalStructure: 241, .citation: 199, .naturalLanguageProcessBackground: 168,
        .numberingAndList: 152, .value: 109, .rolePlaying: 107, .grammarStructure: 107, .targetAudience: 106,
        .priorCondition: 79, .template: 77, .exclusion: 73, .linguisticCharacteristics: 68, .emotion: 43,
        .tableBackground: 41, .textBackground: 32, .positiveExample: 32, .privacy: 30, .multilingual: 21,
        .negativeExample: 16, .markdownProcessBackground: 16,
    ]

    /// Weights indexed like `ConstraintKind.allCases`.
    static let weights: [Double] = {
        var kindsPerDimension: [TraceDimension: Int] = [:]
        for kind in ConstraintKind.allCases { kindsPerDimension[kind.dimension, default: 0] += 1 }
        return ConstraintKind.allCases.map { kind in
            var weight = (dimensionFrequency[kind.dimension] ?? 1).squareRoot() / Double(kindsPerDimension[kind.dimension]!)
            if [.noNames, .textFacts, .tableLookup].contains(kind) { weight *= 2 }
            return weight
        }
    }()

    static let indexOfKind: [ConstraintKind: Int] = Dictionary(
        uniqueKeysWithValues: ConstraintKind.allCases.enumerated().map { ($0.element, $0.offset) })

    static func weight(_ kind: ConstraintKind) -> Double { weights[indexOfKind[kind]!] }
}

/// A list of kinds with their draw weights.
struct KindTable: Sendable {
    let kinds: [ConstraintKind]
    let weights: [Double]
    /// Running sums of `weights`.
    let cumulative: [Double]

    init(_ kinds: [ConstraintKind]) {
        self.kinds = kinds
        self.weights = kinds.map(ConstraintKindWeights.weight)
        var sum = 0.0
        self.cumulative = weights.map { sum += $0; return sum }
    }
}

/// Draws specs for the instruction builder.
struct ConstraintSampler {
    let context: SyntheticContext

    var theme: SyntheticVocabulary.Theme {
        SyntheticVocabulary.theme(named: context.theme) ?? SyntheticVocabulary.themes[0]
    }

    /// Draws a kind of `table` by weight, skipping kinds the input or the existing specs rule
    /// out: a few rejection draws, then an exact draw over the usable kinds.
    func drawKind(from table: KindTable, existing: [ConstraintSpec], rng: inout Xoshiro256StarStar) -> ConstraintKind? {
        func usable(_ kind: ConstraintKind) -> Bool {
            guard ConstraintCompatibility.inputAllows(kind, input: context.input) else { return false }
            var present = 0
            for spec in existing where spec.kind == kind { present += 1 }
            return present < ConstraintCompatibility.maximumCount(of: kind)
        }
        for _ in 0..<8 {
            let kind = table.kinds[rng.weightedIndex(cumulative: table.cumulative)]
            if usable(kind) { return kind }
        }
        var kinds: [ConstraintKind] = []
        var weights: [Double] = []
        for (kind, weight) in zip(table.kinds, table.weights) where usable(kind) {
            kinds.append(kind)
            weights.append(weight)
        }
        guard !kinds.isEmpty else { return nil }
        return kinds[rng.weightedIndex(weights)]
    }

    static func roundToFive(_ n: Int) -> Int { max(5, ((n + 2) / 5) * 5) }

    /// Draws parameters for `kind`. With a `reference` answer and `mustFail`, the draw aims at a
    /// spec the reference violates (the caller still checks). Without a reference, word limits
    /// are drawn around `minimalWords`, the fewest words the current constraints allow.
    func draw(_ kind: ConstraintKind, existing: [ConstraintSpec], reference: ResponseAnalysis?, minimalWords: Int,
              mustFail: Bool, rng: inout Xoshiro256StarStar) -> ConstraintSpec? {
        var used: Set<String> = []
        for spec in existing { used.formUnion(spec.words) }
        switch kind {
        case .includeWords:
            let contentPool = theme.nouns + SyntheticVocabulary.adjectives
            let absent = contentPool.filter { !used.contains($0) && !(reference?.contains(word: $0) ?? false) }
            guard absent.count >= 2 else { return nil }
            let count = rng.chance(0.25) ? 2 : 1
            return ConstraintSpec(.includeWords, words: Array(rng.shuffledModulo(absent).prefix(count)))
        case .excludeWords:
            // Without a reference, a theme noun: responses are made of them, so it usually bites.
            let pool = reference == nil ? theme.nouns : theme.nouns + SyntheticVocabulary.adjectives
            let candidates = pool.filter { !used.contains($0) && (reference?.contains(word: $0) ?? true) }
            return candidates.isEmpty ? nil : ConstraintSpec(.excludeWords, words: [rng.pickModulo(candidates)])
        case .wordFrequency:
            let candidates = (theme.nouns + SyntheticVocabulary.adjectives).filter { !used.contains($0) }
            guard !candidates.isEmpty else { return nil }
            return ConstraintSpec(.wordFrequency, words: [rng.pickModulo(candidates)], number: rng.nextIntModulo(in: 2...3))
        case .theme:
            let others = SyntheticVocabulary.themes.filter { $0.name != context.theme }
            let chosen = rng.pickModulo(others)
            return ConstraintSpec(.theme, words: chosen.nouns, number: 2, option: chosen.name)
        case .value:
            let v = rng.pickModulo(SyntheticVocabulary.values)
            return ConstraintSpec(.value, words: [v.word], option: v.noun)
        case .noNames:
            return ConstraintSpec(.noNames, words: SyntheticVocabulary.names)
        case .noDigits:
            return ConstraintSpec(.noDigits)
        case .wordCountMax:
            if let reference, mustFail {
                let bound = reference.wordCount - rng.nextIntModulo(in: 1...10)
                return ConstraintSpec(.wordCountMax, number: max(5, (bound / 5) * 5))
            }
            return ConstraintSpec(.wordCountMax, number: ConstraintSampler.roundToFive(minimalWords + rng.nextIntModulo(in: 0...14)))
        case .wordCountMin:
            if let reference, mustFail {
                let bound = reference.wordCount + rng.nextIntModulo(in: 1...10)
                return ConstraintSpec(.wordCountMin, number: ((bound + 4) / 5) * 5)
            }
            return ConstraintSpec(.wordCountMin, number: ConstraintSampler.roundToFive(minimalWords + rng.nextIntModulo(in: -6...12)))
        case .itemCount:
            return ConstraintSpec(.itemCount, number: rng.nextIntModulo(in: 2...5))
        case .sentenceCount:
            return ConstraintSpec(.sentenceCount, number: rng.nextIntModulo(in: 2...6))
        case .rolePlay:
            return ConstraintSpec(.rolePlay, option: rng.pickModulo(SyntheticVocabulary.roles))
        case .audience:
            switch rng.pickModulo(ConstraintOptions.audiences) {
            case "children": return ConstraintSpec(.audience, number: 6, option: "children")
            case "experts": return ConstraintSpec(.audience, words: SyntheticVocabulary.technicalWords, number: 2, option: "experts")
            default: return ConstraintSpec(.audience, number: 8, option: "beginners")
            }
        case .priorCondition:
            let holds = rng.chance(0.5)
            let conditionTheme = holds ? context.theme : rng.pickModulo(SyntheticVocabulary.themes.filter { $0.name != context.theme }).name
            let pair = rng.pickModulo(SyntheticVocabulary.priorPairs)
            return ConstraintSpec(.priorCondition, words: [pair.yes, pair.no], option: conditionTheme, holds: holds)
        case .processSteps, .markdownProcess:
            let count = rng.nextIntModulo(in: 2...3)
            return ConstraintSpec(kind, words: Array(rng.shuffledModulo(SyntheticVocabulary.steps.filter { !used.contains($0) }).prefix(count)))
        case .tableLookup:
            guard case .table(let items, let colors)? = context.input else { return nil }
            let row = rng.nextIntModulo(below: items.count)
            return ConstraintSpec(.tableLookup, words: [colors[row]], option: items[row])
        case .textFacts:
            guard case .text(_, let object, let place)? = context.input else { return nil }
            return ConstraintSpec(.textFacts, words: [object, place])
        case .tone:
            return ConstraintSpec(.tone, option: rng.pickModulo(ConstraintOptions.tones))
        case .emotion:
            let e = rng.pickModulo(SyntheticVocabulary.emotions)
            return ConstraintSpec(.emotion, words: [e.word], option: e.name)
        case .askQuestion:
            return ConstraintSpec(.askQuestion)
        case .simile:
            return ConstraintSpec(.simile)
        case .multilingual:
            let f = rng.pickModulo(SyntheticVocabulary.foreignWords)
            return ConstraintSpec(.multilingual, words: [f.word], option: f.option)
        case .jsonFormat:
            return ConstraintSpec(.jsonFormat, words: [rng.pickModulo(SyntheticVocabulary.jsonKeys)])
        case .tableFormat:
            let columns = rng.pickModulo(SyntheticVocabulary.tableColumns)
            return ConstraintSpec(.tableFormat, words: [columns.0, columns.1])
        case .bulletList:
            return ConstraintSpec(.bulletList, option: rng.pickModulo(ConstraintOptions.bulletMarkers))
        case .numbering:
            return ConstraintSpec(.numbering, option: rng.pickModulo(ConstraintOptions.numberingStyles))
        case .letterCase:
            return ConstraintSpec(.letterCase, option: rng.pickModulo(ConstraintOptions.letterCases))
        case .separatorLine:
            return ConstraintSpec(.separatorLine, option: rng.pickModulo(ConstraintOptions.separators))
        case .oneParagraph:
            return ConstraintSpec(.oneParagraph)
        case .firstPerson:
            return ConstraintSpec(.firstPerson)
        case .futureTense:
            return ConstraintSpec(.futureTense)
        case .citeMarker:
            return ConstraintSpec(.citeMarker, option: "[1]")
        case .sourceLine:
            return ConstraintSpec(.sourceLine)
        case .sections:
            return ConstraintSpec(.sections, number: rng.nextIntModulo(in: 2...3))
        case .orderWords:
            return ConstraintSpec(.orderWords, words: rng.chance(0.5) ? ["first", "then"] : ["first", "then", "finally"])
        case .template:
            let count = rng.nextIntModulo(in: 2...3)
            return ConstraintSpec(.template, words: Array(rng.shuffledModulo(SyntheticVocabulary.templateLabels).prefix(count)))
        case .positiveExample:
            let shape = rng.pickModulo(ConstraintOptions.exampleShapes)
            let noun = rng.pickModulo(theme.nouns), adjective = rng.pickModulo(SyntheticVocabulary.adjectives)
            let sentence = "the \(noun) is \(adjective)."
            let example: String
            switch shape {
            case "quoted": example = "\"\(sentence)\""
            case "arrow": example = "\(noun) -> \(sentence)"
            default: example = "\(SyntheticVocabulary.capitalized(noun)): \(sentence)"
            }
            return ConstraintSpec(.positiveExample, words: [example], option: shape)
        case .negativeExample:
            let pattern = rng.pickModulo(ConstraintOptions.negativePatterns)
            let noun = rng.pickModulo(theme.nouns), adjective = rng.pickModulo(SyntheticVocabulary.adjectives)
            let example: String
            switch pattern {
            case "repeatedWord": example = "the \(noun) \(noun) is \(adjective)."
            case "doubleExclamation": example = "the \(noun) is \(adjective)!!"
            default: example = "the \(noun.uppercased()) is \(adjective)."
            }
            return ConstraintSpec(.negativeExample, words: [example], option: pattern)
        }
    }

    /// A spec whose satisfaction implies `spec` fails, when the kind has a natural opposite.
    /// Used to revise a constraint into its contradiction, and as a hidden hint so that y2
    /// also fails x1 where possible.
    func negation(of spec: ConstraintSpec, rng: inout Xoshiro256StarStar) -> ConstraintSpec? {
        let w = spec.words
        switch spec.kind {
        case .includeWords: return ConstraintSpec(.excludeWords, words: [w[0]])
        case .excludeWords: return ConstraintSpec(.includeWords, words: [w[0]])
        case .wordFrequency: return ConstraintSpec(.wordFrequency, words: w, number: (spec.number ?? 1) + 1)
        case .value, .emotion, .multilingual, .tableLookup, .textFacts:
            return ConstraintSpec(.excludeWords, words: [w[0]])
        case .wordCountMax: return ConstraintSpec(.wordCountMin, number: (spec.number ?? 0) + 1)
        case .wordCountMin: return (spec.number ?? 0) > 1 ? ConstraintSpec(.wordCountMax, number: (spec.number ?? 0) - 1) : nil
        case .itemCount, .sentenceCount, .sections:
            return ConstraintSpec(spec.kind, number: (spec.number ?? 1) + 1)
        case .rolePlay:
            return ConstraintSpec(.rolePlay, option: rng.pickModulo(SyntheticVocabulary.roles.filter { $0 != spec.option }))
        case .priorCondition:
            let other = SyntheticVocabulary.themes.map(\.name).filter { ($0 == context.theme) != (spec.holds ?? false) }
            return ConstraintSpec(.priorCondition, words: w, option: rng.pickModulo(other), holds: !(spec.holds ?? false))
        case .processSteps, .markdownProcess, .orderWords:
            return ConstraintSpec(spec.kind, words: w.reversed())
        case .tone:
            switch spec.option {
            case "excited": return ConstraintSpec(.tone, option: "calm")
            case "calm", "formal": return ConstraintSpec(.tone, option: "excited")
            default: return ConstraintSpec(.excludeWords, words: ["hey"])
            }
        case .jsonFormat, .tableFormat:
            return ConstraintSpec(.bulletList, option: rng.pickModulo(ConstraintOptions.bulletMarkers))
        case .bulletList:
            return ConstraintSpec(.bulletList, option: spec.option == "-" ? "*" : "-")
        case .numbering:
            return ConstraintSpec(.numbering, option: rng.pickModulo(ConstraintOptions.numberingStyles.filter { $0 != spec.option }))
        case .letterCase:
            return ConstraintSpec(.letterCase, option: spec.option == "lower" ? "upper" : "lower")
        case .oneParagraph:
            return ConstraintSpec(.sections, number: 2)
        case .theme, .noNames, .noDigits, .audience, .askQuestion, .simile, .separatorLine, .firstPerson,
             .futureTense, .citeMarker, .sourceLine, .template, .positiveExample, .negativeExample:
            return nil
        }
    }
}
