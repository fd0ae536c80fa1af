// What a response must do, gathered from the specs before anything is drawn: layout, sections,
// word limits, required and forbidden words, and the carriers (short phrases) that bring
// required words into units. An impossible combination is recorded as the reason no
// response exists (`fail`), never thrown: the builder skips such instructions.

extension ResponsePlanner {
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
}
