// Training data as the trainer receives it: the three sharegpt shapes (SFT, pair, quadruple) from a
// JSONL file, a JSON list and a directory of shards; bad records named by file and line; the chat
// template around prompts and the end-of-turn token after responses; the real TRACE sample file
// (the released one with two consecutive user turns, which the upstream aligner drops).

import Engine
import Foundation
import Pipeline
import Testing
import TestKit

@Suite("Training data")
struct TrainingDataTests {
    static let sft = #"{"conversations": [{"from": "human", "value": "Say hi."}, {"from": "gpt", "value": "Hi."}]}"#
    static let pair = #"{"conversations": [{"from": "human", "value": "Say hi."}], "chosen": {"from": "gpt", "value": "Hi."}, "rejected": {"from": "gpt", "value": "No."}}"#
    static let quadruple = #"{"conversations": [{"from": "human", "value": "x one"}, {"from": "human", "value": "x two"}], "chosen": {"from": "gpt", "value": "y one"}, "rejected": {"from": "gpt", "value": "y two"}, "meta": {"id": 1}}"#

    @Test("SFT examples, pairs and quadruples from JSONL, a JSON list, and a directory of shards in name order")
    func shapes() throws {
        let scratch = TemporaryDirectory(prefix: "iopo-training-data")
        let directory = scratch.url
        let file = directory.appendingPathComponent("mixed.jsonl")
        try Data([Self.sft, "", Self.pair, Self.quadruple, ""].joined(separator: "\n").utf8).write(to: file)
        let texts = try TrainingTexts.load(file)
        #expect(texts == [.sft(prompt: "Say hi.", response: "Hi."), .pair(prompt: "Say hi.", chosen: "Hi.", rejected: "No."),
                          .quadruple(x1: "x one", y1: "y one", x2: "x two", y2: "y two")])

        let list = directory.appendingPathComponent("list.json")
        try Data("[\(Self.quadruple), \(Self.sft)]".utf8).write(to: list)
        #expect(try TrainingTexts.load(list).count == 2)

        let shards = directory.appendingPathComponent("shards")
        try FileManager.default.createDirectory(at: shards, withIntermediateDirectories: true)
        try Data(Self.pair.utf8).write(to: shards.appendingPathComponent("b.jsonl"))
        try Data(Self.sft.utf8).write(to: shards.appendingPathComponent("a.jsonl"))
        try Data("not a shard".utf8).write(to: shards.appendingPathComponent("notes.txt"))
        #expect(try TrainingTexts.load(shards) == [.sft(prompt: "Say hi.", response: "Hi."), .pair(prompt: "Say hi.", chosen: "Hi.", rejected: "No.")])
        #expect(try TrainingTexts.load(shards, limit: 1).count == 1)
    }

    @Test("a bad record is named by file and line")
    func badRecords() throws {
        let scratch = TemporaryDirectory(prefix: "iopo-training-data")
        let directory = scratch.url
        let cases: [(String, String)] = [
            ("{\"conversations\": 3}", "missing field \"conversations\""),
            ("{not json", "malformed JSON"),
            ("[1]", "an example must be a JSON object"),
            (#"{"conversations": [{"from": "human", "value": "a"}, {"from": "human", "value": "b"}, {"from": "gpt", "value": "c"}]}"#,
             "not an SFT example, preference pair or IOPO quadruple"),
            (#"{"conversations": [{"from": "human"}]}"#, "conversations[0] must be an object with string fields"),
        ]
        for (index, (record, message)) in cases.enumerated() {
            let file = directory.appendingPathComponent("bad\(index).jsonl")
            try Data((Self.sft + "\n" + record + "\n").utf8).write(to: file)
            do {
                _ = try TrainingTexts.load(file)
                Issue.record("\(record): expected an error")
            } catch {
                let text = "\(error)"
                #expect(text.hasPrefix("\(file.path):2: "), "\(text)")
                #expect(text.contains(message), "\(text)")
            }
        }
        #expect(throws: TrainingDataError.self) { _ = try TrainingTexts.load(directory.appendingPathComponent("absent.jsonl")) }
        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: TrainingDataError.self) { _ = try TrainingTexts.load(empty) }
    }

    @Test("prompts carry the chat template up to the assistant header; responses end with <|im_end|>")
    func encoding() throws {
        let texts: [TrainingText] = [.quadruple(x1: "Describe the farm.", y1: "The cow is red.", x2: "Describe the city.", y2: "The car is blue.")]
        let tokenizer = try TrainingEncoding.trainTokenizer(on: texts, vocabularySize: 300)
        let encoding = try TrainingEncoding(tokenizer: tokenizer)
        guard case let .quadruple(x1, y1, _, y2) = try encoding.encode(texts[0]) else { Issue.record("expected a quadruple"); return }
        let prompt = tokenizer.decode(x1.map(Int.init))
        #expect(prompt == "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nDescribe the farm.<|im_end|>\n<|im_start|>assistant\n")
        #expect(tokenizer.decode(y1.map(Int.init)) == "The cow is red.<|im_end|>")
        #expect(Int(y2.last!) == tokenizer.id(of: "<|im_end|>"))
        let custom = try TrainingEncoding(tokenizer: tokenizer, systemPrompt: "Be brief.")
        #expect(tokenizer.decode(try custom.prompt("Hi").map(Int.init)).hasPrefix("<|im_start|>system\nBe brief.<|im_end|>"))
    }

    @Test("the released TRACE training sample loads as IOPO quadruples", .enabled(if: FileManager.default.fileExists(
        atPath: SharedData.directory.appendingPathComponent("trace/trace_train_example.json").path)))
    func realSample() throws {
        let texts = try TrainingTexts.load(SharedData.directory.appendingPathComponent("trace/trace_train_example.json"))
        #expect(!texts.isEmpty)
        for text in texts {
            guard case let .quadruple(x1, y1, x2, y2) = text else { Issue.record("not a quadruple: \(text)"); continue }
            #expect(!x1.isEmpty && !y1.isEmpty && !x2.isEmpty && !y2.isEmpty && x1 != x2)
        }
    }
}
