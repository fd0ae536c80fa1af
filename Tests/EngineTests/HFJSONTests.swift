import Foundation
import Testing
@testable import Engine

/// The canonical JSON writer and strict parser behind every Hugging Face file the engine writes.
@Suite struct HFJSONTests {
    @Test func serialisesCanonically() throws {
        let value: JSONValue = .object([
            "b": .array([.int(1), .double(0.5), .double(1e-6), .double(1_000_000), .null, .bool(true)]),
            "a": .object([:]),
            "é": .string("quote \" backslash \\ newline \n tab \t control \u{1} slash / 中文 😀"),
            "Z": .array([]),
        ])
        // Python: json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
        let expected = """
        {
          "Z": [],
          "a": {},
          "b": [
            1,
            0.5,
            1e-06,
            1000000.0,
            null,
            true
          ],
          "é": "quote \\" backslash \\\\ newline \\n tab \\t control \\u0001 slash / 中文 😀"
        }

        """
        #expect(try value.canonicalString(.pretty) == expected)
        #expect(try value.canonicalString(.compact).hasPrefix(#"{"Z":[],"a":{},"b":[1,0.5,1e-06,1000000.0,null,true],"#))
        #expect(throws: JSONEncodingError.self) { try JSONValue.array([.double(.nan)]).serialized() }
    }

    @Test func parsesAndRoundTrips() throws {
        let text = #"{"n": -12, "x": 2.5e3, "s": "a\u00e9\ud83d\ude00\/\n", "l": [true, false, null, {}], "big": 9007199254740993}"#
        let value = try JSONParser.parse(text)
        #expect(value["n"] == .int(-12))
        #expect(value["x"] == .double(2500))
        #expect(value["s"] == .string("aé😀/\n"))
        #expect(value["big"] == .int(9_007_199_254_740_993))
        #expect(try JSONParser.parse(try value.serialized()) == value)
        #expect(try JSONParser.parse(" \u{FEFF}1".dropFirst(1) + "") == .int(1))
    }

    @Test func rejectsMalformedInputWithPositions() {
        let cases: [(String, JSONParseError)] = [
            ("{\"a\": 1,}", JSONParseError(message: "expected a string key", line: 1, column: 9)),
            ("[1 2]", JSONParseError(message: "expected ',' or ']' in an array", line: 1, column: 4)),
            ("{\n\"a\": 01}", JSONParseError(message: "leading zero in a number", line: 2, column: 7)),
            ("\"abc", JSONParseError(message: "unterminated string", line: 1, column: 1)),
            ("{\"k\": 1, \"k\": 2}", JSONParseError(message: "duplicate key \"k\"", line: 1, column: 10)),
            ("tru", JSONParseError(message: "invalid literal", line: 1, column: 1)),
            ("1 2", JSONParseError(message: "unexpected text after the JSON value", line: 1, column: 3)),
            ("\"\u{1}\"", JSONParseError(message: "control character in a string", line: 1, column: 2)),
            ("1e999", JSONParseError(message: "number out of range", line: 1, column: 1)),
        ]
        for (text, expected) in cases {
            #expect(throws: expected, "parsing \(text.debugDescription)") { try JSONParser.parse(text) }
        }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(String(repeating: "[", count: 600)) }
    }
}
