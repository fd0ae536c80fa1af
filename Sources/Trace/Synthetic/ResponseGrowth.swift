// Growing a planned response toward its word-count target: the shape of each unit, the fewest
// words the plan can have, and the growth steps (one word at a time, unit by unit) that reach a
// target without passing the maximum.

extension ResponsePlanner {
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
}
