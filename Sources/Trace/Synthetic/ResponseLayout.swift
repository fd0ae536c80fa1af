// How many units a response has and where carriers go: the layout (constrained or drawn), the
// words each unit spends on its layout, the fixed or minimum unit count, and the placement of
// carriers so that ordered sequences stay in order and a required last word ends the response.

import Basics

extension ResponsePlanner {
    /// The layout to use: the constrained one, or a default drawn with `rng`.
    func chooseLayout(_ rng: inout Xoshiro256StarStar) -> PlannedLayout {
        if let layout { return layout }
        if itemCount != nil {
            var options: [PlannedLayout] = [.bullets("-"), .bullets("*")]
            if !noDigits { options += [.numbered("1."), .numbered("1)")] }
            return rng.pickModulo(options)
        }
        if oneParagraph || sentenceCount != nil || shape != nil { return .prose }
        return rng.chance(0.7) ? .prose : .bullets(rng.pickModulo(ConstraintOptions.bulletMarkers))
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
}
