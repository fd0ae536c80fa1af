/// A line and column (both from 1; columns count Unicode scalars) in an experiment file.
public struct SourcePosition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public static let start = SourcePosition(line: 1, column: 1)
    public var description: String { "\(line):\(column)" }
    public static func < (a: SourcePosition, b: SourcePosition) -> Bool { (a.line, a.column) < (b.line, b.column) }
}

/// Where every key and value of a TOML document starts.
///
/// TOMLKit (toml++) parses the document but does not say where a value came from, so error
/// messages could not name a line. This index is built by a second, deliberately small scan of the
/// same text that understands just enough TOML to find positions: `[table]` and `[[array]]`
/// headers, dotted and quoted keys, `key = value` lines, inline tables and arrays (recursively),
/// the four string forms (so that `=` or `#` inside strings are not mistaken for syntax) and
/// comments. It runs only after toml++ has accepted the document, so it never has to report
/// syntax errors itself; on anything it does not understand it skips a character and goes on.
public struct SourcePositionIndex: Sendable {
    /// Position of the key that names a path (for a table, its `[header]`).
    public private(set) var keys: [SpecPath: SourcePosition] = [:]
    /// Position of the first character of the value at a path.
    public private(set) var values: [SpecPath: SourcePosition] = [:]

    public init(text: String) {
        var scanner = Scanner(Array(text.unicodeScalars))
        scanner.scanDocument()
        keys = scanner.keys
        values = scanner.values
    }

    /// The best position for a message about `path`: the value (when `preferValue`) or the key,
    /// falling back to the nearest enclosing path that has a position, then to the file start.
    public func position(of path: SpecPath, preferValue: Bool = false) -> SourcePosition {
        var current = path
        while true {
            if preferValue, let p = values[current] { return p }
            if let p = keys[current] { return p }
            if let p = values[current] { return p }
            if current.isEmpty { return .start }
            current = current.parent
        }
    }

    private struct Scanner {
        let text: [Unicode.Scalar]
        var index = 0
        var line = 1
        var column = 1
        var keys: [SpecPath: SourcePosition] = [:]
        var values: [SpecPath: SourcePosition] = [:]
        var arrayTableCounts: [SpecPath: Int] = [:]

        init(_ text: [Unicode.Scalar]) { self.text = text }

        var atEnd: Bool { index >= text.count }
        var here: SourcePosition { SourcePosition(line: line, column: column) }
        func peek(_ offset: Int = 0) -> Unicode.Scalar? { index + offset < text.count ? text[index + offset] : nil }

        mutating func advance() {
            guard !atEnd else { return }
            if text[index] == "\n" { line += 1; column = 1 } else { column += 1 }
            index += 1
        }

        mutating func skipSpaces() { while let c = peek(), c == " " || c == "\t" { advance() } }

        /// Skips spaces, newlines and comments.
        mutating func skipBlank() {
            while let c = peek() {
                if c == " " || c == "\t" || c == "\n" || c == "\r" { advance() }
                else if c == "#" { skipLine() }
                else { break }
            }
        }

        mutating func skipLine() { while let c = peek(), c != "\n" { advance() } }

        mutating func record(key path: SpecPath, at position: SourcePosition) {
            if keys[path] == nil { keys[path] = position }
        }

        mutating func scanDocument() {
            var table = SpecPath.root
            while true {
                skipBlank()
                guard let c = peek() else { return }
                let start = index
                if c == "[" {
                    let position = here
                    advance()
                    let isArrayTable = peek() == "["
                    if isArrayTable { advance() }
                    skipSpaces()
                    let key = scanKey()
                    skipSpaces()
                    if peek() == "]" { advance() }
                    if isArrayTable, peek() == "]" { advance() }
                    let path = SpecPath(keys: key)
                    record(key: path, at: position)
                    if isArrayTable {
                        let n = arrayTableCounts[path, default: 0]
                        arrayTableCounts[path] = n + 1
                        table = path.appending(index: n)
                        record(key: table, at: position)
                    } else {
                        table = path
                    }
                    skipLine()
                } else {
                    scanKeyValue(base: table)
                    skipSpaces()
                    if peek() == "#" { skipLine() }
                }
                if index == start { advance() }
            }
        }

        /// A dotted key: bare, "basic" or 'literal' parts separated by dots.
        mutating func scanKey() -> [String] {
            var parts: [String] = []
            while true {
                skipSpaces()
                guard let c = peek() else { break }
                if c == "\"" || c == "'" {
                    parts.append(scanQuotedKey(quote: c))
                } else {
                    var part = ""
                    while let d = peek(), SpecPath.isBareKey(String(d)) { part.unicodeScalars.append(d); advance() }
                    if part.isEmpty { break }
                    parts.append(part)
                }
                skipSpaces()
                if peek() == "." { advance() } else { break }
            }
            return parts
        }

        mutating func scanQuotedKey(quote: Unicode.Scalar) -> String {
            advance()
            var out = ""
            while let c = peek(), c != quote, c != "\n" {
                if quote == "\"", c == "\\" {
                    advance()
                    guard let e = peek() else { break }
                    switch e {
                    case "n": out += "\n"
                    case "t": out += "\t"
                    case "\"": out += "\""
                    case "\\": out += "\\"
                    default: out.unicodeScalars.append(e)
                    }
                    advance()
                    continue
                }
                out.unicodeScalars.append(c)
                advance()
            }
            if peek() == quote { advance() }
            return out
        }

        mutating func scanKeyValue(base: SpecPath) {
            let keyPosition = here
            let key = scanKey()
            guard !key.isEmpty else { return }
            // Each prefix of a dotted key names a table defined here.
            for n in 1..<key.count { record(key: base.appending(SpecPath(keys: Array(key.prefix(n)))), at: keyPosition) }
            let path = base.appending(SpecPath(keys: key))
            record(key: path, at: keyPosition)
            skipSpaces()
            guard peek() == "=" else { return }
            advance()
            skipSpaces()
            scanValue(path: path)
        }

        mutating func scanValue(path: SpecPath) {
            if values[path] == nil { values[path] = here }
            guard let c = peek() else { return }
            switch c {
            case "\"", "'":
                skipString(quote: c)
            case "[":
                advance()
                var n = 0
                while true {
                    skipBlank()
                    guard let d = peek() else { return }
                    if d == "]" { advance(); return }
                    if d == "," { advance(); n += 1; continue }
                    let start = index
                    scanValue(path: path.appending(index: n))
                    if index == start { advance() }
                }
            case "{":
                advance()
                while true {
                    skipSpaces()
                    guard let d = peek() else { return }
                    if d == "}" { advance(); return }
                    if d == "," || d == "\n" { advance(); continue }
                    let start = index
                    scanKeyValue(base: path)
                    if index == start { advance() }
                }
            default:
                while let d = peek(), d != ",", d != "]", d != "}", d != "\n", d != "#" { advance() }
            }
        }

        mutating func skipString(quote: Unicode.Scalar) {
            let multiline = peek(1) == quote && peek(2) == quote
            if multiline {
                advance(); advance(); advance()
                while let c = peek() {
                    if quote == "\"", c == "\\" { advance(); advance(); continue }
                    if c == quote, peek(1) == quote, peek(2) == quote {
                        advance(); advance(); advance()
                        // Up to two more quotes may belong to the content: `""""` ends with one.
                        while peek() == quote { advance() }
                        return
                    }
                    advance()
                }
            } else {
                advance()
                while let c = peek(), c != "\n" {
                    if quote == "\"", c == "\\" { advance(); advance(); continue }
                    advance()
                    if c == quote { return }
                }
            }
        }
    }
}
