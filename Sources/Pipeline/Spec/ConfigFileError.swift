import Foundation
import TOMLKit

/// One problem found in an experiment file or a training config, with the place it was found.
public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible, Codable {
    /// The file as the user named it (or `<stored spec sha256:…>` for a replayed run).
    public var file: String
    public var line: Int
    public var column: Int
    /// The field, as a dotted path (`steps.sft.lr`); empty for the document as a whole.
    public var field: String
    public var message: String
    /// What to do about it (a suggested name, the expected form).
    public var hint: String?
    /// The `run --set KEY=VALUE` argument the problem is in, when it is not in the file.
    public var override: String?

    public init(file: String, position: SourcePosition, field: String, message: String, hint: String? = nil, override: String? = nil) {
        self.file = file
        self.line = position.line
        self.column = position.column
        self.field = field
        self.message = message
        self.hint = hint
        self.override = override
    }

    /// `file:line:column: field: message (hint)`, the form compilers use, so editors can jump to
    /// it; `--set KEY=VALUE: field: message` for a problem in an override.
    public var description: String {
        var text = override.map { "--set \($0): " } ?? "\(file):\(line):\(column): "
        if !field.isEmpty { text += "\(field): " }
        text += message
        if let hint { text += "; \(hint)" }
        return text
    }
}

/// Which TOML document a `ConfigFileError` is about; its name is how messages refer to it.
public enum ConfigDocument: String, Sendable {
    case experiment = "experiment file"
    case training = "training config"
}

/// Why an experiment file or a training config was refused. Every case says where.
public enum ConfigFileError: Error, CustomStringConvertible, Sendable {
    case unreadable(ConfigDocument, path: String, reason: String)
    /// The TOML itself does not parse (position from toml++).
    case syntax(ConfigDiagnostic)
    /// The TOML parses but its content is invalid: every problem found, in file order.
    case invalid(ConfigDocument, [ConfigDiagnostic])

    public var diagnostics: [ConfigDiagnostic] {
        switch self {
        case .unreadable: return []
        case .syntax(let d): return [d]
        case .invalid(_, let ds): return ds
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let document, let path, let reason): return "cannot read \(document.rawValue) \(path): \(reason)"
        case .syntax(let d): return "\(d.file):\(d.line):\(d.column): TOML syntax error: \(d.message)"
        case .invalid(let document, let ds):
            let plural = ds.count == 1 ? "problem" : "problems"
            return "the \(document.rawValue) has \(ds.count) \(plural):\n" + ds.map { "  " + $0.description }.joined(separator: "\n")
        }
    }
}

extension ConfigDocument {
    /// Reads `path` as UTF-8 text, or says why it cannot be read.
    func readText(_ path: String) throws(ConfigFileError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw .unreadable(self, path: path, reason: exists ? (isDirectory.boolValue ? "it is a directory" : "permission denied") : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .unreadable(self, path: path, reason: "it is not UTF-8 text") }
        return text
    }

    /// Parses TOML text, turning toml++'s error into a positioned syntax diagnostic.
    func parseTOML(_ text: String, file: String) throws(ConfigFileError) -> TOMLTable {
        do { return try TOMLTable(string: text) } catch let error as TOMLParseError {
            let position = SourcePosition(line: max(1, error.source.begin.line), column: max(1, error.source.begin.column))
            throw .syntax(ConfigDiagnostic(file: file, position: position, field: "", message: error.description))
        } catch {
            throw .syntax(ConfigDiagnostic(file: file, position: .start, field: "", message: "\(error)"))
        }
    }

    /// Every problem found, in file order, as the error to throw.
    func invalid(_ diagnostics: [ConfigDiagnostic]) -> ConfigFileError {
        .invalid(self, diagnostics.sorted { ($0.line, $0.column, $0.field) < ($1.line, $1.column, $1.field) })
    }
}
