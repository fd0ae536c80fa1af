// Bad-input tests: every loader error, both policies.

import Basics
import Foundation
import Testing
@testable import Trace

@Suite struct TraceLoaderErrorTests {
    /// A valid synthetic-style record line to corrupt.
    static func validRecord(id: String = "0") -> TraceEvalRecord {
        TraceEvalRecord(id: id, description: "Write a note.", constraintsSplits: ["1. Include the word \"boat\".", "2. Use at most 20 words."],
                        input: nil, levels2: ["包含约束", "数值约束"], category: "trace1.0")
    }

    static func line(_ mutate: (inout [JSONMember]) -> Void) -> String {
        guard case .object(var members) = validRecord().jsonValue else { return "" }
        mutate(&members)
        return JSONWriter.python.string(.object(members))
    }

    static func set(_ key: String, _ value: JSONValue) -> (inout [JSONMember]) -> Void {
        { members in
            if let i = members.firstIndex(where: { $0.key == key }) { members[i].value = value }
        }
    }

    func firstError(_ text: String) -> TraceFormatError? {
        do {
            _ = try TraceLoader.parseEvalRecords(text: text, file: "bad.jsonl")
            return nil
        } catch {
            return error
        }
    }

    @Test func validRecordLoads() throws {
        let text = Self.validRecord().jsonLine + "\n"
        let report = try TraceLoader.parseEvalRecords(text: text, file: "ok.jsonl")
        #expect(report.records == [Self.validRecord()])
    }

    @Test func malformedJSONNamesFileLineAndColumn() {
        let text = Self.validRecord().jsonLine + "\n" + "{\"id\": \"1\", oops}\n"
        guard case .malformedJSON(let location, let column, _)? = firstError(text) else {
            Issue.record("expected malformedJSON"); return
        }
        #expect(location == TraceLocation(file: "bad.jsonl", line: 2))
        #expect(column == 13)
        #expect(firstError(text)?.description.hasPrefix("bad.jsonl:2:13: malformed JSON") == true)
    }

    @Test func missingField() {
        let text = Self.line { $0.removeAll { $0.key == "levels2" } }
        #expect(firstError(text) == .missingField(TraceLocation(file: "bad.jsonl", line: 1), field: "levels2"))
        let nested = Self.line(Self.set("messages", .array([.object([JSONMember("role", .string("system"))])])))
        #expect(firstError(nested) == .missingField(TraceLocation(file: "bad.jsonl", line: 1), field: "messages[0].content"))
    }

    @Test func wrongType() {
        let location = TraceLocation(file: "bad.jsonl", line: 1)
        #expect(firstError(Self.line(Self.set("constraints_num", .string("2"))))
                == .wrongType(location, field: "constraints_num", expected: "integer", found: "string"))
        #expect(firstError(Self.line(Self.set("constraints_num", .bool(true))))
                == .wrongType(location, field: "constraints_num", expected: "integer", found: "boolean"))
        #expect(firstError(Self.line(Self.set("constraints_num", .number("2.0"))))
                == .wrongType(location, field: "constraints_num", expected: "integer", found: "non-integer number"))
        #expect(firstError(Self.line(Self.set("id", .int(0))))
                == .wrongType(location, field: "id", expected: "string", found: "number"))
        #expect(firstError(Self.line(Self.set("levels2", .array([.string("包含约束"), .int(3)]))))
                == .wrongType(location, field: "levels2[1]", expected: "string", found: "number"))
        #expect(firstError("[1, 2]") == .wrongType(location, field: "(record)", expected: "object", found: "array"))
    }

    @Test func countMismatchWithSplitsOrLevels2() {
        let location = TraceLocation(file: "bad.jsonl", line: 1)
        #expect(firstError(Self.line(Self.set("constraints_num", .int(3))))
                == .countMismatch(location, constraintsNum: 3, splits: 2, levels2: 2))
        #expect(firstError(Self.line(Self.set("levels2", .array([.string("包含约束")]))))
                == .countMismatch(location, constraintsNum: 2, splits: 2, levels2: 1))
    }

    @Test func unknownLevels2Label() {
        let location = TraceLocation(file: "bad.jsonl", line: 1)
        #expect(firstError(Self.line(Self.set("levels2", .array([.string("包含约束"), .string("风格约束")]))))
                == .unknownLevels2Label(location, index: 1, label: "风格约束"))
        // The ditto label needs a previous constraint.
        #expect(firstError(Self.line(Self.set("levels2", .array([.string("·"), .string("数值约束")]))))
                == .unknownLevels2Label(location, index: 0, label: "·"))
    }

    @Test func constraintsTextAndMessagesAreChecked() {
        let location = TraceLocation(file: "bad.jsonl", line: 1)
        #expect(firstError(Self.line(Self.set("constraints", .string("1. something else"))))
                == .constraintsTextMismatch(location))
        let wrongUser = Self.line(Self.set("input", .string("an input the user message lacks")))
        guard case .invalidMessages(location, _)? = firstError(wrongUser) else {
            Issue.record("expected invalidMessages"); return
        }
        let oneMessage = Self.line(Self.set("messages", .array([.object([
            JSONMember("role", .string("user")), JSONMember("content", .string("x"))])])))
        guard case .invalidMessages(location, _)? = firstError(oneMessage) else {
            Issue.record("expected invalidMessages"); return
        }
    }

    @Test func invalidChecks() {
        let location = TraceLocation(file: "bad.jsonl", line: 1)
        let unknownKind = Self.line { $0.append(JSONMember("checks", .array([
            .object([JSONMember("kind", .string("includeWords")), JSONMember("words", .array([.string("boat")]))]),
            .object([JSONMember("kind", .string("telepathy"))]),
        ]))) }
        guard case .invalidChecks(location, 1, _)? = firstError(unknownKind) else {
            Issue.record("expected invalidChecks at 1"); return
        }
        let missingParameter = Self.line { $0.append(JSONMember("checks", .array([
            .object([JSONMember("kind", .string("includeWords"))]),
            .object([JSONMember("kind", .string("wordCountMax")), JSONMember("number", .int(20))]),
        ]))) }
        guard case .invalidChecks(location, 0, _)? = firstError(missingParameter) else {
            Issue.record("expected invalidChecks at 0"); return
        }
        let tooFew = Self.line { $0.append(JSONMember("checks", .array([
            .object([JSONMember("kind", .string("noDigits"))]),
        ]))) }
        guard case .invalidChecks(location, _, _)? = firstError(tooFew) else {
            Issue.record("expected invalidChecks for a count mismatch"); return
        }
    }

    @Test func skipAndReportReturnsEveryBadLineAndKeepsTheGoodOnes() throws {
        let good0 = Self.validRecord(id: "a").jsonLine
        let good1 = Self.validRecord(id: "b").jsonLine
        let text = [good0, "not json", "", Self.line(Self.set("constraints_num", .int(7))), good1,
                    Self.line { $0.removeAll { $0.key == "category" } }].joined(separator: "\n") + "\n"
        let report = try TraceLoader.parseEvalRecords(text: text, file: "mixed.jsonl", policy: .skipAndReport)
        #expect(report.records.map(\.id) == ["a", "b"])
        #expect(report.skipped.map { $0.location?.line } == [2, 4, 6])
        guard case .malformedJSON = report.skipped[0], case .countMismatch = report.skipped[1],
              case .missingField(_, "category") = report.skipped[2] else {
            Issue.record("unexpected errors \(report.skipped)"); return
        }
        // Stop-at-first-error throws the first of them.
        #expect(throws: TraceFormatError.self) { try TraceLoader.parseEvalRecords(text: text, file: "mixed.jsonl") }
    }

    @Test func unreadableFile() {
        let missing = URL(fileURLWithPath: "/nonexistent/trace_eval.jsonl")
        #expect {
            try TraceLoader.loadEvalRecords(file: missing)
        } throws: { error in
            if case .unreadable(let file, _) = error as? TraceFormatError { return file == missing.path }
            return false
        }
    }

    @Test func trainingFileErrors() throws {
        let good = TraceTrainingRecord(x1: "a\n1. x\n", y1: "y1", x2: "a\n1. z\n", y2: "y2")
        let list = TraceTrainingRecord.jsonListFile([good, good])
        #expect(try TraceLoader.parseTrainingRecords(bytes: Array(list.utf8), file: "t.json").records == [good, good])

        let notList = Array(#"{"conversations": []}"#.utf8)
        // A JSON object document is read as JSONL: one record, which lacks "chosen".
        #expect(throws: TraceFormatError.missingField(TraceLocation(file: "t.json", line: 1), field: "chosen")) {
            try TraceLoader.parseTrainingRecords(bytes: notList, file: "t.json")
        }
        let badTurn = Array(#"[{"conversations": [{"from": "human"}], "chosen": {"from": "gpt", "value": "y"}, "rejected": {"from": "gpt", "value": "z"}}, 3]"#.utf8)
        let report = try TraceLoader.parseTrainingRecords(bytes: badTurn, file: "t.json", policy: .skipAndReport)
        #expect(report.records.isEmpty)
        #expect(report.skipped == [
            .missingField(TraceLocation(file: "t.json", record: 0), field: "conversations[0].value"),
            .wrongType(TraceLocation(file: "t.json", record: 1), field: "(record)", expected: "object", found: "number"),
        ])
        let truncated = Array("[{\"conversations\": [".utf8)
        let truncatedResult = Result { () throws(TraceFormatError) in try TraceLoader.parseTrainingRecords(bytes: truncated, file: "t.json") }
        guard case .malformedJSON? = truncatedResult.failureError else {
            Issue.record("expected malformedJSON"); return
        }
        let document = Array("[\n1\n]\n".utf8)
        let scalarReport = try TraceLoader.parseTrainingRecords(bytes: document, file: "t.json", policy: .skipAndReport)
        #expect(scalarReport.skipped.count == 1)
    }

    @Test func ruleJudgeChecksFromLine() throws {
        var record = Self.validRecord()
        record.checks = [ConstraintSpec(.includeWords, words: ["boat"]), ConstraintSpec(.wordCountMax, number: 20)]
        let checks = try RuleJudge.checks(fromEvalLine: record.jsonLine)
        #expect(checks == record.checks)
        #expect(try RuleJudge.checks(fromEvalLine: Self.validRecord().jsonLine).isEmpty)
        #expect(throws: TraceFormatError.self) { try RuleJudge.checks(fromEvalLine: "{") }
        #expect(throws: RuleJudgeError.noChecks(id: "0")) { try RuleJudge.judge(record: Self.validRecord(), response: "x") }
    }
}

extension Result {
    var failureError: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
