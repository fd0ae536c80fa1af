// The rule judge for synthetic TRACE data: each constraint's verifier passes or fails.

import Trace

enum RuleJudging {
    /// Fails before any request is made when a record has no checks (real TRACE records need
    /// the LLM judge).
    static func requireChecks(_ dataset: EvalDataset) throws(EvaluationError) {
        if let item = dataset.items.first(where: { $0.trace?.checks == nil }) {
            throw .judgeMismatch(dataset: dataset.name, detail: "record \(item.id) has no 'checks', so the rule judge cannot score it; "
                                 + "rule judging needs synthetic TRACE data (iopo-exp's generator writes checks). Use --judge llm for real TRACE data")
        }
    }

    static func judge(_ record: TraceEvalRecord, response: String) -> ConstraintVerdict {
        let results = RuleJudge.judge(checks: record.checks ?? [], response: response).results
        return ConstraintVerdict(status: .judged, satisfied: results)
    }
}
