// Qwen2's pre-tokenizer: the text is cut into pieces by the regular expression in Qwen2's
// tokenizer.json before BPE sees it, so no merge ever crosses a piece boundary.
//
//   (?i:'s|'t|'re|'ve|'m|'ll|'d) | [^\r\n\p{L}\p{N}]?\p{L}+ | \p{N} | ?[^\s\p{L}\p{N}]+[\r\n]*
//   | \s*[\r\n]+ | \s+(?!\S) | \s+
//
// This is a hand-written scanner with the regex's exact semantics (leftmost match, first
// alternative that matches wins, greedy quantifiers with backtracking), as Oniguruma executes it
// inside Hugging Face `tokenizers`. It is several times faster than a general regex engine. Every
// character starts a match (letters, numbers, whitespace and "other" are all covered), so the
// pieces tile the text. What each alternative matches at position i, worked out once:
//
//   1. `'` then s|t|m|d (any case, and ſ which case-folds to s) → 2 chars; re|ve|ll → 3 chars.
//   2. one char that is not \r, \n, a letter or a number, followed by a letter → it plus the run
//      of letters; or, at a letter, the run of letters.
//   3. a number → that single character.
//   4. an optional U+0020 then a run of "other" characters (not whitespace, letter or number),
//      then any run of \r/\n.
//   5. whitespace run containing \r or \n → up to and including its last \r/\n.
//   6. whitespace run → the run, minus its last character when a non-space follows (so the last
//      space can prefix the next word), unless that would leave it empty.
//   7. the single whitespace character left over by 6.
//
// Character classes follow Unicode: \p{L} is general category L*, \p{N} is N*, \s is the
// White_Space property (the set Oniguruma uses), checked against `tokenizers` directly.

// Llama 3's regex is the same but for `\p{N}{1,3}` (up to three numbers in a piece), so the one
// scanner serves both, with the longest number run as a parameter.

/// The Qwen2 (and Llama 3) pre-tokenization regex, implemented as a scanner.
public enum Qwen2PreTokenizer {
    /// The pattern as it appears in Qwen2's tokenizer.json (`pre_tokenizer.pretokenizers[0]`).
    public static let pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// Llama 3's pattern (tokenizer.json of Llama 3.x; GGUF pre-tokenizer `llama-bpe`).
    public static let llama3Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The pieces of `text`, in order; their concatenation is `text`.
    public static func split(_ text: String) -> [String] { PreTokenizer.qwen2.split(text) }

    // The class bits, by the short names the scanner uses.
    static let letter = PreTokenizerCharacters.letter
    static let number = PreTokenizerCharacters.number
    static let whitespace = PreTokenizerCharacters.whitespace
    static let newline = PreTokenizerCharacters.newline
    static let space = PreTokenizerCharacters.space
    static let apostrophe = PreTokenizerCharacters.apostrophe
    static func characterClass(_ value: UInt32) -> UInt8 { PreTokenizerCharacters.characterClass(value) }

    /// Calls `body` with the byte range of each piece of the characters `range` of `text`.
    static func forEachPiece(_ text: PreTokenizerCharacters, in range: Range<Int>, maxDigits: Int, _ body: (Range<Int>) -> Void) {
        var start = range.lowerBound
        while start < range.upperBound {
            let next = matchEnd(at: start, end: range.upperBound, in: text, maxDigits: maxDigits)
            body(text.offsets[start]..<text.offsets[next])
            start = next
        }
    }

    /// End (exclusive, in characters) of the match starting at `i`.
    @inline(__always)
    static func matchEnd(at i: Int, end count: Int, in text: PreTokenizerCharacters, maxDigits: Int) -> Int {
        let classes = text.classes, values = text.values
        let here = classes[i]

        // 1. Contractions, case-insensitive.
        if here & apostrophe != 0, i + 1 < count {
            switch PreTokenizerCharacters.foldedASCII(values[i + 1]) {
            case UInt32(UInt8(ascii: "s")), UInt32(UInt8(ascii: "t")), UInt32(UInt8(ascii: "m")), UInt32(UInt8(ascii: "d")):
                return i + 2
            case UInt32(UInt8(ascii: "r")), UInt32(UInt8(ascii: "v")):
                if i + 2 < count, PreTokenizerCharacters.foldedASCII(values[i + 2]) == UInt32(UInt8(ascii: "e")) { return i + 3 }
            case UInt32(UInt8(ascii: "l")):
                if i + 2 < count, PreTokenizerCharacters.foldedASCII(values[i + 2]) == UInt32(UInt8(ascii: "l")) { return i + 3 }
            default:
                break
            }
        }

        // 2. Optional non-letter/number/newline prefix, then letters.
        if here & letter != 0 {
            return text.endOfRun(from: i + 1, end: count, mask: letter)
        }
        if here & (number | newline) == 0, i + 1 < count, classes[i + 1] & letter != 0 {
            return text.endOfRun(from: i + 2, end: count, mask: letter)
        }

        // 3. One number (Qwen2), or up to `maxDigits` of them (Llama 3's \p{N}{1,3}).
        if here & number != 0 { return text.endOfRun(from: i + 1, end: min(count, i + maxDigits), mask: number) }

        // 4. Optional space, "other" characters, trailing newlines.
        let otherStart = here & space != 0 ? i + 1 : i
        if otherStart < count, classes[otherStart] & (letter | number | whitespace) == 0 {
            var end = otherStart + 1
            while end < count, classes[end] & (letter | number | whitespace) == 0 { end += 1 }
            while end < count, classes[end] & newline != 0 { end += 1 }
            return end
        }

        // Only whitespace is left (every other class matched above).
        let runEnd = text.endOfRun(from: i + 1, end: count, mask: whitespace)
        // 5. Up to the last newline of the run.
        var last = runEnd - 1
        while last >= i {
            if classes[last] & newline != 0 { return last + 1 }
            last -= 1
        }
        // 6. The run, leaving its last character to the next piece when a non-space follows.
        if runEnd == count { return runEnd }
        if runEnd - i >= 2 { return runEnd - 1 }
        // 7. A single whitespace character.
        return runEnd
    }
}
