// The evaluation harness end to end over real HTTP: against our own server on a tiny random
// model with each judge, and against scripted endpoints where the right answers are known.

import Basics
@testable import Eval
import Foundation
import Serve
import Testing
import Trace
import TestKit

@Suite struct RuleJudgeEvaluationTests {
    @Test func againstOurServerIsDeterministicAndResumable() async throws {
        let server = try await startTinyServer()
        defer { Task { await server.stop() } }
        let work = TemporaryDirectory()
        let data = work.file("trace.jsonl")
        try writeSyntheticTrace(to: data)
        func config(_ out: String, limit: Int? = nil) -> EvaluationConfig {
            EvaluationConfig(endpoint: server.baseURL, model: "tiny", datasets: [DatasetSpec(name: "in_domain", file: data.path)],
                             judge: .rule, temperature: 0, maxTokens: 12, concurrency: 3, limit: limit,
                             outputDirectory: work.file(out))
        }
        // Interrupted after 4 records, then resumed: only the rest is requested.
        let partial = try await Evaluation.run(config("a", limit: 4))
        #expect(partial.modelRequests == 4)
        let resumed = try await Evaluation.run(config("a"))
        #expect(resumed.modelRequests == 6)
        #expect(resumed.cacheHits == 4)
        // A fresh run writes the same bytes, and a rerun from the cache too.
        let fresh = try await Evaluation.run(config("b"))
        #expect(fresh.modelRequests == 10)
        let rerun = try await Evaluation.run(config("b"))
        #expect(rerun.modelRequests == 0 && rerun.cacheHits == 10)
        for name in ["responses.jsonl", "judgments.jsonl", "metrics.json"] {
            #expect(try bytes(work.file("a/\(name)")) == bytes(work.file("b/\(name)")), "\(name) differs between runs")
        }

        // The files: one line per record, in dataset order; the metrics agree with the verifiers.
        let responses = try readLines(fresh.responsesFile).map { try JSONParser.parse($0) }
        let records = synthetic.evalInDomain.map(\.evalRecord)
        #expect(responses.map { $0["id"]?.stringValue } == records.map(\.id))
        #expect(responses.map { $0["index"]?.intValue } == Array(0..<10))
        var followedSingle = 0, single = 0, followedMulti = 0, multi = 0
        let judgments = try readLines(fresh.judgmentsFile).map { try JSONParser.parse($0) }
        for (index, record) in records.enumerated() {
            let text = try #require(responses[index]["response"]?.stringValue)
            let expected = try RuleJudge.judge(record: record, response: text)
            #expect(judgments[index]["satisfied"] == .array(expected.results.map { .bool($0) }))
            #expect(judgments[index]["followed"] == .bool(expected.followed))
            if record.constraintsNum == 1 {
                single += 1
                if expected.followed { followedSingle += 1 }
            } else {
                multi += 1
                if expected.followed { followedMulti += 1 }
            }
        }
        #expect(single > 0 && multi > 0)
        #expect(fresh.metrics["in_domain/if_s"] == (Double(followedSingle) / Double(single) * 1e6).rounded() / 1e6)
        #expect(fresh.metrics["in_domain/if_m"] == (Double(followedMulti) / Double(multi) * 1e6).rounded() / 1e6)
        #expect(fresh.metrics["in_domain/instructions"] == 10)
        #expect(fresh.metrics["in_domain/judged"] == 10)
        #expect(fresh.metrics["in_domain/unjudged"] == 0)
        #expect(fresh.metrics["settings/temperature"] == 0)
        #expect(fresh.metrics["in_domain/csr"] != nil && fresh.metrics["in_domain/isr"] != nil)
        #expect(fresh.summary.count == 1)
    }

    @Test func referenceAnswersScoreFull() async throws {
        // A model that answers every instruction with the generator's reference response: the
        // rule judge must find everything followed.
        let references = Dictionary(uniqueKeysWithValues: synthetic.evalInDomain.map { ($0.evalRecord.userContent, $0.reference) })
        let endpoint = try await FakeEndpoint.start { request in
            (200, chatCompletionBody(references[userMessage(request)] ?? "unknown prompt"))
        }
        let work = TemporaryDirectory()
        try writeSyntheticTrace(to: work.file("trace.jsonl"))
        let result = try await Evaluation.run(EvaluationConfig(
            endpoint: endpoint.baseURL, model: "oracle", datasets: [DatasetSpec(name: "trace", file: work.file("trace.jsonl").path)],
            judge: .rule, outputDirectory: work.file("out")))
        await endpoint.stop()
        #expect(result.metrics["trace/if_s"] == 1)
        #expect(result.metrics["trace/if_m"] == 1)
        #expect(result.metrics["trace/csr"] == 1)
        #expect(result.metrics["trace/isr"] == 1)
        #expect(result.metrics["trace/constraints/rate"] == 1)
        #expect(endpoint.requests == 10)
    }

    @Test func ruleJudgeRefusesRecordsWithoutChecksBeforeAnyRequest() async throws {
        let endpoint = try await FakeEndpoint.start { _ in (200, chatCompletionBody("x")) }
        let work = TemporaryDirectory()
        try writeSyntheticTrace(to: work.file("plain.jsonl"), withChecks: false)
        await #expect(throws: EvaluationError.self) {
            _ = try await Evaluation.run(EvaluationConfig(
                endpoint: endpoint.baseURL, model: "m", datasets: [DatasetSpec(name: "d", file: work.file("plain.jsonl").path)],
                judge: .rule, outputDirectory: work.file("out")))
        }
        await #expect(throws: EvaluationError.self) {
            _ = try await Evaluation.run(EvaluationConfig(
                endpoint: endpoint.baseURL, model: "m", datasets: [DatasetSpec(name: "d", file: work.file("plain.jsonl").path)],
                judge: .ifeval, outputDirectory: work.file("out")))
        }
        await endpoint.stop()
        #expect(endpoint.requests == 0)
    }
}

@Suite struct IFEvalEvaluationTests {
    @Test func scriptedResponsesGiveKnownAccuracies() async throws {
        // Every response is "all lowercase words": no commas (followed), no <<title>> (not
        // followed), lowercase and no commas (followed) → prompt level 2/3, instruction level 3/4.
        let endpoint = try await FakeEndpoint.start { _ in (200, chatCompletionBody("all lowercase words here")) }
        let work = TemporaryDirectory()
        try writeIFEval(to: work.file("ifeval.jsonl"))
        let result = try await Evaluation.run(EvaluationConfig(
            endpoint: endpoint.baseURL, model: "m", datasets: [DatasetSpec(name: "ifeval", file: work.file("ifeval.jsonl").path)],
            judge: .ifeval, outputDirectory: work.file("out")))
        await endpoint.stop()
        #expect(result.metrics["ifeval/s_acc"] == 0.666667)
        #expect(result.metrics["ifeval/l_acc"] == 0.666667)
        #expect(result.metrics["ifeval/strict_instruction_acc"] == 0.75)
        #expect(result.metrics["ifeval/prompts"] == 3 && result.metrics["ifeval/instructions"] == 4)
        let judgments = try readLines(result.judgmentsFile).map { try JSONParser.parse($0) }
        #expect(judgments.map { $0["followed_strict"] } == [.bool(true), .bool(false), .bool(true)])
    }

    /// eval's default concurrency: what the server says it runs at once.
    @Test func theServerAdvertisesItsBatchSize() async throws {
        let server = try await startTinyServer()
        let client = OpenAIClient(baseURL: server.baseURL)
        let advertised = await client.advertisedConcurrency(model: "tiny")
        // One model served: its entry is read whatever name is asked for.
        let otherName = await client.advertisedConcurrency(model: "something-else")
        await server.stop()
        #expect(advertised == 3 && otherName == 3)
        // A server that cannot be reached says nothing (eval falls back to 4).
        #expect(await OpenAIClient(baseURL: server.baseURL).advertisedConcurrency(model: "tiny") == nil)
        let silent = try await FakeEndpoint.start { _ in (200, #"{"object": "list", "data": [{"id": "m", "object": "model"}]}"#) }
        #expect(await OpenAIClient(baseURL: silent.baseURL).advertisedConcurrency(model: "m") == nil)
        await silent.stop()
    }

    @Test func againstOurServerMatchesTheCheckers() async throws {
        let server = try await startTinyServer()
        let work = TemporaryDirectory()
        try writeIFEval(to: work.file("ifeval.jsonl"))
        let result = try await Evaluation.run(EvaluationConfig(
            endpoint: server.baseURL, model: "tiny", datasets: [DatasetSpec(name: "ifeval", file: work.file("ifeval.jsonl").path)],
            judge: .ifeval, temperature: 0, maxTokens: 10, outputDirectory: work.file("out")))
        await server.stop()
        let prompts = try IFEvalLoader.load(contentsOf: work.file("ifeval.jsonl").path)
        let responses = try readLines(result.responsesFile).map { try JSONParser.parse($0)["response"]?.stringValue ?? "" }
        let score = IFEvalScore(zip(prompts, responses).map { (prompt: $0, response: $1) })
        #expect(result.metrics["ifeval/s_acc"] == (score.strictPromptAccuracy * 1e6).rounded() / 1e6)
        #expect(result.metrics["ifeval/l_acc"] == (score.loosePromptAccuracy * 1e6).rounded() / 1e6)
        #expect(result.modelRequests == 3)
    }
}

@Suite struct LLMJudgeEvaluationTests {
    @Test func ourServerAsJudgeGivesUnparseableRepliesThatAreCountedNotScored() async throws {
        let server = try await startTinyServer()
        let work = TemporaryDirectory()
        try writeSyntheticTrace(to: work.file("trace.jsonl"))
        let result = try await Evaluation.run(EvaluationConfig(
            endpoint: server.baseURL, model: "tiny", datasets: [DatasetSpec(name: "trace", file: work.file("trace.jsonl").path)],
            judge: .llm, judgeSettings: JudgeSettings(endpoint: server.baseURL, model: "tiny", maxTokens: 8, attempts: 2),
            temperature: 0, maxTokens: 8, concurrency: 3, outputDirectory: work.file("out")))
        await server.stop()
        #expect(result.unjudged == 10)
        #expect(result.metrics["trace/unparseable"] == 10)
        #expect(result.metrics["trace/judged"] == 0)
        #expect(result.metrics["trace/if_s"] == nil)  // no verdicts: no rate, never a made-up one
        #expect(result.judgeRequests == 20)
        let judgments = try readLines(result.judgmentsFile).map { try JSONParser.parse($0) }
        for judgment in judgments {
            #expect(judgment["status"] == .string("unparseable"))
            #expect(judgment["replies"]?.arrayValue?.count == 2)
            #expect(judgment["satisfied"] == .array([]))
            #expect(judgment["followed"] == .bool(false))
            #expect(judgment["failure"]?.stringValue?.contains("no readable scores") == true)
        }
        #expect(result.summary.first?.contains("10 unparseable") == true)
    }

    @Test func wellFormedJudgeScoresAndRetriesAfterGarbage() async throws {
        // The judge scores constraint k with 10 when k is odd, 6 when even, so single-constraint
        // instructions are followed and multi-constraint ones are not. Its first reply to every
        // prompt whose length is odd is garbage; asked again, it answers properly.
        let model = try await FakeEndpoint.start { request in (200, chatCompletionBody("a response")) }
        let judge = try await FakeEndpoint.start { request in
            let messages = request["messages"]?.arrayValue ?? []
            let prompt = messages.first?["content"]?.stringValue ?? ""
            let count = prompt.components(separatedBy: "Score: [[score]]").count - 2  // constraint lines + overall line
            if messages.count == 1 && prompt.utf8.count % 2 == 1 { return (200, chatCompletionBody("I cannot decide.")) }
            var lines = ["The response was checked."]
            for k in 1...max(count, 1) { lines.append("**Constraint \(k) Score:** [[\(k % 2 == 1 ? 10 : 6)]]") }
            lines.append("Constraints Overall Score: [[8]]")
            return (200, chatCompletionBody(lines.joined(separator: "\n")))
        }
        let work = TemporaryDirectory()
        try writeSyntheticTrace(to: work.file("trace.jsonl"))
        let result = try await Evaluation.run(EvaluationConfig(
            endpoint: model.baseURL, model: "m", datasets: [DatasetSpec(name: "in_domain", file: work.file("trace.jsonl").path)],
            judge: .llm, judgeSettings: JudgeSettings(endpoint: judge.baseURL, model: "judge", attempts: 3),
            outputDirectory: work.file("out")))
        await model.stop()
        await judge.stop()
        #expect(result.unjudged == 0)
        #expect(result.metrics["in_domain/if_s"] == 1)
        #expect(result.metrics["in_domain/if_m"] == 0)
        let records = synthetic.evalInDomain.map(\.evalRecord)
        let judgments = try readLines(result.judgmentsFile).map { try JSONParser.parse($0) }
        var retried = 0
        for (record, judgment) in zip(records, judgments) {
            #expect(judgment["status"] == .string("judged"))
            let expected = (1...record.constraintsNum).map { $0 % 2 == 1 }
            #expect(judgment["satisfied"] == .array(expected.map { .bool($0) }))
            #expect(judgment["scores"]?.arrayValue?.count == record.constraintsNum)
            if judgment["replies"]?.arrayValue?.count == 2 { retried += 1 }
        }
        #expect(retried > 0 && retried < 10)
        #expect(judge.requests == 10 + retried)
    }
}

@Suite struct ClientTests {
    @Test func retriesServerErrorsThenSucceeds() async throws {
        let calls = LockedBox(0)
        let endpoint = try await FakeEndpoint.start { _ in
            var call = 0
            calls.update { $0 += 1; call = $0 }
            return call <= 2 ? (503, #"{"error": {"message": "busy"}}"#) : (200, chatCompletionBody("finally"))
        }
        let client = OpenAIClient(baseURL: endpoint.baseURL, retry: RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(10)))
        let reply = try await client.chat(model: "m", messages: [ChatTurn(role: "user", content: "hi")], parameters: ChatParameters(temperature: 0))
        #expect(reply.content == "finally")
        #expect(endpoint.requests == 3)
        await endpoint.stop()
    }

    @Test func clientErrorsAreNotRetried() async throws {
        let endpoint = try await FakeEndpoint.start { _ in (401, #"{"error": {"message": "bad key"}}"#) }
        let client = OpenAIClient(baseURL: endpoint.baseURL, retry: RetryPolicy(maxAttempts: 5, initialDelay: .milliseconds(10)))
        await #expect(throws: EvaluationError.httpStatus(url: endpoint.baseURL + "/chat/completions", status: 401,
                                                         body: #"{"error": {"message": "bad key"}}"#)) {
            _ = try await client.chat(model: "m", messages: [], parameters: ChatParameters(temperature: 0))
        }
        #expect(endpoint.requests == 1)
        await endpoint.stop()
    }

    @Test func anUnreachableEndpointFailsAfterTheAttempts() async throws {
        // A port nobody listens on: the one of a fake endpoint that was stopped.
        let endpoint = try await FakeEndpoint.start { _ in (200, chatCompletionBody("x")) }
        await endpoint.stop()
        let client = OpenAIClient(baseURL: endpoint.baseURL, retry: RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(10)),
                                  timeout: .seconds(5))
        do {
            _ = try await client.chat(model: "m", messages: [], parameters: ChatParameters(temperature: 0))
            Issue.record("expected a failure")
        } catch let error as EvaluationError {
            guard case .unreachable(_, let attempts, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(attempts == 3)
        }
    }

    @Test func endpointRefusalsOfOnePromptBecomeGenerationErrors() async throws {
        // Our server refuses a prompt longer than its context with 400: that instruction counts
        // as not followed and is reported; the others are evaluated.
        let server = try await startTinyServer()
        let work = TemporaryDirectory()
        var lines = try readLines({ try writeSyntheticTrace(to: work.file("t.jsonl")); return work.file("t.jsonl") }())
        var record = synthetic.evalInDomain[0].evalRecord
        record = TraceEvalRecord(id: "huge", description: String(repeating: "lorem ipsum ", count: 2000),
                                 constraintsSplits: record.constraintsSplits, input: nil, levels2: record.levels2,
                                 category: record.category, checks: record.checks)
        lines.append(record.jsonLine)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: work.file("t.jsonl"))
        let result = try await Evaluation.run(EvaluationConfig(
            endpoint: server.baseURL, model: "tiny", datasets: [DatasetSpec(name: "t", file: work.file("t.jsonl").path)],
            judge: .rule, temperature: 0, maxTokens: 4, outputDirectory: work.file("out")))
        await server.stop()
        #expect(result.metrics["t/generation_errors"] == 1)
        #expect(result.metrics["t/judged"] == 11)
        let last = try JSONParser.parse(try readLines(result.responsesFile).last!)
        #expect(last["response"] == .null)
        #expect(last["error"]?.stringValue?.contains("HTTP 400") == true)
    }
}

@Suite struct DatasetTests {
    static let dataDirectory: URL = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return URL(fileURLWithPath: ProcessInfo.processInfo.environment["IOPO_DATA_DIR"] ?? root.appendingPathComponent("../shared/data").path)
    }()
    static let haveData = FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("trace/trace_eval.jsonl").path)

    @Test(.enabled(if: haveData, "needs IOPO_DATA_DIR (trace/trace_eval.jsonl, ifeval/input_data.jsonl)"))
    func realFilesLoadWithTheirFormats() throws {
        let trace = try EvalDataset.load(name: "in_domain", file: Self.dataDirectory.appendingPathComponent("trace/trace_eval.jsonl").path)
        #expect(trace.format == .trace && trace.items.count == 1042)
        #expect(trace.items[0].prompt == trace.items[0].trace?.messages[1].content)
        let ifeval = try EvalDataset.load(name: "ifeval", file: Self.dataDirectory.appendingPathComponent("ifeval/input_data.jsonl").path)
        #expect(ifeval.format == .ifeval && ifeval.items.count == 541)
        // Real TRACE records carry no checks: only the LLM judge can score them.
        #expect(throws: EvaluationError.self) { try Evaluation.checkJudge(.rule, for: trace) }
        try Evaluation.checkJudge(.llm, for: trace)
        let limited = try EvalDataset.load(name: "x", file: Self.dataDirectory.appendingPathComponent("ifeval/input_data.jsonl").path, limit: 5)
        #expect(limited.items.map(\.id) == ifeval.items.prefix(5).map(\.id))
    }

    @Test func unrecognisedFilesAreRefusedWithTheirName() throws {
        let work = TemporaryDirectory()
        try Data(#"{"question": "x"}"#.utf8).write(to: work.file("odd.jsonl"))
        #expect(throws: EvaluationError.dataset(file: work.file("odd.jsonl").path,
                                                detail: "line 1 is neither a TRACE record (constraints_splits, messages) nor an IFEval record (instruction_id_list)")) {
            try EvalDataset.detectFormat(file: work.file("odd.jsonl").path)
        }
    }
}
