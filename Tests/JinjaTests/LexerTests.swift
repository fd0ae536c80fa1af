// The lexer on its own: which tokens a tag becomes, where each starts (line and column, for
// error messages), how string literals decode, and Jinja's whitespace rules on small inputs.

@testable import Jinja
import Testing

@Suite struct LexerTests {
    private func tokens(_ source: String, _ options: Lexer.Options = .init(trimBlocks: true, lstripBlocks: true, keepTrailingNewline: false)) throws -> [Token.Kind] {
        var lexer = Lexer(source, options: options)
        return try lexer.tokenize().map(\.kind)
    }

    @Test func splitsATagIntoNamesLiteralsAndSymbols() throws {
        #expect(try tokens("a{{ x.y(1, 'z', 2.5) | f }}b") == [
            .text("a"), .variableBegin, .name("x"), .symbol("."), .name("y"), .symbol("("), .integer(1), .symbol(","),
            .string("z"), .symbol(","), .float(2.5), .symbol(")"), .symbol("|"), .name("f"), .variableEnd, .text("b"),
            .endOfTemplate,
        ])
    }

    @Test func readsTwoCharacterOperatorsAsOne() throws {
        #expect(try tokens("{{ a ** b // c == d != e <= f >= g }}").compactMap { kind -> String? in
            if case .symbol(let symbol) = kind { return symbol }
            return nil
        } == ["**", "//", "==", "!=", "<=", ">="])
    }

    @Test func placesTokensByLineAndColumn() throws {
        var lexer = Lexer("ab\n  {% if x %}\n{{ y }}", options: .init(trimBlocks: false, lstripBlocks: false, keepTrailingNewline: false))
        let located = try lexer.tokenize()
        let name = try #require(located.first { $0.kind == .name("if") })
        #expect(name.location == SourceLocation(line: 2, column: 6))
        let y = try #require(located.first { $0.kind == .name("y") })
        #expect(y.location == SourceLocation(line: 3, column: 4))
    }

    @Test func columnsCountCodePoints() throws {
        var lexer = Lexer("é🤖{{ x }}", options: .init(trimBlocks: true, lstripBlocks: true, keepTrailingNewline: false))
        let x = try #require(try lexer.tokenize().first { $0.kind == .name("x") })
        #expect(x.location.column == 6)
    }

    @Test func decodesPythonEscapesInStrings() throws {
        let decoded = try Lexer.unescape(Array(#"a\nb\t\\\'\"\x41\u00e9\U0001F600\d\101"#.unicodeScalars), at: SourceLocation(line: 1, column: 1))
        #expect(decoded == "a\nb\t\\'\"Aé😀\\dA")
    }

    @Test func refusesTruncatedEscapes() {
        #expect(throws: TemplateError.self) { try Lexer.unescape(Array(#"\x4"#.unicodeScalars), at: SourceLocation(line: 1, column: 1)) }
        #expect(throws: TemplateError.self) { try Lexer.unescape(Array(#"\u12"#.unicodeScalars), at: SourceLocation(line: 1, column: 1)) }
    }

    @Test func closingBracesInsideADictDoNotEndTheTag() throws {
        #expect(try tokens("{{ {'a': {}} }}").filter { $0 == .variableEnd }.count == 1)
    }

    @Test func trimBlocksEatsOneNewlineAfterABlockTagOnly() throws {
        #expect(try tokens("{% if x %}\n\nA{{ y }}\nB") == [
            .blockBegin, .name("if"), .name("x"), .blockEnd, .text("\nA"), .variableBegin, .name("y"), .variableEnd,
            .text("\nB"), .endOfTemplate,
        ])
    }

    @Test func lstripBlocksRemovesIndentationOnlyWhenTheTagStartsTheLine() throws {
        #expect(try tokens("a\n   {% x %}")[0] == .text("a\n"))
        #expect(try tokens("a   {% x %}")[0] == .text("a   "))
        #expect(try tokens("a\n   {{ x }}")[0] == .text("a\n   "))
        #expect(try tokens("a\n   {%+ x %}")[0] == .text("a\n   "))
    }

    @Test func minusStripsAllWhitespaceOnItsSide() throws {
        #expect(try tokens("a \n\t{%- x -%} \n b") == [.text("a"), .blockBegin, .name("x"), .blockEnd, .text("b"), .endOfTemplate])
    }

    @Test func dropsOneTrailingNewlineAndNormalisesLineBreaks() throws {
        #expect(try tokens("a\r\nb\rc\n\n") == [.text("a\nb\nc\n"), .endOfTemplate])
        #expect(try tokens("a\n", .init(trimBlocks: false, lstripBlocks: false, keepTrailingNewline: true)) == [.text("a\n"), .endOfTemplate])
    }

    @Test func commentsAndRawBlocks() throws {
        #expect(try tokens("a{# x #}b{% raw %}{{ y }}{% endraw %}") == [.text("a"), .text("b"), .text("{{ y }}"), .endOfTemplate])
    }
}
