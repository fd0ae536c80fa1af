// The reference's regular expressions, each written out as a scanner with Python `re` semantics
// (leftmost, non-overlapping matches; `.` excludes only "\n"; `\s`, `\d`, `\w` Unicode-aware;
// MULTILINE `^` after "\n" only). Writing them out keeps the behaviour identical across platforms
// — NSRegularExpression's `.`, `$` and `\w` differ from Python's — and makes each quirk of the
// reference visible (for example that `[^\*]` in the bullet pattern may swallow a newline).
//
// Where the reference splices an argument into a pattern (keywords, forbidden words, section
// splitter, postscript marker) we match it literally; all such arguments in the IFEval data are
// plain words. The one exception kept is a postscript marker other than "P.S." / "P.P.S", where
// `.` keeps its regex meaning, so that e.g. "P.S" still matches "P-S".

enum IFEvalPatterns {
    // MARK: Keywords

    /// `re.search(keyword, text, re.IGNORECASE)` for a literal keyword.
    static func containsIgnoringCase(_ text: IFEvalScalars, _ needle: IFEvalScalars) -> Bool {
        if needle.isEmpty { return true }
        var i = 0
        while i + needle.count <= text.count {
            if IFEvalPython.matchesIgnoringCase(text, needle, at: i) { return true }
            i += 1
        }
        return false
    }

    /// `len(re.findall(keyword, text, re.IGNORECASE))` for a literal keyword: non-overlapping
    /// occurrences, also inside longer words. An empty keyword matches at every position.
    static func countIgnoringCase(_ text: IFEvalScalars, _ needle: IFEvalScalars) -> Int {
        if needle.isEmpty { return text.count + 1 }
        var count = 0
        var i = 0
        while i + needle.count <= text.count {
            if IFEvalPython.matchesIgnoringCase(text, needle, at: i) {
                count += 1
                i += needle.count
            } else {
                i += 1
            }
        }
        return count
    }

    /// `re.search(r"\b" + word + r"\b", text, re.IGNORECASE)` for a literal word.
    static func containsWordIgnoringCase(_ text: IFEvalScalars, _ word: IFEvalScalars) -> Bool {
        var i = 0
        while i + word.count <= text.count {
            if IFEvalPython.isWordBoundary(text, at: i),
               IFEvalPython.matchesIgnoringCase(text, word, at: i),
               IFEvalPython.isWordBoundary(text, at: i + word.count) {
                return true
            }
            i += 1
        }
        return false
    }

    // MARK: Format

    /// `re.findall(r"\[.*?\]", text)`: brackets closed on the same line.
    static func placeholderCount(_ text: IFEvalScalars) -> Int {
        var count = 0
        var i = 0
        while i < text.count {
            if text[i] == "[" {
                var j = i + 1
                while j < text.count && text[j] != "]" && text[j] != "\n" { j += 1 }
                if j < text.count && text[j] == "]" {
                    count += 1
                    i = j + 1
                    continue
                }
            }
            i += 1
        }
        return count
    }

    /// Counts leftmost non-overlapping matches of a pattern anchored with MULTILINE `^`.
    /// `match(text, start)` returns the end of a match starting at `start`, or nil.
    private static func countLineAnchored(_ text: IFEvalScalars, _ match: (IFEvalScalars, Int) -> Int?) -> Int {
        var count = 0
        var position = 0
        while position <= text.count {
            var found: Int?
            var p = position
            while p <= text.count {
                if p == 0 || text[p - 1] == "\n", let end = match(text, p) {
                    found = end
                    break
                }
                p += 1
            }
            guard let end = found else { break }
            count += 1
            position = max(end, p + 1)
        }
        return count
    }

    /// The end of the current line from `i` (the index of the next "\n", or the text's end).
    private static func lineEnd(_ text: IFEvalScalars, from i: Int) -> Int {
        var j = i
        while j < text.count && text[j] != "\n" { j += 1 }
        return j
    }

    private static func skipSpace(_ text: IFEvalScalars, from i: Int) -> Int {
        var j = i
        while j < text.count && IFEvalPython.isSpace(text[j]) { j += 1 }
        return j
    }

    /// Matches of `^\s*\*[^\*].*$` plus matches of `^\s*-.*$` (both MULTILINE), which is how the
    /// reference counts bullet points.
    static func bulletCount(_ text: IFEvalScalars) -> Int {
        let stars = countLineAnchored(text) { text, start in
            let q = skipSpace(text, from: start)
            guard q + 1 < text.count, text[q] == "*", text[q + 1] != "*" else { return nil }
            return lineEnd(text, from: q + 2)
        }
        let dashes = countLineAnchored(text) { text, start in
            let q = skipSpace(text, from: start)
            guard q < text.count, text[q] == "-" else { return nil }
            return lineEnd(text, from: q + 1)
        }
        return stars + dashes
    }

    /// The reference's highlight count: matches of `\*[^\n\*]*\*` whose inside is not blank, plus
    /// matches of `\*\*[^\n\*]*\*\*` whose inside is not blank (so "**bold**" counts once, through
    /// the second pattern, and "*a*" once, through the first).
    static func highlightCount(_ text: IFEvalScalars) -> Int {
        var count = 0
        var i = 0
        while i < text.count {
            if text[i] == "*" {
                var j = i + 1
                while j < text.count && text[j] != "\n" && text[j] != "*" { j += 1 }
                if j < text.count && text[j] == "*" {
                    if !IFEvalPython.strip(text[(i + 1)..<j]).isEmpty { count += 1 }
                    i = j + 1
                    continue
                }
            }
            i += 1
        }
        i = 0
        while i + 1 < text.count {
            if text[i] == "*" && text[i + 1] == "*" {
                var j = i + 2
                while j < text.count && text[j] != "\n" && text[j] != "*" { j += 1 }
                if j + 1 < text.count && text[j] == "*" && text[j + 1] == "*" {
                    if !IFEvalPython.strip(text[(i + 2)..<j]).isEmpty { count += 1 }
                    i = j + 2
                    continue
                }
            }
            i += 1
        }
        return count
    }

    /// The number of matches of `\s?` + splitter + `\s?\d+\s?`, i.e. `len(re.split(...)) - 1`.
    static func sectionCount(_ text: IFEvalScalars, splitter: IFEvalScalars) -> Int {
        func core(_ start: Int) -> Int? {
            guard IFEvalPython.hasPrefix(text, splitter, at: start) else { return nil }
            var k = start + splitter.count
            if k + 1 < text.count && IFEvalPython.isSpace(text[k]) && IFEvalPython.isDecimal(text[k + 1]) {
                k += 1
            }
            guard k < text.count && IFEvalPython.isDecimal(text[k]) else { return nil }
            while k < text.count && IFEvalPython.isDecimal(text[k]) { k += 1 }
            if k < text.count && IFEvalPython.isSpace(text[k]) { k += 1 }
            return k
        }
        var count = 0
        var i = 0
        while i < text.count {
            if IFEvalPython.isSpace(text[i]), let end = core(i + 1) {
                count += 1
                i = end
            } else if let end = core(i) {
                count += 1
                i = max(end, i + 1)
            } else {
                i += 1
            }
        }
        return count
    }

    /// `re.split(r"\s?\*\*\*\s?", text)`: the pieces between markdown dividers.
    static func splitOnDividers(_ text: IFEvalScalars) -> [IFEvalScalars] {
        func stars(_ k: Int) -> Bool {
            k + 2 < text.count && text[k] == "*" && text[k + 1] == "*" && text[k + 2] == "*"
        }
        var pieces: [IFEvalScalars] = []
        var pieceStart = 0
        var i = 0
        while i < text.count {
            var matchEnd: Int?
            if IFEvalPython.isSpace(text[i]) && stars(i + 1) {
                matchEnd = i + 4
            } else if stars(i) {
                matchEnd = i + 3
            }
            if var end = matchEnd {
                if end < text.count && IFEvalPython.isSpace(text[end]) { end += 1 }
                pieces.append(IFEvalScalars(text[pieceStart..<i]))
                pieceStart = end
                i = end
            } else {
                i += 1
            }
        }
        pieces.append(IFEvalScalars(text[pieceStart...]))
        return pieces
    }

    /// `re.findall(r"<<[^\n]+>>", text)` and the reference's test that some title, with its
    /// angle brackets stripped, is not blank. The match is greedy: it runs to the last ">>" of
    /// the line.
    static func hasTitle(_ text: IFEvalScalars) -> Bool {
        var i = 0
        while i + 1 < text.count {
            if text[i] == "<" && text[i + 1] == "<" {
                let end = lineEnd(text, from: i + 2)
                var closing: Int?
                var j = end - 2
                while j >= i + 3 {
                    if text[j] == ">" && text[j + 1] == ">" {
                        closing = j
                        break
                    }
                    j -= 1
                }
                if let closing {
                    let title = IFEvalScalars(text[i..<(closing + 2)])
                    let inner = IFEvalPython.strip(title, characters: ["<"], leading: true, trailing: false)
                    let stripped = IFEvalPython.strip(inner, characters: [">"], leading: false, trailing: true)
                    if !IFEvalPython.strip(stripped).isEmpty { return true }
                    i = closing + 2
                    continue
                }
            }
            i += 1
        }
        return false
    }

    // MARK: Postscript

    /// The reference's postscript test on the lower-cased response: `\s*p\.\s?p\.\s?s.*$` for
    /// "P.P.S", `\s*p\.\s?s\..*$` for "P.S.", and `\s*<marker>.*$` otherwise; each holds when its
    /// core occurs anywhere.
    static func hasPostscript(_ lowered: IFEvalScalars, marker: String) -> Bool {
        switch marker {
        case "P.P.S": return containsPattern(lowered, pattern: Array("p.~p.~s".unicodeScalars), literalDots: true)
        case "P.S.": return containsPattern(lowered, pattern: Array("p.~s.".unicodeScalars), literalDots: true)
        default: return containsPattern(lowered, pattern: IFEvalPython.lower(marker.unicodeScalars), literalDots: false)
        }
    }

    /// Pattern search where "~" stands for `\s?` (only in the fixed patterns), "." is a literal dot
    /// when `literalDots` and otherwise any character but "\n", and every other character is literal.
    private static func containsPattern(_ text: IFEvalScalars, pattern: IFEvalScalars, literalDots: Bool) -> Bool {
        func match(_ t: Int, _ p: Int) -> Bool {
            if p == pattern.count { return true }
            let symbol = pattern[p]
            if literalDots && symbol == "~" {
                // Greedy `\s?`, with the fallback of matching nothing.
                if t < text.count && IFEvalPython.isSpace(text[t]) && match(t + 1, p + 1) { return true }
                return match(t, p + 1)
            }
            guard t < text.count else { return false }
            if symbol == "." && !literalDots {
                return text[t] != "\n" && match(t + 1, p + 1)
            }
            return text[t] == symbol && match(t + 1, p + 1)
        }
        for start in 0...text.count where match(start, 0) { return true }
        return false
    }
}
