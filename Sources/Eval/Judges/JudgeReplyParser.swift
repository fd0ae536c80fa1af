// Reads the LLM judge's scores out of its reply. The judge is asked for one line per constraint,
// `Constraint k Score: [[d]]`, then `Constraints Overall Score: [[d]]` (TRACE's format). Replies
// vary: bold markers, full-width brackets and colons, decimals, a reasoning preamble, Chinese
// labels (约束k). The parser accepts those and nothing looser: every constraint must have exactly
// one score in 0...10 (a repeated index must repeat the same score). Otherwise the reply is
// unparseable and the caller asks again — a guess is never turned into a score.

import Foundation

/// Scores read from a judge reply.
public struct JudgeScores: Sendable, Hashable {
    /// One score per constraint, in constraint order.
    public var constraints: [Double]
    /// The overall score, when the reply has one.
    public var overall: Double?
}

/// Parses LLM judge replies.
public enum JudgeReplyParser {
    /// The scores for `constraintCount` constraints, or why the reply cannot be read.
    public static func parse(_ reply: String, constraintCount: Int) -> Result<JudgeScores, JudgeParseFailure> {
        let text = normalize(reply)
        var scores: [Int: Double] = [:]
        for match in text.matches(of: constraintPattern) {
            guard let index = Int(match.output.1), let value = Double(match.output.2) else { continue }
            guard (0...10).contains(value) else { return .failure(.outOfRange(index: index, value: value)) }
            if let previous = scores[index], previous != value {
                return .failure(.conflicting(index: index, first: previous, second: value))
            }
            scores[index] = value
        }
        var overall: Double?
        if let match = text.firstMatch(of: overallPattern), let value = Double(match.output.1) {
            guard (0...10).contains(value) else { return .failure(.outOfRange(index: 0, value: value)) }
            overall = value
        }
        // A single constraint may be scored by the overall line alone.
        if scores.isEmpty, constraintCount == 1, let overall { scores[1] = overall }
        let missing = (1...max(constraintCount, 1)).filter { scores[$0] == nil }
        if constraintCount > 0 && !missing.isEmpty { return .failure(.missing(indices: missing, found: scores.count)) }
        if let extra = scores.keys.sorted().first(where: { $0 < 1 || $0 > constraintCount }) {
            return .failure(.unknownConstraint(index: extra, count: constraintCount))
        }
        return .success(JudgeScores(constraints: (1...max(constraintCount, 1)).prefix(constraintCount).map { scores[$0]! },
                                    overall: overall))
    }

    /// Full-width brackets, colons and digits to ASCII; markdown emphasis removed.
    static func normalize(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "［", "【": out.append("[")
            case "］", "】": out.append("]")
            case "：": out.append(":")
            case "*", "_", "`": continue
            case "０"..."９": out.append(Character(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!))
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    nonisolated(unsafe) static let constraintPattern = #/(?i)(?:constraint|约束)\s*#?\s*(\d+)[^\[\n]{0,40}?\[\[\s*(\d+(?:\.\d+)?)\s*\]\]/#
    nonisolated(unsafe) static let overallPattern = #/(?i)(?:constraints?\s*overall\s*score|总体得分|总分)[^\[\n]{0,20}?\[\[\s*(\d+(?:\.\d+)?)\s*\]\]/#
}

/// Why a judge reply has no usable scores.
public enum JudgeParseFailure: Error, Sendable, Hashable, CustomStringConvertible {
    case missing(indices: [Int], found: Int)
    case outOfRange(index: Int, value: Double)
    case conflicting(index: Int, first: Double, second: Double)
    case unknownConstraint(index: Int, count: Int)

    public var description: String {
        switch self {
        case let .missing(indices, found):
            return "no score for constraint \(indices.map(String.init).joined(separator: ", ")) (\(found) scores found)"
        case let .outOfRange(index, value):
            return index == 0 ? "overall score \(value) is outside 0–10" : "constraint \(index) score \(value) is outside 0–10"
        case let .conflicting(index, first, second):
            return "constraint \(index) is scored twice, \(first) and \(second)"
        case let .unknownConstraint(index, count):
            return "a score for constraint \(index), but the instruction has \(count) constraints"
        }
    }
}
