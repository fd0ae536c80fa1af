/// Where an IFEval input came from: a file (or a label for in-memory text) and a 1-based line.
/// Line 0 means "not from a line-oriented source" (an instruction built in code).
public struct IFEvalSourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// The location used for instructions constructed in code rather than read from a file.
    public static let inMemory = IFEvalSourceLocation(file: "<memory>", line: 0)

    public var description: String { line > 0 ? "\(file):\(line)" : file }
}

/// Everything that can be wrong with IFEval input: an unreadable file, a line that is not JSON,
/// a record without a required field, an instruction id we do not know, or instruction arguments
/// the reference would reject (or, where the reference would silently pick random ones, that we
/// refuse because a random argument makes an evaluation meaningless).
public enum IFEvalError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadableFile(path: String, reason: String)
    case malformedJSON(at: IFEvalSourceLocation, column: Int, reason: String)
    case notAnObject(at: IFEvalSourceLocation)
    case missingField(at: IFEvalSourceLocation, field: String)
    case wrongFieldType(at: IFEvalSourceLocation, field: String, expected: String)
    case lengthMismatch(at: IFEvalSourceLocation, instructions: Int, kwargs: Int)
    case unknownInstruction(at: IFEvalSourceLocation, kind: String)
    case missingArgument(at: IFEvalSourceLocation, kind: String, argument: String)
    case unexpectedArgument(at: IFEvalSourceLocation, kind: String, argument: String)
    case invalidArgument(at: IFEvalSourceLocation, kind: String, argument: String, reason: String)
    case duplicateKey(at: IFEvalSourceLocation, key: Int, firstLine: Int)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "\(path): cannot read IFEval input: \(reason)"
        case let .malformedJSON(at, column, reason):
            return "\(at):\(column): malformed JSON: \(reason)"
        case let .notAnObject(at):
            return "\(at): expected a JSON object per line"
        case let .missingField(at, field):
            return "\(at): missing field '\(field)'"
        case let .wrongFieldType(at, field, expected):
            return "\(at): field '\(field)' must be \(expected)"
        case let .lengthMismatch(at, instructions, kwargs):
            return "\(at): 'instruction_id_list' has \(instructions) entries but 'kwargs' has \(kwargs)"
        case let .unknownInstruction(at, kind):
            return "\(at): unknown IFEval instruction kind '\(kind)'"
        case let .missingArgument(at, kind, argument):
            return "\(at): instruction '\(kind)' needs argument '\(argument)'"
        case let .unexpectedArgument(at, kind, argument):
            return "\(at): instruction '\(kind)' does not take argument '\(argument)'"
        case let .invalidArgument(at, kind, argument, reason):
            return "\(at): instruction '\(kind)' argument '\(argument)': \(reason)"
        case let .duplicateKey(at, key, firstLine):
            return "\(at): prompt key \(key) already used on line \(firstLine)"
        }
    }
}
