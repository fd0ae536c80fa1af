// TRACE's judge protocol against any OpenAI-compatible endpoint. The released harness's prompt was
// never published; this one asks for what the paper describes: a 0–10 score for every constraint
// and the overall score as `Constraints Overall Score: [[d]]` (the mean of the constraint scores).
// An instruction is followed only when every constraint scores 10.
//
// A reply without readable scores is asked again, in the same conversation, with the reason and
// the exact format; after `attempts` replies the instruction is recorded as unparseable, counted
// and reported, and left out of the rates — never given a score nobody gave.

import Trace

/// Scores responses against TRACE constraints with an LLM.
public struct LLMJudge: Sendable {
    public let client: OpenAIClient
    public let model: String
    public let parameters: ChatParameters
    /// Replies asked for per instruction before it is recorded as unparseable (at least 1).
    public let attempts: Int
    let cache: ResponseCache?

    public init(client: OpenAIClient, model: String, parameters: ChatParameters, attempts: Int, cache: ResponseCache?) {
        self.client = client
        self.model = model
        self.parameters = parameters
        self.attempts = max(attempts, 1)
        self.cache = cache
    }

    /// The judge prompt for one instruction and response.
    public static func prompt(instruction: String, constraints: [String], response: String) -> String {
        var lines: [String] = []
        lines.append("You are an impartial judge of instruction following. Below are an instruction, the constraints it imposes, and a model's response to it. For each constraint, judge only whether and how well the response satisfies that constraint, and give it a score from 0 to 10, where 10 means fully satisfied and 0 means not satisfied at all.")
        lines.append("")
        lines.append("[Instruction]")
        lines.append(instruction)
        lines.append("")
        lines.append("[Constraints]")
        for (index, constraint) in constraints.enumerated() {
            lines.append("Constraint \(index + 1): \(constraint)")
        }
        lines.append("")
        lines.append("[Response]")
        lines.append(response)
        lines.append("")
        lines.append("You may first explain briefly. Then write one line per constraint, in order, exactly in this form, and finally the overall score (the mean of the constraint scores):")
        for index in constraints.indices {
            lines.append("Constraint \(index + 1) Score: [[score]]")
        }
        lines.append("Constraints Overall Score: [[score]]")
        lines.append("Each score is an integer from 0 to 10 inside double square brackets.")
        return lines.joined(separator: "\n")
    }

    static func reminder(_ failure: JudgeParseFailure, constraintCount: Int) -> String {
        "Your reply could not be read: \(failure.description). Reply again with exactly \(constraintCount) line(s) of the form `Constraint k Score: [[d]]` (k = 1 to \(constraintCount), d an integer from 0 to 10), then `Constraints Overall Score: [[d]]`."
    }

    /// Judges one response. Connection failures (after the client's retries) throw; a refused
    /// request or unreadable replies become a verdict without scores.
    public func judge(instruction: String, constraints: [String], response: String) async throws -> ConstraintVerdict {
        var messages = [ChatTurn(role: "user", content: LLMJudge.prompt(instruction: instruction, constraints: constraints, response: response))]
        var replies: [String] = []
        var requests = 0
        var lastFailure = ""
        for attempt in 1...attempts {
            let reply: ChatReply
            let key = ResponseCache.key(model: model, messages: messages, parameters: parameters)
            if let cached = await cache?.reply(for: key) {
                reply = cached
            } else {
                do {
                    reply = try await client.chat(model: model, messages: messages, parameters: parameters)
                } catch let error as EvaluationError {
                    guard case .httpStatus(_, let status, let body) = error, Evaluation.isPerItemRefusal(status) else { throw error }
                    return ConstraintVerdict(status: .judgeError, satisfied: [], attempts: requests + 1, replies: replies,
                                             failure: "the judge endpoint refused the request (HTTP \(status)): \(body.prefix(300))")
                }
                requests += 1
                try await cache?.store(reply, for: key)
            }
            replies.append(reply.content)
            switch JudgeReplyParser.parse(reply.content, constraintCount: constraints.count) {
            case .success(let scores):
                return ConstraintVerdict(status: .judged, satisfied: scores.constraints.map { $0 == 10 }, scores: scores.constraints,
                                         overall: scores.overall, attempts: requests, replies: replies)
            case .failure(let failure):
                lastFailure = failure.description
                if attempt < attempts {
                    messages.append(ChatTurn(role: "assistant", content: reply.content))
                    messages.append(ChatTurn(role: "user", content: LLMJudge.reminder(failure, constraintCount: constraints.count)))
                }
            }
        }
        return ConstraintVerdict(status: .unparseable, satisfied: [], attempts: requests, replies: replies,
                                 failure: "no readable scores after \(attempts) replies: \(lastFailure)")
    }
}
