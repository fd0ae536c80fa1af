import Foundation
import Testing
@testable import Trace

@Suite struct JSONTests {
    @Test func stringEscapingMatchesPythonEnsureAsciiFalse() {
        // Expected bytes from: json.dumps(s, ensure_ascii=False) in CPython 3.
        let s = "a\"b\\c/d\n\r\t\u{08}\u{0C}\u{00}\u{01}\u{1F}\u{7F} é 中文 \u{2028} 😀"
        var out = ""
        JSONWriter.writeString(s, into: &out)
        let hex = Array(out.utf8).map { String(format: "%02x", $0) }.joined()
        #expect(hex == "22615c22625c5c632f645c6e5c725c745c625c665c75303030305c75303030315c75303031667f20c3a920e4b8ade6968720e280a820f09f988022")
    }

    @Test func escapingCutsRunsInsideGraphemes() throws {
        // "\r\n" is one Character, and so is a quote followed by a combining accent; both must
        // still escape exactly like Python, which works on code points.
        for s in ["a\r\nb", "x\"\u{301}y", "\u{301}\"", "é\\\u{301}", "\r\n\r\n", ""] {
            var out = ""
            JSONWriter.writeString(s, into: &out)
            var expected = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": expected += "\\\""
                case "\\": expected += "\\\\"
                case "\r": expected += "\\r"
                case "\n": expected += "\\n"
                default: expected.unicodeScalars.append(scalar)
                }
            }
            expected += "\""
            #expect(Array(out.utf8) == Array(expected.utf8), "\(s.debugDescription)")
            #expect(try JSONParser.parse(out) == .string(s))
        }
    }

    @Test func compactAndIndentedLayoutsMatchPython() throws {
        let value = try JSONParser.parse(#"{"a": [1, {"b": []}, {}], "c": "x"}"#)
        #expect(JSONWriter.compact(value) == #"{"a": [1, {"b": []}, {}], "c": "x"}"#)
        let expected = "{\n    \"a\": [\n        1,\n        {\n            \"b\": []\n        },\n        {}\n    ],\n    \"c\": \"x\"\n}"
        #expect(JSONWriter.pretty(value, layout: .python(indent: 4)) == expected)
    }

    @Test func parserKeepsKeyOrderLiteralsAndTypes() throws {
        let value = try JSONParser.parse(#" {"z": 1, "a": -2.50e+3, "m": [true, false, null], "s": "\u00e9\ud83d\ude00\n"} "#)
        #expect(value.objectMembers?.map(\.key) == ["z", "a", "m", "s"])
        #expect(value["z"]?.intValue == 1)
        #expect(value["a"] == .number("-2.50e+3"))
        #expect(value["a"]?.intValue == nil)
        #expect(value["m"] == .array([.bool(true), .bool(false), .null]))
        #expect(value["s"]?.stringValue == "é😀\n")
    }

    @Test(arguments: [
        ("{\"a\": 1,}", 1, 9), ("[1 2]", 1, 4), ("{\"a\" 1}", 1, 6), ("\"abc", 1, 5), ("tru", 1, 1),
        ("{\n  \"a\": \"x\ny\"\n}", 2, 10), ("[01]", 1, 3), ("\"\\x\"", 1, 3), ("\"\\ud800\"", 1, 8), ("1 2", 1, 3),
    ])
    func parserRejectsInvalidJSONWithPosition(text: String, line: Int, column: Int) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.line == line, "\(text)")
            #expect(error.column == column, "\(text)")
        }
    }

    @Test func thePythonDialectAcceptsWhatJSONLoadsAcceptsAndStrictDoesNot() throws {
        for text in ["NaN", "[Infinity, -Infinity]", #""\ud800x""#, #""\udc00""#, #""\ud800\u0041""#] {
            #expect(throws: JSONSyntaxError.self, "\(text)") { try JSONParser.parse(text) }
        }
        #expect(try JSONParser.parse("[NaN, Infinity, -Infinity, -1]", dialect: .python)
                == .array([.number("NaN"), .number("Infinity"), .number("-Infinity"), .number("-1")]))
        // A lone surrogate becomes U+FFFD; one followed by a non-low escape leaves that escape to be read.
        #expect(try JSONParser.parse(#""\ud800x""#, dialect: .python) == .string("\u{FFFD}x"))
        #expect(try JSONParser.parse(#""\ud800\u0041""#, dialect: .python) == .string("\u{FFFD}A"))
        #expect(try JSONParser.parse(#""\ud83d\ude00""#, dialect: .python) == .string("😀"))
        for text in ["nan", "-NaN", "Infinit", "+1", "[1,]"] {
            #expect(throws: JSONSyntaxError.self, "\(text)") { try JSONParser.parse(text, dialect: .python) }
        }
        do {
            _ = try JSONParser.parse("[1,\n 2,]", dialect: .python)
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.line == 2 && error.column == 4 && error.offset == 7)
        }
    }

    @Test func duplicateKeysLookUpTheLastLikePython() throws {
        let value = try JSONParser.parse(#"{"k": 1, "k": 2}"#)
        #expect(value["k"]?.intValue == 2)
        #expect(JSONWriter.compact(value) == #"{"k": 1, "k": 2}"#)
    }
}
