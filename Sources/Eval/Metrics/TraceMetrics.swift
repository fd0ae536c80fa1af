// TRACE metrics from per-constraint verdicts.
//
//   IF-S  followed rate over single-constraint instructions (the paper's Table 3)
//   IF-M  followed rate over multi-constraint instructions
//   ISR   followed rate over all instructions (CFBench's instruction satisfaction rate)
//   CSR   mean over instructions of the fraction of its constraints satisfied (CFBench's
//         constraint satisfaction rate)
//
// "Followed" means every constraint satisfied (for the LLM judge, every constraint scored 10).
// Instructions without a verdict (unparseable judge replies, judge errors) are left out of every
// rate and counted separately; instructions the model could not answer count as not followed.
// Breakdowns: constraint satisfaction by type and by dimension, followed rate by constraint count.

import Basics
import Trace

/// A count of successes out of a total.
struct Tally: Sendable, Equatable {
    var total = 0
    var hits = 0

    mutating func add(_ hit: Bool) {
        total += 1
        if hit { hits += 1 }
    }

    /// nil when there is nothing to divide by.
    var rate: Double? { total == 0 ? nil : Double(hits) / Double(total) }

    func json(hitsName: String) -> JSONValue {
        .object([
            "total": .int(total),
            hitsName: .int(hits),
            "rate": rate.map(CanonicalJSON.number) ?? .null,
        ])
    }
}

/// The metrics of one TRACE-format dataset.
struct TraceMetrics: Sendable {
    var instructions = 0
    var judged = 0
    var unparseable = 0
    var judgeErrors = 0
    var generationErrors = 0
    var single = Tally()
    var multi = Tally()
    var all = Tally()
    var constraints = Tally()
    private var satisfactionSum = 0.0
    private var scoreSum = 0.0
    private var scoreCount = 0
    var byType: [String: Tally] = [:]
    var byDimension: [String: Tally] = [:]
    var byCount: [Int: Tally] = [:]

    init(records: [TraceEvalRecord], verdicts: [ConstraintVerdict]) {
        for (record, verdict) in zip(records, verdicts) {
            instructions += 1
            switch verdict.status {
            case .unparseable: unparseable += 1; continue
            case .judgeError: judgeErrors += 1; continue
            case .generationError: generationErrors += 1
            case .judged: break
            }
            judged += 1
            let count = record.constraintsNum
            let satisfied = verdict.satisfied.count == count ? verdict.satisfied : Array(repeating: false, count: count)
            let followed = count > 0 && satisfied.allSatisfy { $0 }
            all.add(followed)
            if count == 1 { single.add(followed) } else { multi.add(followed) }
            byCount[count, default: Tally()].add(followed)
            if count > 0 { satisfactionSum += Double(satisfied.count(where: { $0 })) / Double(count) }
            let dimensions = record.dimensions ?? []
            for (index, hit) in satisfied.enumerated() {
                constraints.add(hit)
                if index < dimensions.count {
                    byType[dimensions[index].type.rawValue, default: Tally()].add(hit)
                    byDimension[dimensions[index].rawValue, default: Tally()].add(hit)
                }
            }
            for score in verdict.scores {
                scoreSum += score
                scoreCount += 1
            }
        }
    }

    var csr: Double? { judged == 0 ? nil : satisfactionSum / Double(judged) }
    var meanScore: Double? { scoreCount == 0 ? nil : scoreSum / Double(scoreCount) }

    var json: JSONValue {
        func number(_ value: Double?) -> JSONValue { value.map(CanonicalJSON.number) ?? .null }
        var members: [String: JSONValue] = [
            "if_s": number(single.rate),
            "if_m": number(multi.rate),
            "isr": number(all.rate),
            "csr": number(csr),
            "instructions": .int(instructions),
            "judged": .int(judged),
            "unjudged": .int(unparseable + judgeErrors),
            "unparseable": .int(unparseable),
            "judge_errors": .int(judgeErrors),
            "generation_errors": .int(generationErrors),
            "single": single.json(hitsName: "followed"),
            "multi": multi.json(hitsName: "followed"),
            "all": all.json(hitsName: "followed"),
            "constraints": constraints.json(hitsName: "satisfied"),
            "by_type": .object(byType.mapValues { $0.json(hitsName: "satisfied") }),
            "by_dimension": .object(byDimension.mapValues { $0.json(hitsName: "satisfied") }),
            "by_count": .object(Dictionary(uniqueKeysWithValues: byCount.map { (String($0.key), $0.value.json(hitsName: "followed")) })),
        ]
        if let meanScore { members["mean_constraint_score"] = CanonicalJSON.number(meanScore) }
        return .object(members)
    }
}
