/// One problem found in an experiment file, with the place it was found.
public struct ExperimentDiagnostic: Sendable, Equatable, CustomStringConvertible, Codable {
    /// The file as the user named it (or `<stored spec sha256:…>` for a replayed run).
    public var file: String
    public var line: Int
    public var column: Int
    /// The field, as a dotted path (`steps.sft.lr`); empty for the document as a whole.
    public var field: String
    public var message: String
    /// What to do about it (a suggested name, the expected form).
    public var hint: String?

    public init(file: String, position: SourcePosition, field: String, message: String, hint: String? = nil) {
        self.file = file
        self.line = position.line
        self.column = position.column
        self.field = field
        self.message = message
        self.hint = hint
    }

    /// `file:line:column: field: message (hint)`, the form compilers use, so editors can jump to it.
    public var description: String {
        var text = "\(file):\(line):\(column): "
        if !field.isEmpty { text += "\(field): " }
        text += message
        if let hint { text += "; \(hint)" }
        return text
    }
}

/// Why an experiment file was refused. Every case says where.
public enum ExperimentFileError: Error, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    /// The TOML itself does not parse (position from toml++).
    case syntax(ExperimentDiagnostic)
    /// The TOML parses but the experiment is invalid: every problem found, in file order.
    case invalid([ExperimentDiagnostic])

    public var diagnostics: [ExperimentDiagnostic] {
        switch self {
        case .unreadable: return []
        case .syntax(let d): return [d]
        case .invalid(let ds): return ds
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read experiment file \(path): \(reason)"
        case .syntax(let d): return "\(d.file):\(d.line):\(d.column): TOML syntax error: \(d.message)"
        case .invalid(let ds):
            let plural = ds.count == 1 ? "problem" : "problems"
            return "the experiment file has \(ds.count) \(plural):\n" + ds.map { "  " + $0.description }.joined(separator: "\n")
        }
    }
}
