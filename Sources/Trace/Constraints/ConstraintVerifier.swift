// The verifier of every constraint kind: a pure function of the response text.
// ResponseAnalysis.swift defines words, sentences, lines and list items.

extension ConstraintSpec {
    /// Whether `response` satisfies this constraint.
    public func verify(response: String) -> Bool {
        verify(ResponseAnalysis(response))
    }

    /// Whether the analysed response satisfies this constraint.
    public func verify(_ r: ResponseAnalysis) -> Bool {
        switch kind {
        case .includeWords:
            return words.allSatisfy { r.contains(word: $0) }
        case .excludeWords:
            return !words.contains { r.contains(word: $0) }
        case .wordFrequency:
            return r.count(of: words[0]) == (number ?? 0)
        case .theme:
            return r.distinctCount(of: words) >= (number ?? 1)
        case .value, .emotion, .multilingual, .tableLookup:
            return r.contains(word: words[0])
        case .textFacts:
            return words.allSatisfy { r.contains(word: $0) }
        case .noNames:
            return !words.contains { r.contains(word: $0) }
        case .noDigits:
            return !r.hasDigit
        case .wordCountMax:
            return r.wordCount <= (number ?? 0)
        case .wordCountMin:
            return r.wordCount >= (number ?? Int.max)
        case .itemCount:
            return r.itemCount == number
        case .sentenceCount:
            return r.sentenceRanges.count == number
        case .rolePlay:
            guard let first = r.nonEmptyLines.first, let role = option?.lowercased() else { return false }
            let line = first.lowercased()
            return line.hasPrefix("as a \(role),") || line.hasPrefix("as an \(role),")
        case .audience:
            switch option {
            case "children":
                let limit = number ?? 0
                return !r.words.isEmpty && r.words.allSatisfy { $0.count <= limit }
            case "experts":
                return r.distinctCount(of: words) >= (number ?? 1)
            case "beginners":
                let limit = number ?? 0
                return !r.sentenceRanges.isEmpty && r.sentenceRanges.allSatisfy { $0.count <= limit }
            default:
                return false
            }
        case .priorCondition:
            let expected = (holds ?? false) ? words[0] : words[1]
            return r.words.last == expected.lowercased()
        case .processSteps, .orderWords:
            return appearInOrder(words, in: r.words)
        case .markdownProcess:
            let lowered = r.text.lowercased()
            return appearInOrder(words, in: r.words)
                && words.allSatisfy { lowered.contains("**\($0.lowercased())**") }
        case .tone:
            switch option {
            case "excited": return r.exclamationCount >= 1
            case "calm": return r.exclamationCount == 0
            case "formal": return r.exclamationCount == 0 && r.contains(word: "please")
            case "casual": return r.contains(word: "hey")
            default: return false
            }
        case .askQuestion:
            return r.hasQuestionMark
        case .simile:
            return ConstraintSpec.containsSimile(r.text)
        case .jsonFormat:
            guard case .object(let members)? = r.json, members.count == 1, members[0].key == words[0],
                  case .array(let elements) = members[0].value, !elements.isEmpty else { return false }
            return elements.allSatisfy { $0.stringValue != nil }
        case .tableFormat:
            return verifyTable(r)
        case .bulletList:
            let items = r.listItems
            return items.count >= 2 && items.allSatisfy { $0.style == option }
        case .numbering:
            let items = r.listItems
            guard items.count >= 2, items.allSatisfy({ $0.style == option }) else { return false }
            return items.enumerated().allSatisfy { $0.element.ordinal == $0.offset + 1 }
        case .letterCase:
            switch option {
            case "lower": return !r.hasUppercaseLetter && r.hasLowercaseLetter
            case "upper": return !r.hasLowercaseLetter && r.hasUppercaseLetter
            case "title": return r.everyWordCapitalized
            default: return false
            }
        case .separatorLine:
            return r.nonEmptyLines.contains(option ?? "")
        case .oneParagraph:
            return !r.words.isEmpty && !r.text.trimmingSpaces(includingNewlines: true).contains("\n")
        case .firstPerson:
            let pronouns = ["i", "we", "my", "our", "me", "us"]
            return !r.sentenceRanges.isEmpty && r.sentences.allSatisfy { sentence in sentence.contains { pronouns.contains($0) } }
        case .futureTense:
            return !r.sentenceRanges.isEmpty && r.sentences.allSatisfy { $0.contains("will") }
        case .citeMarker:
            return r.text.contains(option ?? "[1]")
        case .sourceLine:
            guard let last = r.nonEmptyLines.last?.lowercased(), last.hasPrefix("source:") else { return false }
            return last.dropFirst("source:".count).contains { $0.isLetter }
        case .sections:
            return verifySections(r)
        case .template:
            var searchFrom = 0
            let lines = r.nonEmptyLines.map { $0.lowercased() }
            for label in words {
                let prefix = label.lowercased() + ":"
                guard let found = lines[searchFrom...].firstIndex(where: {
                    $0.hasPrefix(prefix) && $0.dropFirst(prefix.count).contains { $0.isLetter }
                }) else { return false }
                searchFrom = found + 1
            }
            return true
        case .positiveExample:
            let shaped = r.nonEmptyLines.filter { ConstraintSpec.line($0, hasShape: option ?? "") }
            return shaped.count >= 2
        case .negativeExample:
            switch option {
            case "repeatedWord": return !r.hasAdjacentRepeatedWord
            case "doubleExclamation": return !r.text.contains("!!")
            case "shouting": return !r.hasAllCapitalsWord
            default: return false
            }
        }
    }

    /// Whether the text has "like a" or "like an" as words separated by spaces only.
    static func containsSimile(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func isLetter(_ i: Int) -> Bool {
            guard i >= 0 && i < bytes.count else { return false }
            let b = bytes[i] | 0x20
            return b >= 97 && b <= 122
        }
        func matches(_ i: Int, _ word: String) -> Bool {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count else { return false }
            for k in 0..<w.count where bytes[i + k] | 0x20 != w[k] { return false }
            return true
        }
        var i = 0
        while i + 4 <= bytes.count {
            if matches(i, "like"), !isLetter(i - 1), i + 4 < bytes.count, bytes[i + 4] == 0x20 {
                var j = i + 4
                while j < bytes.count, bytes[j] == 0x20 { j += 1 }
                if matches(j, "an"), !isLetter(j + 2) { return true }
                if matches(j, "a"), !isLetter(j + 1) { return true }
            }
            i += 1
        }
        return false
    }

    /// Whether the first occurrences of `sequence` appear in order (all must be present).
    func appearInOrder(_ sequence: [String], in words: [String]) -> Bool {
        var previous = -1
        for word in sequence {
            guard let index = words.firstIndex(of: word.lowercased()), index > previous else { return false }
            previous = index
        }
        return true
    }

    /// A header row whose cells are the two column names, then a separator row, then at least
    /// one data row of two non-empty cells; every table row after the header has two cells.
    func verifyTable(_ r: ResponseAnalysis) -> Bool {
        let rows = r.tableRows
        guard rows.count >= 3, rows[0].map({ $0.lowercased() }) == words.map({ $0.lowercased() }),
              rows[1].count == 2, ResponseAnalysis.isSeparatorRow(rows[1]) else { return false }
        let data = rows.dropFirst(2)
        return data.allSatisfy { $0.count == 2 && !$0[0].isEmpty && !$0[1].isEmpty }
    }

    /// Exactly `number` header lines starting with "## ", each followed by at least one
    /// non-header line before the next header or the end.
    func verifySections(_ r: ResponseAnalysis) -> Bool {
        var headers = 0
        var currentHasBody = true
        for line in r.nonEmptyLines {
            if line.hasPrefix("## "), line.dropFirst(3).contains(where: { $0.isLetter }) {
                if !currentHasBody { return false }
                headers += 1
                currentHasBody = false
            } else {
                currentHasBody = true
            }
        }
        return headers == number && currentHasBody
    }

    /// The line shapes of positive examples: `"..."` (quoted), `word -> text` (arrow),
    /// `Word: text` (keyValue).
    static func line(_ line: String, hasShape shape: String) -> Bool {
        switch shape {
        case "quoted":
            return line.count >= 3 && line.hasPrefix("\"") && line.hasSuffix("\"")
        case "arrow", "keyValue":
            let separator = shape == "arrow" ? " -> " : ": "
            guard let range = line.range(of: separator) else { return false }
            let head = line[..<range.lowerBound]
            let tail = line[range.upperBound...]
            return !head.isEmpty && head.allSatisfy { $0.isASCII && $0.isLetter } && tail.contains { $0.isLetter }
        default:
            return false
        }
    }
}
