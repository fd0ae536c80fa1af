import Basics
import Foundation
import Testing

/// The one writer: Python's escaping and layouts, the canonical forms, and byte-for-byte
/// agreement with Foundation's JSONEncoder where files were first written by it.
@Suite struct JSONWriterTests {
    @Test func stringEscapingMatchesPythonEnsureAsciiFalse() {
        // Expected bytes from: json.dumps(s, ensure_ascii=False) in CPython 3.
        let s = "a\"b\\c/d\n\r\t\u{08}\u{0C}\u{00}\u{01}\u{1F}\u{7F} é 中文 \u{2028} 😀"
        let hex = JSONWriter.python.bytes(.string(s)).map { String(format: "%02x", $0) }.joined()
        #expect(hex == "22615c22625c5c632f645c6e5c725c745c625c665c75303030305c75303030315c75303031667f20c3a920e4b8ade6968720e280a820f09f988022")
    }

    @Test func escapingWorksOnCodePointsNotGraphemes() throws {
        // "\r\n" is one Character, and so is a quote followed by a combining accent; both must
        // still escape exactly like Python, which works on code points.
        for s in ["a\r\nb", "x\"\u{301}y", "\u{301}\"", "é\\\u{301}", "\r\n\r\n", ""] {
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
            let written = JSONWriter.python.string(.string(s))
            #expect(Array(written.utf8) == Array(expected.utf8), "\(s.debugDescription)")
            #expect(try JSONParser.parse(written) == .string(s))
        }
    }

    @Test func pythonLayoutsKeepMemberOrder() throws {
        let value = try JSONParser.parse(#"{"c": [1, {"b": []}, {}], "a": "x"}"#)
        #expect(JSONWriter.python.string(value) == #"{"c": [1, {"b": []}, {}], "a": "x"}"#)
        #expect(JSONWriter.compact.string(value) == #"{"c":[1,{"b":[]},{}],"a":"x"}"#)
        let expected = "{\n    \"c\": [\n        1,\n        {\n            \"b\": []\n        },\n        {}\n    ],\n    \"a\": \"x\"\n}"
        #expect(JSONWriter.pythonIndented(4).string(value) == expected)
    }

    @Test func theReleasedTrainingExampleLayoutKeepsItsHandEditedIndents() throws {
        let value = try JSONParser.parse(#"[{"conversations": [{"from": "human", "value": "x"}], "chosen": {"from": "gpt", "value": "y"}}]"#)
        let expected = """
            [
                {
                  "conversations": [
                      {
                          "from": "human",
                          "value": "x"
                      }
                  ],
                  "chosen": {
                      "from": "gpt",
                      "value": "y"
                  }
               }
            ]
            """
        #expect(JSONWriter.releasedTrainingExample.string(value) == expected)
    }

    @Test func canonicalFormsSortKeysAndFormatNumbersOneWay() throws {
        let value: JSONValue = .object([
            "b": .array([.int(1), .double(0.5), .double(1e-6), .double(1_000_000), .null, .bool(true)]),
            "a": .object([:]),
            "é": .string("quote \" backslash \\ newline \n tab \t control \u{1} slash / 中文 😀"),
            "Z": .array([]),
        ])
        // Python: json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
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
        #expect(JSONWriter.canonicalIndented.string(value) == expected)
        #expect(JSONWriter.canonical.string(value).hasPrefix(#"{"Z":[],"a":{},"b":[1,0.5,1e-06,1000000.0,null,true],"#))
        // Sorting happens when writing too, by UTF-8 bytes (code points), so a parsed value in any
        // member order is written canonically.
        let shuffled = try JSONParser.parse(#"{"é": 1, "f": 2, "Z": 3, "a": {"y": 1, "x": 2}}"#)
        #expect(JSONWriter.canonical.string(shuffled) == #"{"Z":3,"a":{"x":2,"y":1},"f":2,"é":1}"#)
        #expect(try JSONParser.parse(JSONWriter.canonical.string(value)) == value)
    }

    @Test func numbersAreBuiltInOneForm() {
        #expect(JSONValue.int(-12) == .number("-12"))
        #expect(JSONValue.int(UInt64.max) == .number("18446744073709551615"))
        #expect([0.02, 1e-6, 1_000_000, 3, -0.0, 1e16, 2.5e-300].map { JSONValue.double($0) }
                == ["0.02", "1e-06", "1000000.0", "3.0", "-0.0", "1e+16", "2.5e-300"].map { JSONValue.number($0) })
        #expect([Double.nan, .infinity, -.infinity].map { JSONValue.double($0) }
                == ["NaN", "Infinity", "-Infinity"].map { JSONValue.number($0) })
    }

    @Test func nonFiniteNumbersAreRefusedWhereStandardJSONIsPromised() throws {
        let value: JSONValue = .object(["ok": .double(1), "bad": .array([.int(1), .double(.nan)])])
        do {
            try value.requireFiniteNumbers()
            Issue.record("NaN was accepted")
        } catch {
            #expect(error.path == "$.bad[1]" && error.literal == "NaN")
            #expect(error.description == "cannot write the non-finite number NaN at $.bad[1] as JSON")
        }
        #expect(throws: JSONNonFiniteNumberError.self) { try JSONWriter.canonical.checkedBytes(value) }
        // The writer itself writes what Python's json.dumps writes.
        #expect(JSONWriter.python.string(value) == #"{"bad": [1, NaN], "ok": 1.0}"#)
        #expect(try JSONWriter.canonical.checkedBytes(.double(2)) == Array("2.0".utf8))
    }
}

/// `JSONValueEncoder` with the canonical and Foundation-indented writers gives exactly the bytes
/// Foundation's JSONEncoder gives, which wrote the store's objects and the synthetic manifest first.
@Suite struct JSONValueEncoderTests {
    struct Sample: Codable {
        enum Kind: String, Codable { case file, directory = "dir" }
        struct Nested: Codable { var weights: [Double]; var label: String? }
        var path: String
        var kind: Kind
        var mode: Int?
        var size: Int?
        var seed: UInt64
        var ratio: Float
        var flags: [Bool]
        var empty: [Int]
        var emptyTable: [String: Int]
        var byName: [String: Nested]
        var grid: [[Int]]
        var note: String?
    }

    static let samples: [Sample] = [
        Sample(path: "a/b \"q\" \\ é 中文 😀 \u{1} \u{7F} \u{2028}\ttab", kind: .directory, mode: 0o755, size: nil, seed: .max, ratio: 0.1,
               flags: [true, false], empty: [], emptyTable: [:],
               byName: ["Zeta": Sample.Nested(weights: [3, 0.1, 1e-06, -0.0, 1e16, 1e15, 12345678.9, 2.5e-5, 1.2345678901234568e+20], label: nil),
                        "alpha": Sample.Nested(weights: [], label: "x/y"), "é": Sample.Nested(weights: [0.30000000000000004], label: "")],
               grid: [[], [1, -2], [Int.min]], note: nil),
        Sample(path: "", kind: .file, mode: nil, size: 0, seed: 0, ratio: -3, flags: [], empty: [], emptyTable: ["b": 1, "a": 2],
               byName: [:], grid: [], note: "/"),
    ]

    @Test func canonicalBytesEqualJSONEncodersWithSortedKeysAndUnescapedSlashes() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for sample in Self.samples {
            let ours = JSONWriter.canonical.bytes(try JSONValueEncoder.encode(sample))
            #expect(String(decoding: ours, as: UTF8.self) == String(decoding: try encoder.encode(sample), as: UTF8.self))
        }
    }

    @Test func foundationIndentedBytesEqualJSONEncodersPrettyPrintedPlusANewline() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        for sample in Self.samples {
            let ours = JSONWriter.foundationIndented.bytes(try JSONValueEncoder.encode(sample))
            #expect(String(decoding: ours, as: UTF8.self) == String(decoding: try encoder.encode(sample) + [0x0A], as: UTF8.self))
        }
        // Empty containers at the top level too.
        #expect(JSONWriter.foundationIndented.string(try JSONValueEncoder.encode([Int]())) == "[\n\n]\n")
        #expect(JSONWriter.foundationIndented.string(try JSONValueEncoder.encode([String: Int]())) == "{\n\n}\n")
    }

    @Test func refusesWhatJSONEncoderRefusesOrMapsSpecially() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode(["x": Float.infinity]) }
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode(Data([1, 2])) }
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode([URL(fileURLWithPath: "/tmp")]) }
    }
}
