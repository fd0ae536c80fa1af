import Basics
import Foundation
import Testing

/// The one parser: key order and number literals kept, positions on every error, and the three
/// option presets (strict, Python's json.loads, the engine's interchange files).
@Suite struct JSONParserTests {
    @Test func parserKeepsKeyOrderLiteralsAndTypes() throws {
        let value = try JSONParser.parse(#" {"z": 1, "a": -2.50e+3, "m": [true, false, null], "s": "\u00e9\ud83d\ude00\/\n"} "#)
        #expect(value.objectMembers?.map(\.key) == ["z", "a", "m", "s"])
        #expect(value["z"]?.intValue == 1)
        #expect(value["a"] == .number("-2.50e+3"))
        #expect(value["a"]?.intValue == nil)
        #expect(value["a"]?.doubleValue == -2500)
        #expect(value["m"] == .array([.bool(true), .bool(false), .null]))
        #expect(value["s"]?.stringValue == "é😀/\n")
    }

    @Test func accessorsReadNumbersAsTheirCallersNeed() throws {
        let value = try JSONParser.parse(#"{"i": 7, "f": 2.0, "e": 1e3, "x": 2.5, "big": 123456789012345678901234, "huge": 1e999}"#)
        #expect(value["i"]?.intValue == 7 && value["i"]?.wholeNumberValue == 7)
        // An integer field written as a float by Python reads as whole, but is not an integer literal.
        #expect(value["f"]?.intValue == nil && value["f"]?.wholeNumberValue == 2)
        #expect(value["e"]?.wholeNumberValue == 1000)
        #expect(value["x"]?.wholeNumberValue == nil && value["x"]?.doubleValue == 2.5)
        #expect(value["big"]?.intValue == nil && value["big"]?.wholeNumberValue == nil && value["big"]?.doubleValue == 1.2345678901234568e23)
        #expect(value["huge"]?.doubleValue == nil)
        #expect(value["s"] == nil && value["i"]?.stringValue == nil && value.arrayValue == nil)
    }

    @Test func repeatedKeysAreKeptAndLookUpTheLastLikePython() throws {
        let value = try JSONParser.parse(#"{"k": 1, "j": 0, "k": 2}"#)
        #expect(value["k"]?.intValue == 2)
        #expect(value.objectValue == ["k": .int(2), "j": .int(0)])
        #expect(value.objectMembers?.count == 3)
        #expect(JSONWriter.python.string(value) == #"{"k": 1, "j": 0, "k": 2}"#)
    }

    @Test(arguments: [
        ("{\"a\": 1,}", 1, 9), ("[1 2]", 1, 4), ("{\"a\" 1}", 1, 6), ("\"abc", 1, 5), ("tru", 1, 1),
        ("{\n  \"a\": \"x\ny\"\n}", 2, 10), ("[01]", 1, 3), ("\"\\x\"", 1, 3), ("\"\\ud800\"", 1, 8), ("1 2", 1, 3),
        ("", 1, 1), ("\u{FEFF}1", 1, 1),
    ])
    func strictParsingRejectsInvalidJSONWithPosition(text: String, line: Int, column: Int) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.line == line, "\(text.debugDescription)")
            #expect(error.column == column, "\(text.debugDescription)")
        }
    }

    @Test func errorsSayWhatWasWrongAndWhere() {
        let cases: [(String, String)] = [
            ("{\"a\": 1,}", "line 1, column 9: expected a string key"),
            ("[1 2]", "line 1, column 4: expected ',' or ']' in an array"),
            ("{\n\"a\": 01}", "line 2, column 7: leading zero in a number"),
            ("\"abc", "line 1, column 5: unterminated string"),
            ("tru", "line 1, column 1: invalid literal"),
            ("1 2", "line 1, column 3: unexpected text after the JSON value"),
            ("\"\u{1}\"", "line 1, column 2: control character in a string"),
            ("[1,,2]", "line 1, column 4: unexpected character ','"),
            ("{\"a\":1}\u{00E9}", "line 1, column 8: unexpected text after the JSON value"),
            ("[\u{00E9}]", "line 1, column 2: unexpected character byte 0xC3"),
        ]
        for (text, expected) in cases {
            do {
                _ = try JSONParser.parse(text)
                Issue.record("\(text.debugDescription) parsed")
            } catch {
                #expect(error.description == expected)
            }
        }
        do {
            _ = try JSONParser.parse("[1,\n 2,]", options: .python)
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.line == 2 && error.column == 4 && error.offset == 7)
        }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(bytes: [0x22, 0xFF, 0x22]) }
    }

    @Test func nestingIsBoundedByTheOptions() throws {
        let deepest = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(try JSONParser.parse(deepest).arrayValue?.count == 1)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("[" + deepest + "]") }
        var shallow = JSONParser.Options.interchange
        shallow.maximumDepth = 3
        #expect(try JSONParser.parse("[[1]]", options: shallow) == .array([.array([.int(1)])]))
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("[[[1]]]", options: shallow) }
    }

    @Test func thePythonOptionsAcceptWhatJSONLoadsAcceptsAndStrictDoesNot() throws {
        for text in ["NaN", "[Infinity, -Infinity]", #""\ud800x""#, #""\udc00""#, #""\ud800\u0041""#] {
            #expect(throws: JSONSyntaxError.self, "\(text)") { try JSONParser.parse(text) }
        }
        #expect(try JSONParser.parse("[NaN, Infinity, -Infinity, -1]", options: .python)
                == .array([.number("NaN"), .number("Infinity"), .number("-Infinity"), .number("-1")]))
        #expect(try JSONParser.parse("NaN", options: .python).doubleValue?.isNaN == true)
        // A lone surrogate becomes U+FFFD; one followed by a non-low escape leaves that escape to be read.
        #expect(try JSONParser.parse(#""\ud800x""#, options: .python) == .string("\u{FFFD}x"))
        #expect(try JSONParser.parse(#""\ud800\u0041""#, options: .python) == .string("\u{FFFD}A"))
        #expect(try JSONParser.parse(#""\ud83d\ude00""#, options: .python) == .string("😀"))
        for text in ["nan", "-NaN", "Infinit", "+1", "[1,]"] {
            #expect(throws: JSONSyntaxError.self, "\(text)") { try JSONParser.parse(text, options: .python) }
        }
    }

    @Test func theInterchangeOptionsGuardTheEnginesFiles() throws {
        // A tensor or field listed twice is refused, at the repeated key.
        do {
            _ = try JSONParser.parse(#"{"k": 1, "k": 2}"#, options: .interchange)
            Issue.record("a repeated key was accepted")
        } catch {
            #expect(error.description == "line 1, column 10: duplicate key \"k\"")
        }
        // An editor's byte order mark is skipped.
        #expect(try JSONParser.parse("\u{FEFF} 1", options: .interchange) == .int(1))
        // A number no double can hold is refused where it starts.
        do {
            _ = try JSONParser.parse("[1e999]", options: .interchange)
            Issue.record("1e999 was accepted")
        } catch {
            #expect(error.description == "line 1, column 2: number out of range")
        }
        #expect(try JSONParser.parse("[1e999]") == .array([.number("1e999")]))
        // Numbers are read into the engine's canonical text, so a file read and written back
        // holds the same numbers in the form the engine writes them.
        let numbers = try JSONParser.parse("[-0, 7, 2.50e+3, 1E5, 0.020, 1e-6, 123456789012345678901234, -0.0]", options: .interchange)
        #expect(numbers == .array([.int(0), .int(7), .double(2500), .double(100_000), .double(0.02), .double(1e-6),
                                   .double(1.2345678901234568e23), .double(-0.0)]))
        #expect(JSONWriter.canonical.string(numbers) == "[0,7,2500.0,100000.0,0.02,1e-06,1.2345678901234569e+23,-0.0]")
        // Lone surrogates read as U+FFFD, as in the Python options; NaN stays refused.
        #expect(try JSONParser.parse(#""\udc00""#, options: .interchange) == .string("\u{FFFD}"))
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("NaN", options: .interchange) }
    }

    @Test func parsesARegionOfMemory() throws {
        let bytes = Array(#"xx{"a":[1]}yy"#.utf8)
        let value = try bytes.withUnsafeBufferPointer { buffer in
            try JSONParser.parse(UnsafeBufferPointer(rebasing: buffer[2..<11]), options: .interchange)
        }
        #expect(value == .object([JSONMember("a", .array([.int(1)]))]))
    }
}
