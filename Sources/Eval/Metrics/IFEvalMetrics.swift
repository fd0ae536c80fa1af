// IFEval metrics: prompt-level strict and loose accuracy (the paper's S-Acc and L-Acc) and
// instruction-level accuracy, with the per-kind and per-category breakdowns of evaluation_lib.py.

import Trace

enum IFEvalMetrics {
    static func json(_ score: IFEvalScore, generationErrors: Int) -> JSONValue {
        func breakdown(_ tallies: [IFEvalTally]) -> JSONValue {
            CanonicalJSON.object(Dictionary(uniqueKeysWithValues: tallies.map {
                ($0.name, CanonicalJSON.object([
                    "total": CanonicalJSON.integer($0.total),
                    "followed": CanonicalJSON.integer($0.followed),
                    "rate": CanonicalJSON.number($0.accuracy),
                ]))
            }))
        }
        func accuracy(_ value: IFEvalAccuracy) -> JSONValue {
            CanonicalJSON.object([
                "prompt_level": CanonicalJSON.number(value.promptLevel),
                "instruction_level": CanonicalJSON.number(value.instructionLevel),
                "prompts_followed": CanonicalJSON.integer(value.prompts.followed),
                "instructions_followed": CanonicalJSON.integer(value.instructions.followed),
                "by_category": breakdown(value.byCategory),
                "by_kind": breakdown(value.byKind),
            ])
        }
        return CanonicalJSON.object([
            "s_acc": CanonicalJSON.number(score.strictPromptAccuracy),
            "l_acc": CanonicalJSON.number(score.loosePromptAccuracy),
            "strict_instruction_acc": CanonicalJSON.number(score.strict.instructionLevel),
            "loose_instruction_acc": CanonicalJSON.number(score.loose.instructionLevel),
            "prompts": CanonicalJSON.integer(score.strict.prompts.total),
            "instructions": CanonicalJSON.integer(score.strict.instructions.total),
            "generation_errors": CanonicalJSON.integer(generationErrors),
            "strict": accuracy(score.strict),
            "loose": accuracy(score.loose),
        ])
    }
}
