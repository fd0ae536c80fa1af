// Splits a template into tokens the way Jinja2's lexer does, including its whitespace rules,
// because chat templates depend on them byte for byte:
//
//   - newlines (`\r\n`, `\r`, `\n`) become `\n`, and one trailing newline of the template is
//     dropped (Jinja's `keep_trailing_newline=False`);
//   - `{%-`, `{{-`, `{#-` strip all whitespace before the tag; `-%}`, `-}}`, `-#}` all after it;
//   - `trim_blocks` removes the first newline after a block or comment tag (not after `}}`);
//     `+%}` keeps it;
//   - `lstrip_blocks` removes the spaces and tabs from the start of a line up to a block or
//     comment tag when nothing else precedes it on that line; `{%+` keeps them;
//   - `{% raw %}...{% endraw %}` is text; comments vanish;
//   - inside a tag, a `}}` or `%}` closes it only when brackets are balanced.
//
// The lexer works on Unicode scalars (Python's code points) so columns and string contents agree
// with Python.

struct Lexer {
    struct Options: Sendable {
        var trimBlocks: Bool
        var lstripBlocks: Bool
        var keepTrailingNewline: Bool
    }

    private enum TagKind { case variable, block, comment, raw }

    private let source: [Unicode.Scalar]
    private let options: Options
    /// Offsets at which lines start, for turning offsets into line and column.
    private let lineStarts: [Int]
    private var tokens: [Token] = []

    init(_ text: String, options: Options) {
        var lines: [String.UnicodeScalarView] = [String.UnicodeScalarView()]
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            if scalar == "\r" {
                if scalars.first == "\n" { scalars.removeFirst() }
                lines.append(String.UnicodeScalarView())
            } else if scalar == "\n" {
                lines.append(String.UnicodeScalarView())
            } else {
                lines[lines.count - 1].append(scalar)
            }
        }
        if !options.keepTrailingNewline && lines.count > 1 && lines[lines.count - 1].isEmpty { lines.removeLast() }
        var joined: [Unicode.Scalar] = []
        var starts: [Int] = []
        for (index, line) in lines.enumerated() {
            if index > 0 { joined.append("\n") }
            starts.append(joined.count)
            joined.append(contentsOf: line)
        }
        source = joined
        lineStarts = starts
        self.options = options
    }

    /// The tokens of the whole template, ending with `.endOfTemplate`.
    mutating func tokenize() throws -> [Token] {
        var position = 0
        var lineStarting = true
        while position < source.count {
            guard let tag = nextTag(from: position) else {
                emitText(from: position, to: source.count)
                break
            }
            let sign: Unicode.Scalar? = tag.offset + 2 < source.count && (source[tag.offset + 2] == "-" || source[tag.offset + 2] == "+")
                ? source[tag.offset + 2] : nil
            let textEnd = strippedTextEnd(from: position, to: tag.offset, sign: sign, lineStarting: lineStarting, lstripApplies: tag.kind != .variable)
            emitText(from: position, to: textEnd)
            switch tag.kind {
            case .comment:
                let end = try commentEnd(from: tag.bodyStart, opening: tag.offset)
                position = end
                lineStarting = source[end - 1] == "\n"
            case .raw:
                let rawStarting = source[tag.bodyStart - 1] == "\n"
                let (contentEnd, endSign, end) = try rawEnd(from: tag.bodyStart, opening: tag.offset)
                let kept = strippedTextEnd(from: tag.bodyStart, to: contentEnd, sign: endSign, lineStarting: rawStarting, lstripApplies: true)
                emitText(from: tag.bodyStart, to: kept)
                position = end
                lineStarting = source[end - 1] == "\n"
            case .variable, .block:
                tokens.append(Token(kind: tag.kind == .variable ? .variableBegin : .blockBegin, location: location(of: tag.offset)))
                let end = try tagBody(from: tag.bodyStart, opening: tag.offset, isBlock: tag.kind == .block)
                position = end
                lineStarting = source[end - 1] == "\n"
            }
        }
        tokens.append(Token(kind: .endOfTemplate, location: location(of: source.count)))
        return tokens
    }

    // MARK: Template text and tags

    private func location(of offset: Int) -> SourceLocation {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return SourceLocation(line: low + 1, column: offset - lineStarts[low] + 1)
    }

    private mutating func emitText(from start: Int, to end: Int) {
        guard end > start else { return }
        tokens.append(Token(kind: .text(PythonText.string(source[start..<end])), location: location(of: start)))
    }

    private func matches(_ literal: String, at offset: Int) -> Bool {
        var index = offset
        for scalar in literal.unicodeScalars {
            guard index < source.count, source[index] == scalar else { return false }
            index += 1
        }
        return true
    }

    private func skipWhitespace(from offset: Int) -> Int {
        var index = offset
        while index < source.count && PythonText.isWhitespace(source[index]) { index += 1 }
        return index
    }

    /// The next `{{`, `{%` or `{#` at or after `offset`; `{% raw %}` is recognised as one unit.
    private func nextTag(from offset: Int) -> (offset: Int, kind: TagKind, bodyStart: Int)? {
        var index = offset
        while index + 1 < source.count {
            if source[index] == "{" {
                let next = source[index + 1]
                var bodyStart = index + 2
                if bodyStart < source.count && (source[bodyStart] == "-" || source[bodyStart] == "+") { bodyStart += 1 }
                if next == "%" {
                    if let rawBody = rawOpeningEnd(from: bodyStart) { return (index, .raw, rawBody) }
                    return (index, .block, bodyStart)
                }
                if next == "{" { return (index, .variable, bodyStart) }
                if next == "#" { return (index, .comment, bodyStart) }
            }
            index += 1
        }
        return nil
    }

    /// After `{%` and its sign: `\s*raw\s*(-%}\s*|%})`, returning where the raw text starts.
    private func rawOpeningEnd(from offset: Int) -> Int? {
        var index = skipWhitespace(from: offset)
        guard matches("raw", at: index) else { return nil }
        index = skipWhitespace(from: index + 3)
        if matches("-%}", at: index) { return skipWhitespace(from: index + 3) }
        if matches("%}", at: index) { return index + 2 }
        return nil
    }

    /// Applies `-` and `lstrip_blocks` to the text before a tag; returns where the kept text ends.
    private func strippedTextEnd(from start: Int, to end: Int, sign: Unicode.Scalar?, lineStarting: Bool, lstripApplies: Bool) -> Int {
        if sign == "-" {
            var kept = end
            while kept > start && PythonText.isWhitespace(source[kept - 1]) { kept -= 1 }
            return kept
        }
        guard sign != "+", options.lstripBlocks, lstripApplies else { return end }
        var lineStart = end
        while lineStart > start && source[lineStart - 1] != "\n" { lineStart -= 1 }
        guard lineStart > start || lineStarting, lineStart < end else { return end }
        for index in lineStart..<end where !PythonText.isWhitespace(source[index]) { return end }
        return lineStart
    }

    private func commentEnd(from offset: Int, opening: Int) throws -> Int {
        var index = offset
        while index < source.count {
            if matches("+#}", at: index) { return index + 3 }
            if matches("-#}", at: index) { return skipWhitespace(from: index + 3) }
            if matches("#}", at: index) {
                return options.trimBlocks && matches("\n", at: index + 2) ? index + 3 : index + 2
            }
            index += 1
        }
        throw TemplateError(.syntax, "missing end of comment tag", at: location(of: opening))
    }

    /// Finds `{% endraw %}`: the end of the raw text, the sign of the closing tag's `{%`, and the
    /// offset after the closing tag.
    private func rawEnd(from offset: Int, opening: Int) throws -> (Int, Unicode.Scalar?, Int) {
        var index = offset
        while index < source.count {
            if matches("{%", at: index) {
                var cursor = index + 2
                var sign: Unicode.Scalar? = nil
                if cursor < source.count && (source[cursor] == "-" || source[cursor] == "+") {
                    sign = source[cursor]
                    cursor += 1
                }
                cursor = skipWhitespace(from: cursor)
                if matches("endraw", at: cursor) {
                    cursor = skipWhitespace(from: cursor + 6)
                    if matches("+%}", at: cursor) { return (index, sign, cursor + 3) }
                    if matches("-%}", at: cursor) { return (index, sign, skipWhitespace(from: cursor + 3)) }
                    if matches("%}", at: cursor) {
                        let end = options.trimBlocks && matches("\n", at: cursor + 2) ? cursor + 3 : cursor + 2
                        return (index, sign, end)
                    }
                }
            }
            index += 1
        }
        throw TemplateError(.syntax, "missing end of raw directive", at: location(of: opening))
    }

    // MARK: Inside a tag

    private static let twoCharacterSymbols: Set<String> = ["**", "//", "==", "!=", ">=", "<="]
    private static let oneCharacterSymbols: Set<Unicode.Scalar> = [
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", "=", ".", ":", "|", ",", ";", "<", ">",
    ]

    /// Tokenizes from after the opening delimiter to the closing one; returns the offset after it.
    private mutating func tagBody(from offset: Int, opening: Int, isBlock: Bool) throws -> Int {
        var index = offset
        var brackets: [(closer: Unicode.Scalar, offset: Int)] = []
        while true {
            if brackets.isEmpty {
                if isBlock {
                    if matches("+%}", at: index) { return closeTag(at: index, end: index + 3, isBlock: true) }
                    if matches("-%}", at: index) { return closeTag(at: index, end: skipWhitespace(from: index + 3), isBlock: true) }
                    if matches("%}", at: index) {
                        let end = options.trimBlocks && matches("\n", at: index + 2) ? index + 3 : index + 2
                        return closeTag(at: index, end: end, isBlock: true)
                    }
                } else {
                    if matches("-}}", at: index) { return closeTag(at: index, end: skipWhitespace(from: index + 3), isBlock: false) }
                    if matches("}}", at: index) { return closeTag(at: index, end: index + 2, isBlock: false) }
                }
            }
            guard index < source.count else {
                if let open = brackets.last {
                    throw TemplateError(.syntax, "unexpected end of template: '\(open.closer)' was never closed", at: location(of: open.offset))
                }
                throw TemplateError(.syntax, "unexpected end of template: the tag is never closed with '\(isBlock ? "%}" : "}}")'", at: location(of: opening))
            }
            let scalar = source[index]
            if PythonText.isWhitespace(scalar) {
                index += 1
                continue
            }
            let start = index
            if let (kind, end) = try number(at: index) {
                tokens.append(Token(kind: kind, location: location(of: start)))
                index = end
            } else if PythonText.isIdentifierStart(scalar) {
                var end = index + 1
                while end < source.count && PythonText.isIdentifierContinue(source[end]) { end += 1 }
                tokens.append(Token(kind: .name(PythonText.string(source[index..<end])), location: location(of: start)))
                index = end
            } else if scalar == "'" || scalar == "\"" {
                index = try stringLiteral(at: index)
            } else if index + 1 < source.count, Lexer.twoCharacterSymbols.contains(PythonText.string(source[index...(index + 1)])) {
                tokens.append(Token(kind: .symbol(PythonText.string(source[index...(index + 1)])), location: location(of: start)))
                index += 2
            } else if Lexer.oneCharacterSymbols.contains(scalar) {
                switch scalar {
                case "{": brackets.append(("}", index))
                case "(": brackets.append((")", index))
                case "[": brackets.append(("]", index))
                case "}", ")", "]":
                    guard let open = brackets.popLast() else {
                        throw TemplateError(.syntax, "unexpected '\(scalar)'", at: location(of: index))
                    }
                    guard open.closer == scalar else {
                        throw TemplateError(.syntax, "unexpected '\(scalar)', expected '\(open.closer)'", at: location(of: index))
                    }
                default: break
                }
                tokens.append(Token(kind: .symbol(String(scalar)), location: location(of: start)))
                index += 1
            } else {
                throw TemplateError(.syntax, "unexpected character \(PythonText.repr(String(scalar)))", at: location(of: index))
            }
        }
    }

    private mutating func closeTag(at offset: Int, end: Int, isBlock: Bool) -> Int {
        tokens.append(Token(kind: isBlock ? .blockEnd : .variableEnd, location: location(of: offset)))
        return end
    }

    private func isDigit(_ index: Int) -> Bool {
        index < source.count && source[index].value >= 0x30 && source[index].value <= 0x39
    }

    /// `(\d+_)*\d+` from `index`: its end, or nil.
    private func digitRun(from index: Int) -> Int? {
        guard isDigit(index) else { return nil }
        var end = index
        while true {
            while isDigit(end) { end += 1 }
            if end < source.count && source[end] == "_" && isDigit(end + 1) { end += 1 } else { return end }
        }
    }

    /// A float or integer literal at `index`, as Jinja's `float_re` and `integer_re` read them.
    private func number(at index: Int) throws -> (Token.Kind, Int)? {
        guard isDigit(index) else { return nil }
        let start = index
        // float_re: not right after a '.', digits, then (fraction? exponent | fraction).
        if index == 0 || source[index - 1] != "." , let integerEnd = digitRun(from: index) {
            var end: Int? = nil
            var afterFraction = integerEnd
            if afterFraction < source.count && source[afterFraction] == ".", let fractionEnd = digitRun(from: afterFraction + 1) {
                afterFraction = fractionEnd
            }
            if afterFraction < source.count && (source[afterFraction] == "e" || source[afterFraction] == "E") {
                var exponent = afterFraction + 1
                if exponent < source.count && (source[exponent] == "+" || source[exponent] == "-") { exponent += 1 }
                if let exponentEnd = digitRun(from: exponent) { end = exponentEnd }
            }
            if end == nil && afterFraction > integerEnd { end = afterFraction }
            if let end {
                let text = PythonText.string(source[start..<end].filter { $0 != "_" })
                guard let value = Double(text) else {
                    throw TemplateError(.syntax, "invalid float literal \(text)", at: location(of: start))
                }
                return (.float(value), end)
            }
        }
        // integer_re: 0b / 0o / 0x prefixes, a decimal without leading zeros, or zeros.
        if source[index] == "0", index + 1 < source.count {
            let prefix = source[index + 1]
            let radix: Int? = prefix == "b" || prefix == "B" ? 2 : prefix == "o" || prefix == "O" ? 8 : prefix == "x" || prefix == "X" ? 16 : nil
            if let radix {
                var end = index + 2
                var digits = ""
                while true {
                    var cursor = end
                    if cursor < source.count && source[cursor] == "_" { cursor += 1 }
                    guard cursor < source.count, let digit = Int(String(source[cursor]), radix: radix) else { break }
                    digits += String(digit, radix: radix)
                    end = cursor + 1
                }
                if !digits.isEmpty {
                    guard let value = Int(digits, radix: radix) else {
                        throw TemplateError(.unsupported, "integer literal too large for 64 bits", at: location(of: start))
                    }
                    return (.integer(value), end)
                }
            }
        }
        var end = index + 1
        if source[index] == "0" {
            while true {
                if end < source.count && source[end] == "0" { end += 1 }
                else if end + 1 < source.count && source[end] == "_" && source[end + 1] == "0" { end += 2 }
                else { break }
            }
            return (.integer(0), end)
        }
        while true {
            if isDigit(end) { end += 1 }
            else if end + 1 < source.count && source[end] == "_" && isDigit(end + 1) { end += 2 }
            else { break }
        }
        let text = PythonText.string(source[start..<end].filter { $0 != "_" })
        guard let value = Int(text) else {
            throw TemplateError(.unsupported, "integer literal \(text) is too large for 64 bits", at: location(of: start))
        }
        return (.integer(value), end)
    }

    /// A quoted string literal at `index`; appends its token and returns the offset after it.
    private mutating func stringLiteral(at index: Int) throws -> Int {
        let quote = source[index]
        var end = index + 1
        while end < source.count && source[end] != quote {
            end += source[end] == "\\" ? 2 : 1
        }
        guard end < source.count else {
            throw TemplateError(.syntax, "unterminated string literal", at: location(of: index))
        }
        let value = try Lexer.unescape(Array(source[(index + 1)..<end]), at: location(of: index))
        tokens.append(Token(kind: .string(value), location: location(of: index)))
        return end + 1
    }

    /// Decodes backslash escapes as Jinja does (Python's `unicode-escape` codec after
    /// `backslashreplace`): `\n \t \r \\ \' \"`, `\a \b \f \v`, octal, `\xhh`, `\uhhhh`,
    /// `\Uhhhhhhhh`, a backslash-newline vanishes, and unknown escapes are kept as written.
    static func unescape(_ body: [Unicode.Scalar], at location: SourceLocation) throws -> String {
        var result = String.UnicodeScalarView()
        var index = 0
        func hexValue(count: Int, name: String) throws -> Unicode.Scalar {
            let digits = body.dropFirst(index + 1).prefix(count)
            guard digits.count == count, let value = UInt32(PythonText.string(digits), radix: 16) else {
                throw TemplateError(.syntax, "truncated \\\(name) escape in string literal", at: location)
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw TemplateError(.syntax, "\\\(name) escape is not a Unicode scalar", at: location)
            }
            index += count + 1
            return scalar
        }
        while index < body.count {
            let scalar = body[index]
            guard scalar == "\\" else {
                result.append(scalar)
                index += 1
                continue
            }
            guard index + 1 < body.count else {
                throw TemplateError(.syntax, "\\ at end of string literal", at: location)
            }
            let next = body[index + 1]
            index += 1
            switch next {
            case "\n": index += 1
            case "\\", "'", "\"": result.append(next); index += 1
            case "a": result.append("\u{07}"); index += 1
            case "b": result.append("\u{08}"); index += 1
            case "f": result.append("\u{0C}"); index += 1
            case "n": result.append("\n"); index += 1
            case "r": result.append("\r"); index += 1
            case "t": result.append("\t"); index += 1
            case "v": result.append("\u{0B}"); index += 1
            case "0"..."7":
                var value: UInt32 = 0
                var length = 0
                while length < 3 && index < body.count && ("0"..."7").contains(body[index]) {
                    value = value * 8 + (body[index].value - 0x30)
                    index += 1
                    length += 1
                }
                result.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            case "x": result.append(try hexValue(count: 2, name: "x"))
            case "u": result.append(try hexValue(count: 4, name: "u"))
            case "U": result.append(try hexValue(count: 8, name: "U"))
            case "N":
                throw TemplateError(.unsupported, "\\N{...} escapes in string literals", at: location)
            default:
                result.append("\\")
                if next.isASCII {
                    // An unknown escape stays as written; the character after it is read normally.
                } else {
                    // backslashreplace turned the character into an escape that this backslash
                    // now escapes: `\é` reads as a backslash and the text `xe9`.
                    let escaped = next.value < 0x100 ? "x" + PythonText.hex(next.value, width: 2)
                        : next.value < 0x10000 ? "u" + PythonText.hex(next.value, width: 4) : "U" + PythonText.hex(next.value, width: 8)
                    result.append(contentsOf: escaped.unicodeScalars)
                    index += 1
                }
            }
        }
        return String(result)
    }
}
