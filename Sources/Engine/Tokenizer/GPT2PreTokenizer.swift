// GPT-2's pre-tokenizer: the regex of `tokenizers`' ByteLevel pre-tokenizer with `use_regex`
// (GPT-2, SmolLM, StarCoder and most byte-level BPE models outside the Qwen and Llama 3 lines):
//
//   's|'t|'re|'ve|'m|'ll|'d | ?\p{L}+ | ?\p{N}+ | ?[^\s\p{L}\p{N}]+ | \s+(?!\S) | \s+
//
// A hand-written scanner with the regex's semantics (leftmost match, first alternative wins,
// greedy with backtracking), like Qwen2PreTokenizer.swift. At position i:
//
//   1. `'` then s|t|m|d → 2 chars; re|ve|ll → 3 chars. Case-sensitive (no `(?i)` here).
//   2. a letter → the run of letters; U+0020 then a letter → the space and the run.
//   3. the same for numbers.
//   4. the same for "other" characters (not whitespace, letter or number).
//   5. whitespace run → the run, minus its last character when a non-space follows (so that
//      space prefixes the next word), unless that would leave it empty;
//   6. a single whitespace character before a non-space.
//
// SmolLM's tokenizer runs `Digits(individual_digits: true)` before it: every number character is
// a piece of its own and the regex runs on the text between them (`isolatingDigits`).

/// GPT-2's byte-level regex as a scanner, optionally after isolating every digit.
enum GPT2PreTokenizer {
    /// The pattern `tokenizers` applies for ByteLevel with `use_regex: true`.
    static let pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    static let letter = PreTokenizerCharacters.letter
    static let number = PreTokenizerCharacters.number
    static let whitespace = PreTokenizerCharacters.whitespace
    static let space = PreTokenizerCharacters.space
    static let letterNumberOrSpace = letter | number | whitespace

    /// Calls `body` with the byte range of each piece of `text`.
    static func forEachPiece(_ text: PreTokenizerCharacters, isolatingDigits: Bool, _ body: (Range<Int>) -> Void) {
        guard isolatingDigits else {
            scan(text, in: 0..<text.count, body)
            return
        }
        var start = 0
        while start < text.count {
            if text.classes[start] & number != 0 {
                body(text.offsets[start]..<text.offsets[start + 1])
                start += 1
                continue
            }
            var end = start + 1
            while end < text.count, text.classes[end] & number == 0 { end += 1 }
            scan(text, in: start..<end, body)
            start = end
        }
    }

    static func scan(_ text: PreTokenizerCharacters, in range: Range<Int>, _ body: (Range<Int>) -> Void) {
        var start = range.lowerBound
        while start < range.upperBound {
            let next = matchEnd(at: start, end: range.upperBound, in: text)
            body(text.offsets[start]..<text.offsets[next])
            start = next
        }
    }

    /// End (exclusive, in characters) of the match starting at `i`, within characters `..<count`.
    static func matchEnd(at i: Int, end count: Int, in text: PreTokenizerCharacters) -> Int {
        let classes = text.classes, values = text.values
        let here = classes[i]

        // 1. Contractions, lower case only.
        if values[i] == UInt32(UInt8(ascii: "'")), i + 1 < count {
            switch values[i + 1] {
            case UInt32(UInt8(ascii: "s")), UInt32(UInt8(ascii: "t")), UInt32(UInt8(ascii: "m")), UInt32(UInt8(ascii: "d")):
                return i + 2
            case UInt32(UInt8(ascii: "r")), UInt32(UInt8(ascii: "v")):
                if i + 2 < count, values[i + 2] == UInt32(UInt8(ascii: "e")) { return i + 3 }
            case UInt32(UInt8(ascii: "l")):
                if i + 2 < count, values[i + 2] == UInt32(UInt8(ascii: "l")) { return i + 3 }
            default:
                break
            }
        }

        // 2.–4. An optional U+0020, then a run of letters, of numbers, or of "other" characters.
        let first = here & space != 0 && i + 1 < count ? i + 1 : i
        let kind = classes[first] & letterNumberOrSpace
        if first == i || kind != whitespace {
            if kind & letter != 0 { return text.endOfRun(from: first + 1, end: count, mask: letter) }
            if kind & number != 0 { return text.endOfRun(from: first + 1, end: count, mask: number) }
            if kind == 0 {
                var end = first + 1
                while end < count, classes[end] & letterNumberOrSpace == 0 { end += 1 }
                return end
            }
        }

        // 5.–6. Whitespace.
        let runEnd = text.endOfRun(from: i + 1, end: count, mask: whitespace)
        if runEnd == count { return runEnd }
        if runEnd - i >= 2 { return runEnd - 1 }
        return runEnd
    }
}
