// The text facts every verifier reads, computed once per response.
//
// Definitions (the verifiers' contract, also what the response generator aims at):
// - word: a maximal run of ASCII letters A-Z/a-z; compared lowercased. Digits are not words.
// - line: text between "\n"; blank lines are ignored where "non-empty lines" are used.
// - sentence: the words since the previous terminator or line start, closed by a run of
//   `.`, `!` or `?`; text left unterminated at a line end is not a sentence (headers, table
//   headers); a "sentence" without words (the "1." of a numbered item) does not count.
// - list item line: a line starting (after spaces) with `- `, `* `, `• `, `N. `, `N) `, `(N) `
//   or a single letter followed by `) `.

import Basics

/// Precomputed words, lines, sentences and list items of a response.
public struct ResponseAnalysis: Sendable {
    public let text: String
    /// Words in order, lowercased.
    public let words: [String]
    /// The words of each sentence, as ranges of `words`.
    public let sentenceRanges: [Range<Int>]
    /// Lines with surrounding spaces trimmed, blank lines removed.
    public let nonEmptyLines: [String]
    /// Whether some word directly follows an identical word (case-insensitive) with only
    /// spaces or tabs between them.
    public let hasAdjacentRepeatedWord: Bool
    public let exclamationCount: Int
    public let hasQuestionMark: Bool
    public let hasDigit: Bool
    public let hasUppercaseLetter: Bool
    public let hasLowercaseLetter: Bool
    /// Whether every word starts with a capital letter (false when there are no words).
    public let everyWordCapitalized: Bool
    /// Whether some word of two or more letters is written entirely in capitals.
    public let hasAllCapitalsWord: Bool

    public init(_ text: String) {
        self.text = text
        var scan = Scanner()
        var copy = text
        copy.withUTF8 { scan.run($0) }
        words = scan.words
        sentenceRanges = scan.sentenceRanges
        nonEmptyLines = scan.lines
        hasAdjacentRepeatedWord = scan.adjacentRepeat
        exclamationCount = scan.exclamations
        hasQuestionMark = scan.question
        hasDigit = scan.digit
        hasUppercaseLetter = scan.upper
        hasLowercaseLetter = scan.lower
        everyWordCapitalized = !scan.words.isEmpty && scan.everyWordCapitalized
        hasAllCapitalsWord = scan.allCapitalsWord
    }

    /// One pass over the UTF-8 bytes collecting everything above.
    struct Scanner {
        var words: [String] = []
        var sentenceRanges: [Range<Int>] = []
        var lines: [String] = []
        var adjacentRepeat = false
        var exclamations = 0
        var question = false
        var digit = false
        var upper = false
        var lower = false
        var everyWordCapitalized = true
        var allCapitalsWord = false

        mutating func run(_ bytes: UnsafeBufferPointer<UInt8>) {
            var sentenceStart = 0
            var onlySpacesSincePreviousWord = false
            var wordStart = -1
            var wordUppercase = 0
            var lineStart = 0
            var lowered: [UInt8] = []

            func flushLine(_ end: Int) {
                var a = lineStart, b = end
                while a < b, bytes[a] == 0x20 || bytes[a] == 0x09 || bytes[a] == 0x0D { a += 1 }
                while b > a, bytes[b - 1] == 0x20 || bytes[b - 1] == 0x09 || bytes[b - 1] == 0x0D { b -= 1 }
                if a < b { lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[a..<b]), as: UTF8.self)) }
            }

            var i = 0
            let count = bytes.count
            while i <= count {
                let b: UInt8 = i < count ? bytes[i] : 0x0A
                let isUpper = b >= 65 && b <= 90
                let isLower = b >= 97 && b <= 122
                if isUpper || isLower {
                    if wordStart < 0 {
                        wordStart = i
                        wordUppercase = 0
                        if !isUpper { everyWordCapitalized = false }
                    }
                    if isUpper { upper = true; wordUppercase += 1 } else { lower = true }
                    i += 1
                    continue
                }
                if wordStart >= 0 {
                    let length = i - wordStart
                    lowered.removeAll(keepingCapacity: true)
                    for k in wordStart..<i { lowered.append(bytes[k] | 0x20) }
                    let word = String(decoding: lowered, as: UTF8.self)
                    if length >= 2 && wordUppercase == length { allCapitalsWord = true }
                    if onlySpacesSincePreviousWord, let previous = words.last, previous == word { adjacentRepeat = true }
                    words.append(word)
                    wordStart = -1
                    onlySpacesSincePreviousWord = true
                }
                switch b {
                case 0x20, 0x09:
                    break
                case UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "?"):
                    if b == UInt8(ascii: "!") { exclamations += 1 }
                    if b == UInt8(ascii: "?") { question = true }
                    if words.count > sentenceStart { sentenceRanges.append(sentenceStart..<words.count) }
                    sentenceStart = words.count
                    onlySpacesSincePreviousWord = false
                case 0x0A:
                    // Text left unterminated at a line end is not a sentence.
                    sentenceStart = words.count
                    onlySpacesSincePreviousWord = false
                    flushLine(min(i, count))
                    lineStart = i + 1
                default:
                    if b >= 48 && b <= 57 { digit = true }
                    onlySpacesSincePreviousWord = false
                }
                i += 1
            }
        }
    }

    /// The words of each sentence, lowercased.
    public var sentences: [ArraySlice<String>] { sentenceRanges.map { words[$0] } }

    /// The set of words, lowercased.
    public var wordSet: Set<String> { Set(words) }

    public var wordCount: Int { words.count }

    /// How often `word` occurs (case-insensitive).
    public func count(of word: String) -> Int {
        let w = word.lowercased()
        return words.reduce(0) { $0 + ($1 == w ? 1 : 0) }
    }

    public func contains(word: String) -> Bool {
        let w = word.lowercased()
        return words.contains(w)
    }

    /// How many distinct words of `candidates` occur.
    public func distinctCount(of candidates: [String]) -> Int {
        Set(candidates.map { $0.lowercased() }).reduce(0) { $0 + (words.contains($1) ? 1 : 0) }
    }

    /// The markers of list item lines, in order.
    public var listItems: [ListMarker] { nonEmptyLines.compactMap(ListMarker.init(line:)) }

    /// Lines that belong to a Markdown table (start with `|`), split into trimmed cells.
    public var tableRows: [[String]] {
        nonEmptyLines.filter { $0.hasPrefix("|") }.map(ResponseAnalysis.cells(of:))
    }

    static func cells(of line: String) -> [String] {
        var body = Substring(line)
        if body.hasPrefix("|") { body = body.dropFirst() }
        if body.hasSuffix("|") { body = body.dropLast() }
        return body.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
    }

    /// The response parsed as JSON when the whole (trimmed) text is one JSON value.
    public var json: JSONValue? {
        let trimmed = text.trimmingSpaces(includingNewlines: true)
        guard trimmed.hasPrefix("{") || trimmed.hasPrefix("[") else { return nil }
        return try? JSONParser.parse(trimmed)
    }

    /// The number of items the response lists: the elements of the first array member when the
    /// response is a JSON object, else the data rows of its table when it has one (rows after
    /// the header, separator rows excluded), else its list item lines.
    public var itemCount: Int {
        if case .object(let members)? = json {
            for member in members {
                if case .array(let elements) = member.value { return elements.count }
            }
            return 0
        }
        let rows = tableRows
        if !rows.isEmpty {
            return rows.dropFirst().filter { !ResponseAnalysis.isSeparatorRow($0) }.count
        }
        return listItems.count
    }

    static func isSeparatorRow(_ cells: [String]) -> Bool {
        !cells.isEmpty && cells.allSatisfy { cell in
            var c = Substring(cell)
            if c.hasPrefix(":") { c = c.dropFirst() }
            if c.hasSuffix(":") { c = c.dropLast() }
            return c.count >= 3 && c.allSatisfy { $0 == "-" }
        }
    }
}

/// The marker that starts a list item line.
public enum ListMarker: Sendable, Hashable {
    case bullet(Character)
    /// `N.`, `N)` or `(N)`; style is "1.", "1)" or "(1)".
    case number(Int, style: String)
    /// A single letter and `)`, lowercased; style "a)".
    case letter(Character)

    public init?(line: String) {
        let chars = Array(line.drop(while: { $0 == " " || $0 == "\t" }))
        guard chars.count >= 2 else { return nil }
        if "-*•".contains(chars[0]), chars[1] == " " {
            self = .bullet(chars[0])
            return
        }
        if chars[0] == "(" {
            var i = 1
            while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 }
            guard i > 1, i + 1 < chars.count, chars[i] == ")", chars[i + 1] == " ",
                  let n = Int(String(chars[1..<i])) else { return nil }
            self = .number(n, style: "(1)")
            return
        }
        if chars[0].isASCII, chars[0].isNumber {
            var i = 0
            while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 }
            guard i + 1 < chars.count, chars[i] == "." || chars[i] == ")", chars[i + 1] == " ",
                  let n = Int(String(chars[0..<i])) else { return nil }
            self = .number(n, style: chars[i] == "." ? "1." : "1)")
            return
        }
        if chars[0].isASCII, chars[0].isLetter, chars.count >= 3, chars[1] == ")", chars[2] == " " {
            self = .letter(Character(chars[0].lowercased()))
            return
        }
        return nil
    }

    public var style: String {
        switch self {
        case .bullet(let c): return String(c)
        case .number(_, let style): return style
        case .letter: return "a)"
        }
    }

    /// 1-based position the marker names (bullets have none).
    public var ordinal: Int? {
        switch self {
        case .bullet: return nil
        case .number(let n, _): return n
        case .letter(let c): return Int(c.asciiValue ?? 0) - 96
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (and newlines/CR when asked).
    func trimmingSpaces(includingNewlines: Bool = false) -> String {
        func isSpace(_ c: Character) -> Bool {
            c == " " || c == "\t" || c == "\r" || (includingNewlines && c == "\n")
        }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }
}
