// Judging responses produced elsewhere (--responses-from): IFEval's input_response_data.jsonl
// matched by prompt, this tool's own responses.jsonl matched by dataset and id, and every way
// such a file can be wrong, reported with its line before anything is written.

import Basics
@testable import Eval
import Foundation
import Testing
import Trace
import TestKit

@Suite struct ProvidedResponsesTests {
    func config(_ work: TemporaryDirectory, responses: String, out: String = "out", datasetName: String = "ifeval") -> EvaluationConfig {
        EvaluationConfig(endpoint: "", model: "", datasets: [DatasetSpec(name: datasetName, file: work.file("ifeval.jsonl").path)],
                         judge: .ifeval, outputDirectory: work.file(out), responsesFile: work.file(responses).path)
    }

    func writeLines(_ lines: [String], to url: URL) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    @Test func ifevalReferenceResponsesAreMatchedByPromptAndScored() async throws {
        let work = TemporaryDirectory()
        try writeIFEval(to: work.file("ifeval.jsonl"))
        // In another order than the data, as a reference file may be.
        try writeLines([
            #"{"prompt": "Lowercase, no commas.", "response": "all lowercase words here"}"#,
            #"{"prompt": "Write without commas.", "response": "all lowercase words here"}"#,
            #"{"prompt": "Give it a title.", "response": "all lowercase words here"}"#,
        ], to: work.file("input_response_data.jsonl"))
        let result = try await Evaluation.run(config(work, responses: "input_response_data.jsonl"))
        // The same responses as the scripted endpoint of IFEvalEvaluationTests: the same scores.
        #expect(result.metrics["ifeval/s_acc"] == 0.666667)
        #expect(result.metrics["ifeval/strict_instruction_acc"] == 0.75)
        #expect(result.modelRequests == 0)
        #expect(!FileManager.default.fileExists(atPath: work.file("out/responses-cache.jsonl").path))
        let responses = try readLines(result.responsesFile).map { try JSONParser.parse($0) }
        #expect(responses.map { $0["id"]?.stringValue } == ["1", "2", "3"])
        #expect(responses.allSatisfy { $0["response"]?.stringValue == "all lowercase words here" })
        let metrics = try JSONParser.parse(String(decoding: try Data(contentsOf: result.metricsFile), as: UTF8.self))
        #expect(metrics["settings"]?["responses_file"]?.stringValue == work.file("input_response_data.jsonl").path)
    }

    @Test func anEarlierRunsResponsesRejudgeToTheSameScores() async throws {
        let endpoint = try await FakeEndpoint.start { request in
            (200, chatCompletionBody(userMessage(request).contains("title") ? "<<A Title>> here" : "no commas, sorry"))
        }
        let work = TemporaryDirectory()
        try writeIFEval(to: work.file("ifeval.jsonl"))
        let live = try await Evaluation.run(EvaluationConfig(
            endpoint: endpoint.baseURL, model: "m", datasets: [DatasetSpec(name: "ifeval", file: work.file("ifeval.jsonl").path)],
            judge: .ifeval, outputDirectory: work.file("live")))
        await endpoint.stop()
        let again = try await Evaluation.run(config(work, responses: "live/responses.jsonl", out: "again"))
        let scores = { (metrics: [String: Double]) in metrics.filter { $0.key.hasPrefix("ifeval/") } }
        #expect(scores(again.metrics) == scores(live.metrics) && !scores(live.metrics).isEmpty)
        #expect(try Data(contentsOf: again.judgmentsFile) == Data(contentsOf: live.judgmentsFile))
        #expect(try Data(contentsOf: again.responsesFile).count > 0)
    }

    @Test func aRefusedPromptInAResponsesFileStaysAGenerationError() async throws {
        let work = TemporaryDirectory()
        try writeIFEval(to: work.file("ifeval.jsonl"))
        try writeLines([
            #"{"dataset": "ifeval", "id": "1", "response": "fine"}"#,
            #"{"dataset": "ifeval", "id": "2", "response": null, "error": "the endpoint refused the prompt (HTTP 400)"}"#,
            #"{"id": "3", "response": "fine"}"#,
        ], to: work.file("responses.jsonl"))
        let result = try await Evaluation.run(config(work, responses: "responses.jsonl"))
        #expect(result.metrics["ifeval/generation_errors"] == 1)
        let lines = try readLines(result.responsesFile).map { try JSONParser.parse($0) }
        #expect(lines[1]["error"]?.stringValue == "the endpoint refused the prompt (HTTP 400)")
    }

    @Test func badResponsesFilesAreRefusedWithTheirLineAndNothingIsWritten() async throws {
        let work = TemporaryDirectory()
        try writeIFEval(to: work.file("ifeval.jsonl"))
        func refusal(_ lines: [String]) async throws -> String {
            try writeLines(lines, to: work.file("bad.jsonl"))
            do {
                _ = try await Evaluation.run(config(work, responses: "bad.jsonl"))
                Issue.record("expected \(lines) to be refused")
                return ""
            } catch let error as EvaluationError {
                #expect(!FileManager.default.fileExists(atPath: work.file("out").path), "an output directory was left behind")
                return error.description
            }
        }
        let one = #"{"prompt": "Write without commas.", "response": "a"}"#
        let two = #"{"prompt": "Give it a title.", "response": "b"}"#
        let missing = try await refusal([one, two])
        #expect(missing.contains("bad.jsonl") && missing.contains("no response for 1 of 3 records") && missing.contains("record 3"), "\(missing)")
        #expect(try await refusal([one, "{not json"]).contains("line 2: not JSON"))
        #expect(try await refusal([one, #"{"prompt": "Give it a title."}"#]).contains(#"line 2: no "response" field"#))
        #expect(try await refusal([one, #"{"prompt": "x", "response": 3}"#]).contains(#"line 2: "response" must be a string, got number"#))
        #expect(try await refusal([one, #"{"response": "orphan"}"#]).contains(#"line 2: needs "prompt""#))
        #expect(try await refusal([one, two, one]).contains("line 3: a second response for the record of line 1"))
        #expect(try await refusal([]).contains("the responses file is empty"))
        #expect(try await refusal([one, "[1, 2]"]).contains("line 2: expected a JSON object"))
        #expect(try await refusal([one, #"{"prompt": "Give it a title.", "response": null}"#]).contains(#"line 2: "response" is null but the record has no "id""#))
        #expect(try await refusal([#"{"id": "1", "response": "a"}"#, #"{"id": "1", "response": "b"}"#]).contains("line 2: a second response for the record of line 1"))
        try Data([0xFF, 0xFE, 0x0A]).write(to: work.file("bad.jsonl"))
        do {
            _ = try await Evaluation.run(config(work, responses: "bad.jsonl"))
            Issue.record("expected a non-UTF-8 file to be refused")
        } catch let error as EvaluationError {
            #expect(error.description.contains("bad.jsonl: not UTF-8 text"))
        }
    }
}
