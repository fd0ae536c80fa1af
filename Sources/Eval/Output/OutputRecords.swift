// The records of responses.jsonl, judgments.jsonl and the settings block of metrics.json, as
// canonical JSON. Only what determines the results is written: no times, URLs, ports, keys,
// paths or request counts, so a resumed run and a fresh one write the same bytes.

import Basics
import Trace

extension Evaluation {
    static func responseLine(dataset: String, index: Int, item: EvalItem, response: GeneratedResponse) -> String {
        var members: [String: JSONValue] = [
            "dataset": .string(dataset),
            "index": .int(index),
            "id": .string(item.id),
        ]
        if let reply = response.reply {
            members["response"] = .string(reply.content)
            members["finish_reason"] = reply.finishReason.map { .string($0) } ?? .null
            members["prompt_tokens"] = reply.promptTokens.map { JSONValue.int($0) } ?? .null
            members["completion_tokens"] = reply.completionTokens.map { JSONValue.int($0) } ?? .null
        } else {
            members["response"] = .null
            members["error"] = .string(response.error ?? "no response")
        }
        return CanonicalJSON.line(.object(members))
    }

    static func traceJudgmentLine(dataset: String, index: Int, record: TraceEvalRecord, verdict: ConstraintVerdict, judge: JudgeKind) -> String {
        var members: [String: JSONValue] = [
            "dataset": .string(dataset),
            "index": .int(index),
            "id": .string(record.id),
            "judge": .string(judge.rawValue),
            "status": .string(verdict.status.rawValue),
            "constraints": .int(record.constraintsNum),
            "satisfied": .array(verdict.satisfied.map { .bool($0) }),
            "followed": .bool(verdict.followed),
        ]
        if judge == .llm {
            members["scores"] = .array(verdict.scores.map(CanonicalJSON.number))
            members["overall"] = verdict.overall.map(CanonicalJSON.number) ?? .null
            members["replies"] = .array(verdict.replies.map { .string($0) })
        }
        if let failure = verdict.failure { members["failure"] = .string(failure) }
        return CanonicalJSON.line(.object(members))
    }

    static func ifevalJudgmentLine(dataset: String, index: Int, prompt: IFEvalPrompt, response: String) -> String {
        let strict = IFEvalEvaluator.evaluate(prompt, response: response, mode: .strict)
        let loose = IFEvalEvaluator.evaluate(prompt, response: response, mode: .loose)
        return CanonicalJSON.line(.object([
            "dataset": .string(dataset),
            "index": .int(index),
            "id": .string(String(prompt.key)),
            "judge": .string("ifeval"),
            "kinds": .array(prompt.kinds.map(\.rawValue).map { .string($0) }),
            "strict": .array(strict.followed.map { .bool($0) }),
            "loose": .array(loose.followed.map { .bool($0) }),
            "followed_strict": .bool(strict.followsAll),
            "followed_loose": .bool(loose.followsAll),
        ]))
    }

    /// The settings that determine the results (no URLs, ports, keys or paths: they do not).
    static func settingsJSON(_ config: EvaluationConfig, datasets: [EvalDataset]) -> JSONValue {
        var members: [String: JSONValue] = [
            "model": .string(config.model),
            "system_prompt": .string(config.systemPrompt),
            "temperature": CanonicalJSON.number(config.temperature),
            "top_p": config.topP.map(CanonicalJSON.number) ?? .null,
            "max_tokens": config.maxTokens.map { JSONValue.int($0) } ?? .null,
            "seed": config.seed.map { JSONValue.int($0) } ?? .null,
            "judge": .string(config.judge.rawValue),
            "datasets": .object(Dictionary(uniqueKeysWithValues: datasets.map {
                ($0.name, .object(["format": .string($0.format.rawValue), "records": .int($0.items.count)]))
            })),
        ]
        if let file = config.responsesFile { members["responses_file"] = .string(file) }
        if config.judge == .llm, let judge = config.judgeSettings {
            members["judge_model"] = .string(judge.model)
            members["judge_temperature"] = CanonicalJSON.number(judge.temperature)
            members["judge_max_tokens"] = judge.maxTokens.map { JSONValue.int($0) } ?? .null
            members["judge_seed"] = judge.seed.map { JSONValue.int($0) } ?? .null
            members["judge_attempts"] = .int(judge.attempts)
        }
        return .object(members)
    }

    static func flatten(_ value: JSONValue, prefix: String, into out: inout [String: Double]) {
        switch value {
        case .object(let members):
            for member in members { flatten(member.value, prefix: prefix.isEmpty ? member.key : prefix + "/" + member.key, into: &out) }
        case .number(let literal):
            if let number = Double(literal), !prefix.isEmpty { out[prefix] = number }
        default:
            break
        }
    }
}
