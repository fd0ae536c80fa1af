// Python `str` and `re` character semantics that the IFEval reference relies on.
//
// The reference checkers are Python: they index strings by code point, use `str.strip`, `str.lower`,
// `str.isupper`, and regular expressions whose `\s`, `\w`, `\d` and `\b` are Unicode-aware. Swift's
// `String` works on grapheme clusters (so "\r\n" is one Character and splitting on "\n" would miss
// it), which is why every checker here works on arrays of Unicode scalars with the helpers below.
// Deviations that remain: `lower` applies each scalar's full lowercase mapping but not Greek
// final-sigma context, and the Unicode tables are Swift's, which may be a version apart from
// the Python build the reference ran on.

/// Text as Python sees it: a sequence of code points.
typealias IFEvalScalars = [Unicode.Scalar]

enum IFEvalPython {
    /// `str.isspace()` / `re` `\s`: the Unicode White_Space property plus U+001C...U+001F, which
    /// Python counts as whitespace because of their bidirectional class.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 {
            switch scalar.value {
            case 0x09...0x0D, 0x1C...0x20: return true
            default: return false
            }
        }
        return scalar.properties.isWhitespace
    }

    /// `re` `\d` for str patterns: general category Nd.
    static func isDecimal(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value >= 0x30 && scalar.value <= 0x39 }
        return scalar.properties.generalCategory == .decimalNumber
    }

    /// `str.isalpha()` for one code point: general category Lu, Ll, Lt, Lm or Lo.
    static func isAlpha(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 {
            let v = scalar.value
            return (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `re` `\w` for str patterns: `str.isalnum()` (alphabetic or any numeric type) or underscore.
    /// Combining marks are not word characters in Python, so "हिंदी" is several `\w+` runs.
    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 {
            let v = scalar.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
        }
        return isAlpha(scalar) || scalar.properties.numericType != nil
    }

    /// The Unicode Uppercase property, which CPython uses for per-character `isupper`.
    static func isUpperCased(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value >= 0x41 && scalar.value <= 0x5A }
        return scalar.properties.isUppercase
    }

    /// The Unicode Lowercase property, which CPython uses for per-character `islower`.
    static func isLowerCased(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value >= 0x61 && scalar.value <= 0x7A }
        return scalar.properties.isLowercase
    }

    static func isTitleCased(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x80 && scalar.properties.generalCategory == .titlecaseLetter
    }

    /// `str.isupper()`: at least one cased character and no lowercase or titlecase character.
    static func isUpper<C: Collection>(_ text: C) -> Bool where C.Element == Unicode.Scalar {
        var cased = false
        for scalar in text {
            if isLowerCased(scalar) || isTitleCased(scalar) { return false }
            if isUpperCased(scalar) { cased = true }
        }
        return cased
    }

    /// `str.islower()`: at least one cased character and no uppercase or titlecase character.
    static func isLower<C: Collection>(_ text: C) -> Bool where C.Element == Unicode.Scalar {
        var cased = false
        for scalar in text {
            if isUpperCased(scalar) || isTitleCased(scalar) { return false }
            if isLowerCased(scalar) { cased = true }
        }
        return cased
    }

    /// `str.lower()`: each code point's full lowercase mapping (no final-sigma context).
    static func lower<C: Collection>(_ text: C) -> IFEvalScalars where C.Element == Unicode.Scalar {
        var out = IFEvalScalars()
        out.reserveCapacity(text.count)
        for scalar in text {
            if scalar.value < 0x80 {
                out.append(simpleLower(scalar))
            } else {
                out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    /// The simple (one code point) lowercase mapping that `re.IGNORECASE` compares with.
    static func simpleLower(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.value < 0x80 {
            if scalar.value >= 0x41 && scalar.value <= 0x5A { return Unicode.Scalar(scalar.value + 0x20)! }
            return scalar
        }
        return scalar.properties.lowercaseMapping.unicodeScalars.first ?? scalar
    }

    /// `str.strip()` with no argument.
    static func strip<C: BidirectionalCollection>(_ text: C) -> IFEvalScalars where C.Element == Unicode.Scalar {
        var lower = text.startIndex
        var upper = text.endIndex
        while lower < upper && isSpace(text[lower]) { lower = text.index(after: lower) }
        while upper > lower && isSpace(text[text.index(before: upper)]) { upper = text.index(before: upper) }
        return IFEvalScalars(text[lower..<upper])
    }

    /// `str.rstrip()` with no argument: the length of the text without trailing whitespace.
    static func rstrippedCount(_ text: IFEvalScalars) -> Int {
        var end = text.count
        while end > 0 && isSpace(text[end - 1]) { end -= 1 }
        return end
    }

    /// `str.strip(chars)` / `lstrip(chars)` / `rstrip(chars)` with an explicit character set.
    static func strip(_ text: IFEvalScalars, characters: Set<Unicode.Scalar>, leading: Bool = true, trailing: Bool = true) -> IFEvalScalars {
        var lower = 0
        var upper = text.count
        if leading { while lower < upper && characters.contains(text[lower]) { lower += 1 } }
        if trailing { while upper > lower && characters.contains(text[upper - 1]) { upper -= 1 } }
        return IFEvalScalars(text[lower..<upper])
    }

    /// `str.split()` with no argument: runs of non-whitespace.
    static func splitOnWhitespace(_ text: IFEvalScalars) -> [IFEvalScalars] {
        var pieces: [IFEvalScalars] = []
        var current = IFEvalScalars()
        for scalar in text {
            if isSpace(scalar) {
                if !current.isEmpty { pieces.append(current); current.removeAll(keepingCapacity: true) }
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// `str.split(separator)` with a literal, non-empty separator: keeps empty pieces.
    static func split(_ text: IFEvalScalars, separator: IFEvalScalars) -> [IFEvalScalars] {
        precondition(!separator.isEmpty, "separator must not be empty")
        var pieces: [IFEvalScalars] = []
        var start = 0
        var i = 0
        while i + separator.count <= text.count {
            if hasPrefix(text, separator, at: i) {
                pieces.append(IFEvalScalars(text[start..<i]))
                i += separator.count
                start = i
            } else {
                i += 1
            }
        }
        pieces.append(IFEvalScalars(text[start...]))
        return pieces
    }

    /// `"sep".join(pieces)`.
    static func join(_ pieces: ArraySlice<IFEvalScalars>, separator: IFEvalScalars) -> IFEvalScalars {
        var out = IFEvalScalars()
        for (n, piece) in pieces.enumerated() {
            if n > 0 { out.append(contentsOf: separator) }
            out.append(contentsOf: piece)
        }
        return out
    }

    static func hasPrefix(_ text: IFEvalScalars, _ prefix: IFEvalScalars, at offset: Int = 0) -> Bool {
        guard offset >= 0, offset + prefix.count <= text.count else { return false }
        for k in 0..<prefix.count where text[offset + k] != prefix[k] { return false }
        return true
    }

    static func hasSuffix(_ text: IFEvalScalars, _ suffix: IFEvalScalars) -> Bool {
        hasPrefix(text, suffix, at: text.count - suffix.count)
    }

    /// `str.removeprefix`.
    static func removePrefix(_ text: IFEvalScalars, _ prefix: IFEvalScalars) -> IFEvalScalars {
        hasPrefix(text, prefix) ? IFEvalScalars(text[prefix.count...]) : text
    }

    /// `str.removesuffix` (a no-op for an empty suffix, as in Python).
    static func removeSuffix(_ text: IFEvalScalars, _ suffix: IFEvalScalars) -> IFEvalScalars {
        !suffix.isEmpty && hasSuffix(text, suffix) ? IFEvalScalars(text[..<(text.count - suffix.count)]) : text
    }

    static func contains(_ text: IFEvalScalars, _ needle: IFEvalScalars) -> Bool {
        if needle.isEmpty { return true }
        var i = 0
        while i + needle.count <= text.count {
            if hasPrefix(text, needle, at: i) { return true }
            i += 1
        }
        return false
    }

    /// Whether `re`'s `\b` holds at `position`: exactly one side is a word character.
    static func isWordBoundary(_ text: IFEvalScalars, at position: Int) -> Bool {
        let before = position > 0 && isWord(text[position - 1])
        let after = position < text.count && isWord(text[position])
        return before != after
    }

    /// Whether `needle` occurs at `offset` when both sides are compared as `re.IGNORECASE` does
    /// (simple lowercase of each code point).
    static func matchesIgnoringCase(_ text: IFEvalScalars, _ needle: IFEvalScalars, at offset: Int) -> Bool {
        guard offset + needle.count <= text.count else { return false }
        for k in 0..<needle.count where simpleLower(text[offset + k]) != simpleLower(needle[k]) { return false }
        return true
    }

    static func scalars(_ string: String) -> IFEvalScalars { IFEvalScalars(string.unicodeScalars) }

    static func string<C: Sequence>(_ scalars: C) -> String where C.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
