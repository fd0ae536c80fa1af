// The rule judge: scores a response against an instruction's constraint checks, constraint by
// constraint. An instruction is followed only when every constraint passes (TRACE's rule for
// its LLM judge, where every constraint must score 10).

import Basics

/// Per-constraint results for one response.
public struct RuleJudgement: Sendable, Hashable, Codable {
    /// Pass/fail of each constraint, in instruction order.
    public var results: [Bool]

    public init(results: [Bool]) { self.results = results }

    public var satisfied: Int { results.count(where: { $0 }) }
    /// Whether every constraint passed.
    public var followed: Bool { results.allSatisfy { $0 } }
}

/// Why a record cannot be rule-judged.
public enum RuleJudgeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The record has no `checks` (e.g. a real TRACE record, which needs the LLM judge).
    case noChecks(id: String)

    public var description: String {
        switch self {
        case .noChecks(let id): return "record \(id) has no 'checks': it cannot be judged by rules"
        }
    }
}

/// Judges responses with the constraint verifiers.
public enum RuleJudge {
    public static func judge(checks: [ConstraintSpec], response: String) -> RuleJudgement {
        let analysis = ResponseAnalysis(response)
        return RuleJudgement(results: checks.map { $0.verify(analysis) })
    }

    public static func judge(record: TraceEvalRecord, response: String) throws(RuleJudgeError) -> RuleJudgement {
        guard let checks = record.checks else { throw .noChecks(id: record.id) }
        return judge(checks: checks, response: response)
    }

    /// The checks of one eval JSONL line (validated like any record). A record without
    /// `checks` yields an empty list.
    public static func checks(fromEvalLine line: String, file: String = "<line>", lineNumber: Int = 1)
        throws(TraceFormatError) -> [ConstraintSpec] {
        let json: JSONValue
        do throws(JSONSyntaxError) {
            json = try JSONParser.parse(line)
        } catch {
            throw .malformedJSON(TraceLocation(file: file, line: lineNumber), column: error.column, reason: error.message)
        }
        return try TraceEvalRecord(json: json, location: TraceLocation(file: file, line: lineNumber)).checks ?? []
    }
}
