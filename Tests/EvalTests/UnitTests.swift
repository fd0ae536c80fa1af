// Small pieces of the evaluation harness: number formatting, backoff, judge reply parsing.

import Basics
@testable import Eval
import Foundation
import Testing
import Trace
import TestKit

@Suite struct CanonicalJSONTests {
    @Test func numbersHaveOneFixedFormat() {
        #expect(CanonicalJSON.format(0.5) == "0.5")
        #expect(CanonicalJSON.format(10) == "10.0")
        #expect(CanonicalJSON.format(1.0 / 3.0) == "0.333333")
        #expect(CanonicalJSON.format(2.0 / 3.0) == "0.666667")
        #expect(CanonicalJSON.format(0) == "0.0")
        #expect(CanonicalJSON.format(-0.0) == "0.0")
        #expect(CanonicalJSON.format(1e-9) == "0.0")
        #expect(CanonicalJSON.number(.nan) == .null)
    }

    @Test func objectsAreSortedByCodePoint() {
        let value = JSONValue.object(["b": .null, "a": .bool(true), "é": .string("x"), "Z": .int(3)])
        #expect(CanonicalJSON.line(value) == #"{"Z": 3, "a": true, "b": null, "é": "x"}"#)
    }
}

@Suite struct RetryPolicyTests {
    @Test func delaysDoubleUpToTheCap() {
        let policy = RetryPolicy(maxAttempts: 8, initialDelay: .milliseconds(100), maxDelay: .milliseconds(700))
        #expect((1...6).map { policy.delay(after: $0) } == [.milliseconds(100), .milliseconds(200), .milliseconds(400),
                                                           .milliseconds(700), .milliseconds(700), .milliseconds(700)])
        #expect(RetryPolicy.isRetryable(status: 503) && RetryPolicy.isRetryable(status: 500) && RetryPolicy.isRetryable(status: 429))
        #expect(!RetryPolicy.isRetryable(status: 400) && !RetryPolicy.isRetryable(status: 404) && !RetryPolicy.isRetryable(status: 401))
    }

    @Test func baseURLsGainV1OnlyWhenTheyHaveNoPath() {
        #expect(OpenAIClient.normalizedBaseURL("http://127.0.0.1:8000") == "http://127.0.0.1:8000/v1")
        #expect(OpenAIClient.normalizedBaseURL("http://127.0.0.1:8000/") == "http://127.0.0.1:8000/v1")
        #expect(OpenAIClient.normalizedBaseURL("https://api.example.com/v1/") == "https://api.example.com/v1")
        #expect(OpenAIClient.normalizedBaseURL("https://gateway.example.com/openai/v1") == "https://gateway.example.com/openai/v1")
    }
}

@Suite struct JudgeReplyParserTests {
    func scores(_ reply: String, _ count: Int) -> [Double]? {
        if case .success(let scores) = JudgeReplyParser.parse(reply, constraintCount: count) { return scores.constraints }
        return nil
    }

    @Test func readsTheRequestedFormatAndCommonVariants() {
        #expect(scores("Constraint 1 Score: [[10]]\nConstraint 2 Score: [[7]]\nConstraints Overall Score: [[8.5]]", 2) == [10, 7])
        #expect(scores("Reasoning first.\n**Constraint 1 Score**: [[ 9 ]]\n**Constraint 2 Score**: [[10]]", 2) == [9, 10])
        #expect(scores("Constraint 1 Score：［［10］］\nConstraint 2 Score：【【3】】", 2) == [10, 3])
        #expect(scores("约束1得分: [[10]]\n约束2得分: [[4]]\n总分: [[7]]", 2) == [10, 4])
        #expect(scores("Constraint 1 (tone) — Score: [[8.5]]", 1) == [8.5])
        #expect(scores("Constraint 1 Score: [[１０]]", 1) == [10])
        // One constraint: the overall line alone is its score.
        #expect(scores("Constraints Overall Score: [[10]]", 1) == [10])
        if case .success(let parsed) = JudgeReplyParser.parse("Constraint 1 Score: [[6]]\nConstraints Overall Score: [[6]]", constraintCount: 1) {
            #expect(parsed.overall == 6)
        } else {
            Issue.record("expected scores")
        }
    }

    @Test func refusesAnythingItWouldHaveToGuess() {
        #expect(JudgeReplyParser.parse("Constraint 1 Score: [[10]]", constraintCount: 2) == .failure(.missing(indices: [2], found: 1)))
        #expect(JudgeReplyParser.parse("Constraints Overall Score: [[10]]", constraintCount: 3) == .failure(.missing(indices: [1, 2, 3], found: 0)))
        #expect(JudgeReplyParser.parse("Constraint 1 Score: [[11]]", constraintCount: 1) == .failure(.outOfRange(index: 1, value: 11)))
        #expect(JudgeReplyParser.parse("Constraint 1 Score: [[10]]\nConstraint 1 Score: [[3]]", constraintCount: 1)
                == .failure(.conflicting(index: 1, first: 10, second: 3)))
        #expect(JudgeReplyParser.parse("Constraint 1 Score: [[10]]\nConstraint 4 Score: [[3]]", constraintCount: 1)
                == .failure(.unknownConstraint(index: 4, count: 1)))
        // The template echoed back has no numbers.
        #expect(scores("Constraint 1 Score: [[score]]\nConstraints Overall Score: [[score]]", 1) == nil)
        #expect(scores("条\u{15}\u{FFFD}ا次TC", 1) == nil)
        #expect(scores("Constraint 1 Score: 10", 1) == nil)
    }
}

@Suite struct TraceMetricsTests {
    static func record(_ id: String, _ dimensions: [TraceDimension]) -> TraceEvalRecord {
        TraceEvalRecord(id: id, description: "d", constraintsSplits: dimensions.indices.map { "\($0 + 1). c" }, input: nil,
                        levels2: dimensions.map(\.levels2Label), category: "t")
    }

    @Test func ratesFollowTheDefinitions() throws {
        let records = [
            Self.record("a", [.theme]),
            Self.record("b", [.toneAndStyle]),
            Self.record("c", [.theme, .outputFormat]),
            Self.record("d", [.theme, .outputFormat, .emotion, .citation]),
            Self.record("e", [.theme, .outputFormat]),
            Self.record("f", [.emotion]),
        ]
        let verdicts = [
            ConstraintVerdict(status: .judged, satisfied: [true]),
            ConstraintVerdict(status: .judged, satisfied: [false]),
            ConstraintVerdict(status: .judged, satisfied: [true, true]),
            ConstraintVerdict(status: .judged, satisfied: [true, false, false, false]),
            ConstraintVerdict(status: .unparseable, satisfied: []),
            ConstraintVerdict(status: .generationError, satisfied: [false]),
        ]
        let metrics = TraceMetrics(records: records, verdicts: verdicts)
        #expect(metrics.instructions == 6 && metrics.judged == 5 && metrics.unparseable == 1 && metrics.generationErrors == 1)
        #expect(metrics.single.rate == 1.0 / 3.0)  // a followed; b and f (no response) not
        #expect(metrics.multi.rate == 0.5)         // c followed, d not; e unjudged
        #expect(metrics.all.rate == 2.0 / 5.0)
        let expectedCSR: Double = (1 + 0 + 1 + 0.25 + 0) / 5
        #expect(metrics.csr == expectedCSR)
        #expect(metrics.constraints.total == 9 && metrics.constraints.hits == 4)
        #expect(metrics.byType["Content"] == Tally(total: 3, hits: 3))
        #expect(metrics.byType["Style"] == Tally(total: 3, hits: 0))
        #expect(metrics.byDimension["outputFormat"] == Tally(total: 2, hits: 1))
        #expect(metrics.byCount[4] == Tally(total: 1, hits: 0))
        let json = CanonicalJSON.line(metrics.json)
        #expect(json.contains(#""if_s": 0.333333"#) && json.contains(#""unjudged": 1"#))
    }
}

@Suite struct ResponseCacheTests {
    @Test func aLineCutShortByACrashIsDropped() async throws {
        let work = TemporaryDirectory()
        let url = work.file("cache.jsonl")
        let key = ResponseCache.key(model: "m", messages: [ChatTurn(role: "user", content: "q")], parameters: ChatParameters(temperature: 0))
        do {
            let cache = try ResponseCache(url: url)
            try await cache.store(ChatReply(content: "a", finishReason: "stop", promptTokens: 1, completionTokens: 2), for: key)
        }
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"key": {"model": "m", "mess"#.utf8))
        try handle.close()
        let reopened = try ResponseCache(url: url)
        #expect(await reopened.count == 1)
        #expect(await reopened.reply(for: key)?.content == "a")
        #expect(await reopened.reply(for: key)?.completionTokens == 2)
        let other = ResponseCache.key(model: "m", messages: [ChatTurn(role: "user", content: "q")], parameters: ChatParameters(temperature: 0.1))
        #expect(await reopened.reply(for: other) == nil)
        try await reopened.store(ChatReply(content: "b", finishReason: nil, promptTokens: nil, completionTokens: nil), for: other)
        // The partial line is gone and the new entry follows a complete line.
        #expect(try readLines(url).count == 2)
    }
}
