// Errors raised when reading TRACE-format files. Each names the file and where in it.

/// Where a record came from: the file and either its line (JSONL) or its index (a JSON list).
public struct TraceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based line number in a JSONL file.
    public var line: Int?
    /// 0-based index of the record in a JSON list file.
    public var record: Int?

    public init(file: String, line: Int? = nil, record: Int? = nil) {
        self.file = file
        self.line = line
        self.record = record
    }

    public var description: String {
        if let line { return "\(file):\(line)" }
        if let record { return "\(file)[record \(record)]" }
        return file
    }
}

/// Why a TRACE-format record could not be read.
public enum TraceFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be read at all.
    case unreadable(file: String, reason: String)
    /// A line (or the whole file) is not valid JSON; `line`/`column` are in the file.
    case malformedJSON(TraceLocation, column: Int, reason: String)
    /// A required field is absent.
    case missingField(TraceLocation, field: String)
    /// A field has the wrong JSON type (`field` is a path such as `messages[1].content`).
    case wrongType(TraceLocation, field: String, expected: String, found: String)
    /// `constraints_num` disagrees with the length of `constraints_splits` or `levels2`.
    case countMismatch(TraceLocation, constraintsNum: Int, splits: Int, levels2: Int)
    /// A `levels2` label names none of the 26 dimensions.
    case unknownLevels2Label(TraceLocation, index: Int, label: String)
    /// `constraints` is not `constraints_splits` joined with "\n".
    case constraintsTextMismatch(TraceLocation)
    /// `messages` is not [system, user] or the user message does not follow the TRACE rule.
    case invalidMessages(TraceLocation, reason: String)
    /// The `checks` extension field is present but not a valid list of constraint specs.
    case invalidChecks(TraceLocation, index: Int, reason: String)

    public var location: TraceLocation? {
        switch self {
        case .unreadable: return nil
        case .malformedJSON(let l, _, _), .missingField(let l, _), .wrongType(let l, _, _, _),
             .countMismatch(let l, _, _, _), .unknownLevels2Label(let l, _, _),
             .constraintsTextMismatch(let l), .invalidMessages(let l, _), .invalidChecks(let l, _, _):
            return l
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read: \(reason)"
        case .malformedJSON(let l, let column, let reason):
            return "\(l):\(column): malformed JSON: \(reason)"
        case .missingField(let l, let field):
            return "\(l): missing field '\(field)'"
        case .wrongType(let l, let field, let expected, let found):
            return "\(l): field '\(field)' should be \(expected), found \(found)"
        case .countMismatch(let l, let num, let splits, let levels2):
            return "\(l): constraints_num is \(num) but constraints_splits has \(splits) and levels2 has \(levels2) entries"
        case .unknownLevels2Label(let l, let index, let label):
            return "\(l): levels2[\(index)] '\(label)' is not a TRACE dimension label"
        case .constraintsTextMismatch(let l):
            return "\(l): 'constraints' is not constraints_splits joined by newlines"
        case .invalidMessages(let l, let reason):
            return "\(l): messages: \(reason)"
        case .invalidChecks(let l, let index, let reason):
            return "\(l): checks[\(index)]: \(reason)"
        }
    }
}
