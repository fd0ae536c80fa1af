// The judge's verdict on one TRACE instruction, whichever judge gave it.

/// How a verdict came about.
public enum VerdictStatus: String, Sendable, Hashable {
    /// Every constraint has a verdict.
    case judged
    /// The LLM judge's replies could not be parsed, even after retries: no verdict. Counted and
    /// reported, never scored.
    case unparseable
    /// The judge endpoint refused the request (e.g. the prompt is longer than its context).
    case judgeError = "judge_error"
    /// The model under test produced no response (its endpoint refused the prompt): every
    /// constraint counts as not satisfied.
    case generationError = "generation_error"
}

/// Per-constraint results for one instruction.
public struct ConstraintVerdict: Sendable, Hashable {
    public var status: VerdictStatus
    /// One per constraint when judged (or a generation error): satisfied or not.
    public var satisfied: [Bool]
    /// The LLM judge's 0–10 score per constraint (empty for the rule judge).
    public var scores: [Double]
    /// The LLM judge's `Constraints Overall Score`, when it gave one.
    public var overall: Double?
    /// LLM judge requests made for this instruction (0 for the rule judge or a cached verdict).
    public var attempts: Int
    /// The LLM judge's raw replies, in order (kept so a failed parse can be inspected).
    public var replies: [String]
    /// Why there is no verdict, for unparseable and judge-error instructions.
    public var failure: String?

    public init(status: VerdictStatus, satisfied: [Bool], scores: [Double] = [], overall: Double? = nil,
                attempts: Int = 0, replies: [String] = [], failure: String? = nil) {
        self.status = status
        self.satisfied = satisfied
        self.scores = scores
        self.overall = overall
        self.attempts = attempts
        self.replies = replies
        self.failure = failure
    }

    /// Whether the verdict counts in the metrics.
    public var counts: Bool { status == .judged || status == .generationError }
    /// Every constraint satisfied (TRACE's "followed").
    public var followed: Bool { counts && !satisfied.isEmpty && satisfied.allSatisfy { $0 } }
}
