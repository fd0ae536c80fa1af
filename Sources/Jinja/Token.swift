// The tokens the lexer hands the parser: text between tags, tag delimiters, and the words,
// literals and operators inside `{{ }}` and `{% %}`. Comments and whitespace never become tokens.

/// A place in a template's source: 1-based line and column (columns count Unicode scalars, as
/// Python counts characters).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line), column \(column)" }
}

/// One lexical token of a template.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// Literal template text, whitespace control already applied.
        case text(String)
        case variableBegin, variableEnd
        case blockBegin, blockEnd
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        /// An operator or punctuation, by its spelling: `+`, `//`, `==`, `(`, `|`, `.`, ...
        case symbol(String)
        case endOfTemplate
    }

    var kind: Kind
    var location: SourceLocation

    /// Whether this token is the name `word` (keywords such as `in`, `if`, `endfor` are names).
    func isName(_ word: String) -> Bool {
        if case .name(let name) = kind { return name == word }
        return false
    }

    func isSymbol(_ spelling: String) -> Bool {
        if case .symbol(let symbol) = kind { return symbol == spelling }
        return false
    }

    /// The token as the template spells it, for error messages.
    var spelling: String {
        switch kind {
        case .text: return "template text"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "'}}'"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "'%}'"
        case .name(let name): return "'\(name)'"
        case .string(let value): return "string '\(value)'"
        case .integer(let value): return "'\(value)'"
        case .float(let value): return "'\(value)'"
        case .symbol(let symbol): return "'\(symbol)'"
        case .endOfTemplate: return "end of template"
        }
    }
}
