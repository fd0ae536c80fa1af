// Which constraints may share an instruction.
//
// Two kinds of incompatibility exist. Structural ones (two output formats, JSON with a role-play
// opening line, a one-paragraph answer with sections, ...) are listed here, pairwise. Budget
// ones (a word limit too small for everything else that must be said, a required word too long
// for children) depend on parameters and are found by the response planner, which reports them
// as infeasible. The instruction builder uses both; the planner also checks this table first.

/// Declarative compatibility rules between constraint specs.
public enum ConstraintCompatibility {
    /// How many constraints of one kind an instruction may hold.
    public static func maximumCount(of kind: ConstraintKind) -> Int {
        switch kind {
        case .includeWords, .excludeWords: return 2
        default: return 1
        }
    }

    /// Whether `a` and `b` can never hold together (independent of other constraints).
    public static func conflict(_ a: ConstraintSpec, _ b: ConstraintSpec) -> Bool {
        oneWay(a, b) || oneWay(b, a)
    }

    static func oneWay(_ a: ConstraintSpec, _ b: ConstraintSpec) -> Bool {
        if a.kind == b.kind {
            // Repeated include/exclude constraints are fine when about different words.
            if maximumCount(of: a.kind) > 1 { return !Set(a.words).isDisjoint(with: b.words) }
            return true
        }
        let bIsLayout = isLayout(b.kind)
        if isLayout(a.kind) && bIsLayout { return true }
        switch a.kind {
        case .includeWords, .wordFrequency:
            return b.kind == .excludeWords && !Set(a.words).isDisjoint(with: b.words)
        case .oneParagraph:
            switch b.kind {
            case .sections, .separatorLine, .sourceLine, .positiveExample, .itemCount: return true
            default: return bIsLayout
            }
        case .itemCount:
            return b.kind == .template || b.kind == .sentenceCount || b.kind == .positiveExample
        case .sentenceCount:
            return bIsLayout
        case .jsonFormat:
            switch b.kind {
            case .letterCase: return b.option == "upper" || b.option == "title"
            case .rolePlay, .sections, .separatorLine, .sourceLine, .positiveExample: return true
            default: return false
            }
        case .tableFormat:
            return b.kind == .sections || b.kind == .separatorLine || b.kind == .positiveExample
        case .positiveExample:
            return bIsLayout
        case .sourceLine:
            return b.kind == .priorCondition
        case .letterCase:
            return b.kind == .negativeExample && a.option == "upper" && b.option == "shouting"
        case .noDigits:
            return (b.kind == .numbering && b.option != "a)") || b.kind == .citeMarker
        default:
            return false
        }
    }

    static func isLayout(_ kind: ConstraintKind) -> Bool {
        switch kind {
        case .jsonFormat, .tableFormat, .bulletList, .numbering, .template: return true
        default: return false
        }
    }

    /// Whether `kind` can appear at all given the instruction's input.
    public static func inputAllows(_ kind: ConstraintKind, input: SyntheticInput?) -> Bool {
        switch kind {
        case .noNames, .textFacts:
            if case .text? = input { return true }
            return false
        case .tableLookup:
            if case .table? = input { return true }
            return false
        default:
            return true
        }
    }

    /// Whether `candidate` may join `existing` (pairwise rules, multiplicity, input).
    public static func canAdd(_ candidate: ConstraintSpec, to existing: [ConstraintSpec], input: SyntheticInput?) -> Bool {
        guard inputAllows(candidate.kind, input: input) else { return false }
        var sameKind = 0
        for spec in existing {
            if spec.kind == candidate.kind { sameKind += 1 }
            if conflict(spec, candidate) { return false }
        }
        return sameKind < maximumCount(of: candidate.kind)
    }

    /// Whether all of `specs` may share one instruction under the declarative rules.
    public static func compatible(_ specs: [ConstraintSpec], input: SyntheticInput?) -> Bool {
        for (i, spec) in specs.enumerated() where !canAdd(spec, to: Array(specs[..<i]), input: input) {
            return false
        }
        return true
    }
}
