// Per-instruction scores of one metric, read back from an eval step's judgments.jsonl: what the
// paired bootstrap resamples. Each metric of metrics.json is Σ numerators / Σ denominators over
// the instructions of its dataset, with these contributions (the same arithmetic as
// Eval/Metrics, so the scores sum back to the reported rate):
//   TRACE  isr   1 of 1 when every constraint is satisfied, else 0 of 1
//          if_s  as isr, for single-constraint instructions (others 0 of 0)
//          if_m  as isr, for multi-constraint instructions
//          csr   the fraction of the instruction's constraints satisfied, of 1
//          (instructions without a verdict — unparseable or judge errors — count 0 of 0, as
//          the metrics leave them out; a generation error counts as nothing satisfied)
//   IFEval s_acc / l_acc                          1 of 1 when every instruction is followed
//          strict_instruction_acc / loose_…       instructions followed of the prompt's instructions

import Basics

/// Why judgments could not be scored.
public enum InstructionScoresError: Error, Equatable, CustomStringConvertible {
    case badLine(line: Int, detail: String)
    case unknownMetric(String)

    public var description: String {
        switch self {
        case let .badLine(line, detail): return "judgments line \(line): \(detail)"
        case .unknownMetric(let metric):
            return "no per-instruction scores for metric \(metric) (TRACE: if_s, if_m, isr, csr; IFEval: s_acc, l_acc, strict_instruction_acc, loose_instruction_acc)"
        }
    }
}

public enum InstructionScores {
    /// The scores of `metric` ("in_domain/isr", "ifeval/s_acc": dataset, then the metric) for
    /// every instruction of that dataset in `judgments` (JSON lines), keyed by instruction id.
    public static func scores(judgments: String, metric: String) throws(InstructionScoresError) -> [String: RatioScore] {
        guard let slash = metric.lastIndex(of: "/") else { throw .unknownMetric(metric) }
        let dataset = String(metric[..<slash]), name = String(metric[metric.index(after: slash)...])
        guard ["isr", "if_s", "if_m", "csr", "s_acc", "l_acc", "strict_instruction_acc", "loose_instruction_acc"].contains(name) else {
            throw .unknownMetric(metric)
        }
        var result: [String: RatioScore] = [:]
        for (offset, line) in judgments.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let number = offset + 1
            let record: JSONValue
            do throws(JSONSyntaxError) { record = try JSONParser.parse(String(line)) } catch {
                throw .badLine(line: number, detail: error.description)
            }
            guard record["dataset"]?.stringValue == dataset else { continue }
            guard let id = record["id"]?.stringValue else { throw .badLine(line: number, detail: "no \"id\"") }
            result[id] = try score(record, metric: name, line: number)
        }
        return result
    }

    private static func bools(_ value: JSONValue?, _ field: String, line: Int) throws(InstructionScoresError) -> [Bool] {
        guard let array = value?.arrayValue else { throw .badLine(line: line, detail: "\"\(field)\" is not an array") }
        var flags: [Bool] = []
        for element in array {
            guard let flag = element.boolValue else { throw .badLine(line: line, detail: "\"\(field)\" holds a non-boolean") }
            flags.append(flag)
        }
        return flags
    }

    private static func score(_ record: JSONValue, metric: String, line: Int) throws(InstructionScoresError) -> RatioScore {
        if record["judge"]?.stringValue == "ifeval" {
            switch metric {
            case "s_acc", "strict_instruction_acc", "l_acc", "loose_instruction_acc":
                let mode = metric.hasPrefix("s") ? "strict" : "loose"
                let followed = try bools(record[mode], mode, line: line)
                if metric == "s_acc" || metric == "l_acc" { return RatioScore(followed.allSatisfy { $0 } ? 1 : 0, of: 1) }
                return RatioScore(Double(followed.count(where: { $0 })), of: Double(followed.count))
            default:
                throw .badLine(line: line, detail: "metric \(metric) is a TRACE metric; this is an IFEval judgment")
            }
        }
        let status = record["status"]?.stringValue ?? "judged"
        if status == "unparseable" || status == "judge_error" { return RatioScore(0, of: 0) }
        guard let count = record["constraints"]?.wholeNumberValue, count >= 0 else {
            throw .badLine(line: line, detail: "no constraint count")
        }
        var satisfied = try bools(record["satisfied"], "satisfied", line: line)
        if satisfied.count != count { satisfied = Array(repeating: false, count: count) }
        let followed = count > 0 && satisfied.allSatisfy { $0 }
        switch metric {
        case "isr": return RatioScore(followed ? 1 : 0, of: 1)
        case "if_s": return count == 1 ? RatioScore(followed ? 1 : 0, of: 1) : RatioScore(0, of: 0)
        case "if_m": return count == 1 ? RatioScore(0, of: 0) : RatioScore(followed ? 1 : 0, of: 1)
        case "csr": return RatioScore(count > 0 ? Double(satisfied.count(where: { $0 })) / Double(count) : 0, of: 1)
        default: throw .badLine(line: line, detail: "metric \(metric) is an IFEval metric; this is a TRACE judgment")
        }
    }
}

extension InstructionScores {
    /// Two methods' scores per seed (`[seed][id]`), as the paired bootstrap takes them: every seed's
    /// instructions in one id order, checked to be the same instructions for both methods.
    public static func paired(_ a: [[String: RatioScore]], _ b: [[String: RatioScore]]) throws(BootstrapError) -> ([[RatioScore]], [[RatioScore]]) {
        if a.count != b.count { throw .shapeMismatch(detail: "\(a.count) seeds against \(b.count)") }
        guard let ids = a.first.map({ $0.keys.sorted() }) else { throw .noScores }
        for (seed, (scoresA, scoresB)) in zip(a, b).enumerated() {
            for (side, scores) in [("the first method", scoresA), ("the second method", scoresB)] where Set(scores.keys) != Set(ids) {
                let missing = Set(ids).subtracting(scores.keys).sorted().prefix(3), extra = Set(scores.keys).subtracting(ids).sorted().prefix(3)
                throw .shapeMismatch(detail: "seed \(seed) of \(side) has other instructions (missing \(Array(missing)), extra \(Array(extra)))")
            }
        }
        return (a.map { scores in ids.map { scores[$0]! } }, b.map { scores in ids.map { scores[$0]! } })
    }
}
