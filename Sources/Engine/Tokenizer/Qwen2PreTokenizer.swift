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

/// The Qwen2 pre-tokenization regex, implemented as a scanner.
public enum Qwen2PreTokenizer {
    /// The pattern as it appears in Qwen2's tokenizer.json (`pre_tokenizer.pretokenizers[0]`).
    public static let pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The pieces of `text`, in order; their concatenation is `text`.
    public static func split(_ text: String) -> [String] {
        var pieces: [String] = []
        var utf8 = Array(text.utf8)
        utf8.withUnsafeMutableBufferPointer { buffer in
            let bytes = UnsafeBufferPointer(buffer)
            forEachPiece(bytes) { range in
                pieces.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
            }
        }
        return pieces
    }

    // Class bits of one character.
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let whitespace: UInt8 = 4
    static let newline: UInt8 = 8      // \r or \n (also whitespace)
    static let space: UInt8 = 16       // U+0020 (also whitespace)
    static let apostrophe: UInt8 = 32  // ' (an "other" character)

    /// Calls `body` with the UTF-8 byte range of each piece of valid UTF-8 `bytes`, in order.
    static func forEachPiece(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        if bytes.isEmpty { return }
        // Decode once into per-character arrays: class bits, scalar value, byte offset.
        var classes: [UInt8] = []
        var values: [UInt32] = []
        var offsets: [Int] = []
        classes.reserveCapacity(bytes.count)
        values.reserveCapacity(bytes.count)
        offsets.reserveCapacity(bytes.count + 1)
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let value: UInt32
            let length: Int
            if lead < 0x80 {
                value = UInt32(lead); length = 1
            } else if lead < 0xE0 {
                value = (UInt32(lead & 0x1F) << 6) | UInt32(bytes[index + 1] & 0x3F); length = 2
            } else if lead < 0xF0 {
                value = (UInt32(lead & 0x0F) << 12) | (UInt32(bytes[index + 1] & 0x3F) << 6) | UInt32(bytes[index + 2] & 0x3F); length = 3
            } else {
                value = (UInt32(lead & 0x07) << 18) | (UInt32(bytes[index + 1] & 0x3F) << 12)
                    | (UInt32(bytes[index + 2] & 0x3F) << 6) | UInt32(bytes[index + 3] & 0x3F); length = 4
            }
            classes.append(characterClass(value))
            values.append(value)
            offsets.append(index)
            index += length
        }
        offsets.append(bytes.count)

        let count = classes.count
        var start = 0
        while start < count {
            let end = matchEnd(at: start, classes: classes, values: values)
            body(offsets[start]..<offsets[end])
            start = end
        }
    }

    /// End (exclusive, in characters) of the match starting at `i`.
    @inline(__always)
    static func matchEnd(at i: Int, classes: [UInt8], values: [UInt32]) -> Int {
        let count = classes.count
        let here = classes[i]

        // 1. Contractions, case-insensitive.
        if here & apostrophe != 0, i + 1 < count {
            switch foldedASCII(values[i + 1]) {
            case UInt32(UInt8(ascii: "s")), UInt32(UInt8(ascii: "t")), UInt32(UInt8(ascii: "m")), UInt32(UInt8(ascii: "d")):
                return i + 2
            case UInt32(UInt8(ascii: "r")), UInt32(UInt8(ascii: "v")):
                if i + 2 < count, foldedASCII(values[i + 2]) == UInt32(UInt8(ascii: "e")) { return i + 3 }
            case UInt32(UInt8(ascii: "l")):
                if i + 2 < count, foldedASCII(values[i + 2]) == UInt32(UInt8(ascii: "l")) { return i + 3 }
            default:
                break
            }
        }

        // 2. Optional non-letter/number/newline prefix, then letters.
        if here & letter != 0 {
            return endOfRun(from: i + 1, classes: classes, mask: letter)
        }
        if here & (number | newline) == 0, i + 1 < count, classes[i + 1] & letter != 0 {
            return endOfRun(from: i + 2, classes: classes, mask: letter)
        }

        // 3. A single number.
        if here & number != 0 { return i + 1 }

        // 4. Optional space, "other" characters, trailing newlines.
        let otherStart = here & space != 0 ? i + 1 : i
        if otherStart < count, classes[otherStart] & (letter | number | whitespace) == 0 {
            var end = otherStart + 1
            while end < count, classes[end] & (letter | number | whitespace) == 0 { end += 1 }
            while end < count, classes[end] & newline != 0 { end += 1 }
            return end
        }

        // Only whitespace is left (every other class matched above).
        let runEnd = endOfRun(from: i + 1, classes: classes, mask: whitespace)
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

    @inline(__always)
    static func endOfRun(from start: Int, classes: [UInt8], mask: UInt8) -> Int {
        var end = start
        while end < classes.count, classes[end] & mask != 0 { end += 1 }
        return end
    }

    /// ASCII letters lowered; U+017F (ſ) folds to "s" as under Unicode case folding, which is how
    /// Oniguruma evaluates `(?i:'s)`. Other characters are returned unchanged.
    @inline(__always)
    static func foldedASCII(_ value: UInt32) -> UInt32 {
        if value >= 0x41 && value <= 0x5A { return value + 0x20 }
        if value == 0x17F { return UInt32(UInt8(ascii: "s")) }
        return value
    }

    /// Class bits for the ASCII range, then a lazily built table for the rest of the BMP, then
    /// a direct property lookup for the astral planes.
    @inline(__always)
    static func characterClass(_ value: UInt32) -> UInt8 {
        if value < 0x10000 { return basicPlaneClasses[Int(value)] }
        return computeClass(value)
    }

    static let basicPlaneClasses: [UInt8] = (0..<0x10000).map { computeClass(UInt32($0)) }

    static func computeClass(_ value: UInt32) -> UInt8 {
        switch value {
        case 0x0A, 0x0D: return whitespace | newline
        case 0x20: return whitespace | space
        case 0x09, 0x0B, 0x0C, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return whitespace
        case 0x27: return apostrophe
        default: break
        }
        // Surrogate code points never occur in a Swift string; they classify as "other".
        guard let scalar = Unicode.Scalar(value) else { return 0 }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return number
        default:
            return 0
        }
    }
}
