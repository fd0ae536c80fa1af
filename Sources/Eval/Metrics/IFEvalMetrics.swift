// IFEval metrics: prompt-level strict and loose accuracy (the paper's S-Acc and L-Acc) and
// instruction-level accuracy, with the per-kind and per-category breakdowns of evaluation_lib.py.

import Basics
import Trace

enum IFEvalMetrics {
    static func json(_ score: IFEvalScore, generationErrors: Int) -> JSONValue {
        func breakdown(_ tallies: [IFEvalTally]) -> JSONValue {
            .object(Dictionary(uniqueKeysWithValues: tallies.map {
                ($0.name, .object([
                    "total": .int($0.total),
                    "followed": .int($0.followed),
                    "rate": CanonicalJSON.number($0.accuracy),
                ]))
            }))
        }
        func accuracy(_ value: IFEvalAccuracy) -> JSONValue {
            .object([
                "prompt_level": CanonicalJSON.number(value.promptLevel),
                "instruction_level": CanonicalJSON.number(value.instructionLevel),
                "prompts_followed": .int(value.prompts.followed),
                "instructions_followed": .int(value.instructions.followed),
                "by_category": breakdown(value.byCategory),
                "by_kind": breakdown(value.byKind),
            ])
        }
        return .object([
            "s_acc": CanonicalJSON.number(score.strictPromptAccuracy),
            "l_acc": CanonicalJSON.number(score.loosePromptAccuracy),
            "strict_instruction_acc": CanonicalJSON.number(score.strict.instructionLevel),
            "loose_instruction_acc": CanonicalJSON.number(score.loose.instructionLevel),
            "prompts": .int(score.strict.prompts.total),
            "instructions": .int(score.strict.instructions.total),
            "generation_errors": .int(generationErrors),
            "strict": accuracy(score.strict),
            "loose": accuracy(score.loose),
        ])
    }
}
