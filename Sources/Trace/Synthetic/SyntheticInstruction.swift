// A synthetic instruction: a task on a theme, numbered constraints, and an optional input,
// rendered exactly as TRACE renders its instructions.

/// The input an instruction may carry (TRACE's "# Inputs:" block).
public enum SyntheticInput: Sendable, Hashable, Codable {
    /// A one-sentence story: "{Name} found the {object} near the {place}."
    case text(name: String, object: String, place: String)
    /// A two-column Markdown table of items (theme nouns) and their colors.
    case table(items: [String], colors: [String])

    /// The input as it appears after "# Inputs:".
    public var text: String {
        switch self {
        case .text(let name, let object, let place):
            return "\(SyntheticVocabulary.capitalized(name)) found the \(object) near the \(place)."
        case .table(let items, let colors):
            var lines = ["| item | color |", "| --- | --- |"]
            for (item, color) in zip(items, colors) { lines.append("| \(item) | \(color) |") }
            return lines.joined(separator: "\n")
        }
    }
}

/// What an instruction is about: its theme, task description and input.
public struct SyntheticContext: Sendable, Hashable, Codable {
    public var theme: String
    public var task: String
    public var input: SyntheticInput?

    public init(theme: String, task: String, input: SyntheticInput?) {
        self.theme = theme
        self.task = task
        self.input = input
    }
}

/// One constraint of an instruction: its spec and the wording used for it.
public struct Constraint: Sendable, Hashable, Codable {
    public var spec: ConstraintSpec
    /// Phrasing variant (see `ConstraintPhrasing`).
    public var phrasing: Int
    /// The constraint's text, without its "k. " number.
    public var text: String

    public init(spec: ConstraintSpec, phrasing: Int) {
        self.spec = spec
        self.phrasing = phrasing
        self.text = ConstraintPhrasing.text(for: spec, variant: phrasing)
    }

    public var kind: ConstraintKind { spec.kind }
    public var dimension: TraceDimension { spec.kind.dimension }

    public func verify(response: String) -> Bool { spec.verify(response: response) }
}

/// A complete instruction in TRACE form.
public struct SyntheticInstruction: Sendable, Hashable, Codable {
    public let context: SyntheticContext
    public let constraints: [Constraint]
    /// The user message, built by TRACE's rule (description, constraints, optional input).
    public let text: String

    public init(context: SyntheticContext, constraints: [Constraint]) {
        self.context = context
        self.constraints = constraints
        self.text = TraceEvalRecord.userMessage(
            description: context.task,
            constraints: constraints.enumerated().map { "\($0.offset + 1). \($0.element.text)" }.joined(separator: "\n"),
            input: context.input?.text)
    }

    public var specs: [ConstraintSpec] { constraints.map(\.spec) }

    /// "1. ...", "2. ...": TRACE's constraints_splits.
    public var constraintsSplits: [String] {
        constraints.enumerated().map { "\($0.offset + 1). \($0.element.text)" }
    }

    public var levels2: [String] { constraints.map { $0.dimension.levels2Label } }

    /// Whether `response` satisfies every constraint.
    public func isSatisfied(by response: String) -> Bool {
        let analysis = ResponseAnalysis(response)
        return constraints.allSatisfy { $0.spec.verify(analysis) }
    }

    /// The instruction as a TRACE evaluation record with its checks.
    public func evalRecord(id: String, category: String) -> TraceEvalRecord {
        TraceEvalRecord(id: id, description: context.task, constraintsSplits: constraintsSplits,
                        input: context.input?.text, levels2: levels2, category: category, checks: specs)
    }
}
