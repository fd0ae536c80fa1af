// The words of a planned response: base clauses drawn from the theme, the terminators, and the
// growth applied unit by unit, plus the one-line description of an instruction used in errors.

import Basics

extension ResponsePlanner {
    func describeSpecs() -> String {
        "\(context.task) | " + specs.map { JSONWriter.python.string($0.jsonValue) }.joined(separator: " ")
    }

    /// Chooses the base clause of every unit and the terminators.
    func draft(_ planned: [PlannedUnit], questionIndex: Int, layout: PlannedLayout,
               rng: inout Xoshiro256StarStar) -> [PlannedUnit] {
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

    func baseClause(question: Bool, rng: inout Xoshiro256StarStar) -> ([String], Int?) {
        let verb = rng.pickModulo(SyntheticVocabulary.verbs)
        let noun = rng.pickModulo(nounPool)
        let adjective = rng.pickModulo(adjectivePool)
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
        return rng.pickModulo(options)
    }

    func applyGrowth(_ unit: inout PlannedUnit, rng: inout Xoshiro256StarStar) {
        if unit.growthStage == 0 && unit.adjectiveSlot == nil { unit.growthStage = 1 }
        let used = Set(unit.base)
        switch unit.growthStage {
        case 0:
            let choices = adjectivePool.filter { !used.contains($0) }
            unit.base.insert(rng.pickModulo(choices.isEmpty ? adjectivePool : choices), at: unit.adjectiveSlot!)
            unit.plannedBaseWords += 1
        case 1:
            unit.growth.append(rng.pickModulo(SyntheticVocabulary.growthWords))
        case 2, 3:
            let choices = nounPool.filter { !used.contains($0) && !unit.growth.contains($0) }
            let noun = rng.pickModulo(choices.isEmpty ? nounPool : choices)
            unit.growth += [unit.growthStage == 2 ? "and" : "near", "the", noun]
        default:
            break
        }
        unit.growthStage += 1
    }
}
