// Python's text rules, which Jinja inherits: what counts as whitespace (`str.isspace`, regex
// `\s`), `strip`/`split`/`title`/`capitalize`, and `repr` of a string. Strings are handled as
// Unicode scalars, as Python handles code points, so lengths, indices and slices agree with it.

enum PythonText {
    /// `str.isspace()` for one code point (also what `\s` matches in a `str` regex).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    static func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }

    static func string<S: Sequence>(_ scalars: S) -> String where S.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// `str.strip(chars)`, `lstrip`, `rstrip`: whitespace when `characters` is nil.
    static func strip(_ text: String, characters: String? = nil, leading: Bool = true, trailing: Bool = true) -> String {
        let set = characters.map { Set($0.unicodeScalars) }
        let remove: (Unicode.Scalar) -> Bool = { scalar in set.map { $0.contains(scalar) } ?? isWhitespace(scalar) }
        let items = scalars(text)
        var start = 0
        var end = items.count
        if leading { while start < end && remove(items[start]) { start += 1 } }
        if trailing { while end > start && remove(items[end - 1]) { end -= 1 } }
        return string(items[start..<end])
    }

    /// `str.split()` (runs of whitespace, no empty pieces) or `str.split(separator)`, at most
    /// `maxSplits` splits when it is not negative; `fromEnd` is `rsplit`.
    static func split(_ text: String, separator: String?, maxSplits: Int = -1, fromEnd: Bool = false) -> [String] {
        let items = scalars(text)
        var pieces: [String] = []
        if let separator {
            let pattern = scalars(separator)
            // rsplit takes its occurrences from the right, where overlapping ones pair differently.
            var cuts = fromEnd ? rightmostOccurrences(of: pattern, in: items, limit: maxSplits) : occurrences(of: pattern, in: items)
            if !fromEnd && maxSplits >= 0 && cuts.count > maxSplits { cuts = Array(cuts.prefix(maxSplits)) }
            var start = 0
            for cut in cuts {
                pieces.append(string(items[start..<cut]))
                start = cut + pattern.count
            }
            pieces.append(string(items[start...]))
            return pieces
        }
        if fromEnd {
            var result: [String] = []
            var end = items.count
            var splits = 0
            while true {
                while end > 0 && isWhitespace(items[end - 1]) { end -= 1 }
                if end == 0 { break }
                if maxSplits >= 0 && splits == maxSplits {
                    var start = 0
                    while start < end && isWhitespace(items[start]) { start += 1 }
                    result.append(string(items[start..<end]))
                    break
                }
                var start = end
                while start > 0 && !isWhitespace(items[start - 1]) { start -= 1 }
                result.append(string(items[start..<end]))
                splits += 1
                end = start
            }
            return result.reversed()
        }
        var position = 0
        var splits = 0
        while true {
            while position < items.count && isWhitespace(items[position]) { position += 1 }
            if position == items.count { break }
            if maxSplits >= 0 && splits == maxSplits {
                var end = items.count
                while end > position && isWhitespace(items[end - 1]) { end -= 1 }
                pieces.append(string(items[position..<end]))
                break
            }
            var end = position
            while end < items.count && !isWhitespace(items[end]) { end += 1 }
            pieces.append(string(items[position..<end]))
            splits += 1
            position = end
        }
        return pieces
    }

    /// Start offsets of the non-overlapping occurrences of `pattern`, left to right.
    static func occurrences(of pattern: [Unicode.Scalar], in items: [Unicode.Scalar]) -> [Int] {
        guard !pattern.isEmpty, pattern.count <= items.count else { return [] }
        var result: [Int] = []
        var position = 0
        while position + pattern.count <= items.count {
            if items[position..<(position + pattern.count)].elementsEqual(pattern) {
                result.append(position)
                position += pattern.count
            } else {
                position += 1
            }
        }
        return result
    }

    private static func rightmostOccurrences(of pattern: [Unicode.Scalar], in items: [Unicode.Scalar], limit: Int) -> [Int] {
        guard !pattern.isEmpty, pattern.count <= items.count else { return [] }
        var result: [Int] = []
        var end = items.count
        while end - pattern.count >= 0 && (limit < 0 || result.count < limit) {
            let start = end - pattern.count
            if items[start..<end].elementsEqual(pattern) {
                result.append(start)
                end = start
            } else {
                end -= 1
            }
        }
        return result.reversed()
    }

    /// `str.replace(old, new, count)`.
    static func replace(_ text: String, _ old: String, _ new: String, count: Int = -1) -> String {
        let items = scalars(text)
        let pattern = scalars(old)
        let replacement = scalars(new)
        var result: [Unicode.Scalar] = []
        if pattern.isEmpty {
            // Python inserts `new` before every code point and at the end.
            var inserted = 0
            for item in items {
                if count < 0 || inserted < count { result += replacement; inserted += 1 }
                result.append(item)
            }
            if count < 0 || inserted < count { result += replacement }
            return string(result)
        }
        var position = 0
        var replaced = 0
        while position < items.count {
            if (count < 0 || replaced < count) && position + pattern.count <= items.count
                && items[position..<(position + pattern.count)].elementsEqual(pattern) {
                result += replacement
                position += pattern.count
                replaced += 1
            } else {
                result.append(items[position])
                position += 1
            }
        }
        return string(result)
    }

    /// `str.find(sub)`: the code-point offset of the first occurrence, or -1.
    static func find(_ text: String, _ sub: String, fromEnd: Bool = false) -> Int {
        let items = scalars(text)
        let pattern = scalars(sub)
        if pattern.count > items.count { return -1 }
        let starts = Array(0...(items.count - pattern.count))
        for start in (fromEnd ? starts.reversed() : starts) where items[start..<(start + pattern.count)].elementsEqual(pattern) {
            return start
        }
        return -1
    }

    static func isCased(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isUppercase || scalar.properties.isLowercase || scalar.properties.generalCategory == .titlecaseLetter
    }

    /// `str.title()`: a cased character after an uncased one is put in title case, the others
    /// in lower case.
    static func title(_ text: String) -> String {
        var result = ""
        var previousIsCased = false
        for scalar in text.unicodeScalars {
            if isCased(scalar) {
                result += previousIsCased ? scalar.properties.lowercaseMapping : scalar.properties.titlecaseMapping
                previousIsCased = true
            } else {
                result.unicodeScalars.append(scalar)
                previousIsCased = false
            }
        }
        return result
    }

    /// `str.capitalize()`: the first character in title case, the rest in lower case.
    static func capitalize(_ text: String) -> String {
        var result = ""
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            result += offset == 0 ? scalar.properties.titlecaseMapping : scalar.properties.lowercaseMapping
        }
        return result
    }

    static func upper(_ text: String) -> String {
        text.unicodeScalars.map { $0.properties.uppercaseMapping }.joined()
    }

    static func lower(_ text: String) -> String {
        text.unicodeScalars.map { $0.properties.lowercaseMapping }.joined()
    }

    /// Python's `repr()` of a string: single quotes unless the text has a single quote and no
    /// double quote; backslash escapes for the quote, backslash, control and unprintable
    /// characters.
    static func repr(_ text: String) -> String {
        let quote: Unicode.Scalar = text.unicodeScalars.contains("'") && !text.unicodeScalars.contains("\"") ? "\"" : "'"
        var result = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case quote, "\\": result += "\\" + String(scalar)
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if isPrintable(scalar) {
                    result.unicodeScalars.append(scalar)
                } else if scalar.value < 0x100 {
                    result += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value < 0x10000 {
                    result += "\\u" + hex(scalar.value, width: 4)
                } else {
                    result += "\\U" + hex(scalar.value, width: 8)
                }
            }
        }
        result.unicodeScalars.append(quote)
        return result
    }

    /// `str.isprintable()` for one code point: not a control, format, surrogate, private-use,
    /// unassigned or separator character, except the ASCII space.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Characters that may start a name: letters and `_` (Python identifiers).
    static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isXIDStart
    }

    static func isIdentifierContinue(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isXIDContinue
    }
}
