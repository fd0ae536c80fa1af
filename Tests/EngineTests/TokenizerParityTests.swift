import Basics
import Foundation
import Testing
@testable import Engine
import TestKit

/// The Swift side of scripts/parity/tokenizer_parity.py: the fixtures are generated
/// deterministically, and when IOPO_PARITY_OUT names a directory they are written there for the
/// Python check.
@Suite struct TokenizerParityTests {
    @Test func fixturesAreDeterministicAndConsistent() throws {
        let first = FileManager.default.temporaryDirectory.appendingPathComponent("parity-a-\(getpid())")
        let second = FileManager.default.temporaryDirectory.appendingPathComponent("parity-b-\(getpid())")
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        let summary = try TokenizerParityCases.write(to: first, textCount: 200)
        try TokenizerParityCases.write(to: second, textCount: 200)
        #expect(summary.textCases == 200)
        #expect(summary.vocabularySize == TokenizerParityCases.vocabularySize)
        for name in ["tokenizer.json", "tokenizer_config.json", "cases.jsonl"] {
            let a = try Data(contentsOf: first.appendingPathComponent(name))
            let b = try Data(contentsOf: second.appendingPathComponent(name))
            #expect(a == b, "\(name) differs between two runs")
        }
        // Every text case round-trips through the tokenizer read back from the export.
        let tokenizer = try HFTokenizerJSON.read(from: first.appendingPathComponent("tokenizer.json"))
        let lines = try String(contentsOf: first.appendingPathComponent("cases.jsonl"), encoding: .utf8).split(separator: "\n")
        var checked = 0
        for line in lines {
            let value = try JSONParser.parse(String(line), options: .interchange)
            guard value["kind"]?.stringValue == "text", let text = value["text"]?.stringValue,
                  let ids = value["ids"]?.arrayValue?.compactMap(\.intValue) else { continue }
            #expect(tokenizer.encode(text) == ids, "ids differ for \(text.debugDescription)")
            #expect(tokenizer.decode(ids) == TextNormalization.nfc.apply(text), "decode differs for \(text.debugDescription)")
            checked += 1
        }
        #expect(checked == 200)
    }

    /// With IOPO_PARITY_OUT set, writes the fixtures there; the real TRACE and IFEval prompts
    /// join them when the data directory (IOPO_DATA_DIR, default ../shared/data from the
    /// repository root) is present.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["IOPO_PARITY_OUT"] != nil))
    func writeFixturesForPython() throws {
        let directory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["IOPO_PARITY_OUT"]!)
        let extra = try Self.realPrompts()
        if extra.isEmpty { print("data directory not found: writing generated cases only") }
        let summary = try TokenizerParityCases.write(to: directory, extraTexts: extra)
        print("wrote \(summary.textCases) text (\(extra.count) real prompts), \(summary.chatCases) chat and \(summary.decodeCases) decode cases to \(summary.directory)")
    }

    /// User prompts of TRACE's evaluation set and IFEval's prompts, in file order.
    static func realPrompts() throws -> [String] {
        let dataDirectory = SharedData.directory
        var prompts: [String] = []
        for (file, extract) in [
            ("trace/trace_eval.jsonl", { (record: JSONValue) in record["messages"]?.arrayValue?.last?["content"]?.stringValue }),
            ("ifeval/input_data.jsonl", { (record: JSONValue) in record["prompt"]?.stringValue }),
        ] {
            let url = dataDirectory.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") where !line.isEmpty {
                if let prompt = extract(try JSONParser.parse(String(line), options: .interchange)) { prompts.append(prompt) }
            }
        }
        return prompts
    }
}
