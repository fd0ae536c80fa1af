// Errors of the synthetic benchmark generator and writer.

/// Why generating or writing a synthetic dataset failed.
public enum SyntheticTraceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The response generator produced a response that fails one of the constraints it was
    /// built for. This is a bug in the generator, never a property of the data.
    case responseFailsOwnConstraint(constraint: ConstraintSpec, instruction: String, response: String)
    /// The planner judged constraints answerable, then could not answer them: a generator bug.
    case plannerInconsistent(instruction: String)
    /// No instruction with the wanted number of compatible constraints was found.
    case cannotBuildInstruction(split: String, index: Int, constraints: Int)
    /// No edit of x1 produced a valid x2 for this quadruple.
    case cannotMakeQuadruple(index: Int)
    /// A split could not be filled with unique instructions.
    case cannotFillSplit(split: String, produced: Int, wanted: Int)
    /// The configuration is invalid.
    case invalidConfiguration(String)
    /// Writing the dataset failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .responseFailsOwnConstraint(let constraint, let instruction, let response):
            return "generator bug: response fails its own constraint \(constraint.kind.rawValue) \(constraint.jsonValue)\n--- instruction\n\(instruction)\n--- response\n\(response)"
        case .plannerInconsistent(let instruction):
            return "generator bug: constraints judged answerable could not be answered: \(instruction)"
        case .cannotBuildInstruction(let split, let index, let constraints):
            return "\(split)[\(index)]: could not build an instruction with \(constraints) compatible constraints"
        case .cannotMakeQuadruple(let index):
            return "train[\(index)]: no edit of x1 gave an x2 that y1 fails"
        case .cannotFillSplit(let split, let produced, let wanted):
            return "\(split): only \(produced) of \(wanted) unique instructions could be generated"
        case .invalidConfiguration(let reason):
            return "invalid synthetic TRACE configuration: \(reason)"
        case .writeFailed(let path, let reason):
            return "\(path): write failed: \(reason)"
        }
    }
}
