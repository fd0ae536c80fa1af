// `iopo-exp eval --responses-from FILE` as a user runs it: judging responses produced elsewhere
// without any model, the exit codes of its mistakes, and the real IFEval prompts.

import Foundation
import TestKit
import Testing

@Suite struct EvalCLITests {
    static let prompts = [
        #"{"key": 1, "prompt": "Write without commas.", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}"#,
        #"{"key": 2, "prompt": "Give it a title.", "instruction_id_list": ["detectable_format:title"], "kwargs": [{}]}"#,
        #"{"key": 3, "prompt": "Lowercase, no commas.", "instruction_id_list": ["change_case:english_lowercase", "punctuation:no_comma"], "kwargs": [{}, {}]}"#,
    ]

    @Test func responsesFromAFileAreJudgedWithoutAModel() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try cli.write(Self.prompts.joined(separator: "\n") + "\n", to: "ifeval.jsonl")
        try cli.write("""
            {"prompt": "Write without commas.", "response": "plain words"}
            {"prompt": "Give it a title.", "response": "<<Title>> and text"}
            {"prompt": "Lowercase, no commas.", "response": "Not Lowercase"}

            """, to: "answers.jsonl")
        let run = try cli.run(["eval", "--ifeval", "ifeval.jsonl", "--responses-from", "answers.jsonl", "--out", "out"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("S-Acc 66.7%") && run.stdout.contains("0 model requests"), "\(run.stdout)")
        let json = try cli.run(["eval", "--ifeval", "ifeval.jsonl", "--responses-from", "answers.jsonl", "--out", "out2", "--json"])
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((metrics["ifeval"] as? [String: Any])?["prompts"] as? Int == 3)
        // The first run's files, rejudged from its own responses.jsonl: the same judgments.
        let again = try cli.run(["eval", "--ifeval", "ifeval.jsonl", "--responses-from", "out/responses.jsonl", "--out", "out3"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(FileManager.default.contents(atPath: cli.directory.appendingPathComponent("out3/judgments.jsonl").path)
                == FileManager.default.contents(atPath: cli.directory.appendingPathComponent("out/judgments.jsonl").path))
    }

    @Test func mistakesExitTwoNamingTheProblem() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try cli.write(Self.prompts.joined(separator: "\n") + "\n", to: "ifeval.jsonl")
        try cli.write(#"{"prompt": "Write without commas.", "response": "x"}"# + "\n", to: "partial.jsonl")
        let both = try cli.run(["eval", "--ifeval", "ifeval.jsonl", "--responses-from", "partial.jsonl", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m"])
        #expect(both.status == 2 && both.stderr.contains("give one of --endpoint URL --model NAME, --model-dir DIR or --responses-from FILE"), "\(both.stderr)")
        let partial = try cli.run(["eval", "--ifeval", "ifeval.jsonl", "--responses-from", "partial.jsonl", "--out", "out"])
        #expect(partial.status == 2 && partial.stderr.contains("partial.jsonl: no response for 2 of 3 records"), "\(partial.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("out").path))
        let absent = try cli.run(["eval", "--ifeval", "ifeval.jsonl", "--responses-from", "absent.jsonl"])
        #expect(absent.status == 2 && absent.stderr.contains("absent.jsonl: cannot read the responses file"), "\(absent.stderr)")
    }

    @Test(.enabled(if: SharedData.has("ifeval/input_data.jsonl"), "needs the real IFEval prompts (IOPO_DATA_DIR)"))
    func theRealIFEvalPromptsWithResponsesFromAFile() throws {
        let file = try #require(SharedData.file("ifeval/input_data.jsonl")).path
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        let cli = CLI(); defer { cli.cleanup() }
        // Each prompt answered by itself in lower case: some instructions followed, most not.
        var lines: [String] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let prompt = try #require(record["prompt"] as? String)
            let answer = try JSONSerialization.data(withJSONObject: ["prompt": prompt, "response": prompt.lowercased()])
            lines.append(String(decoding: answer, as: UTF8.self))
        }
        try cli.write(lines.joined(separator: "\n") + "\n", to: "answers.jsonl")
        let run = try cli.run(["eval", "--ifeval", file, "--responses-from", "answers.jsonl", "--out", "out"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("ifeval (IFEval, 541 prompts)"), "\(run.stdout)")
    }
}
