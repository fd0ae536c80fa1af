import Foundation

/// What an input parameter points at: another step's output (`"sft.model"`, or `"serve_iopo"`
/// for a step with a single output) or a file or directory of the working tree
/// (`"file:configs/sft.yaml"`, relative to the experiment file; `${NAME}` expands from the
/// environment), which is stored when the run starts and hashed like any artifact.
public enum InputReference: Hashable, Sendable, CustomStringConvertible {
    case stepOutput(step: String, output: String?)
    case file(String)

    public static let filePrefix = "file:"

    /// Splits at the first dot: step names cannot contain dots, output names may (`metrics.json`).
    public init(parsing text: String) {
        if text.hasPrefix(InputReference.filePrefix) {
            self = .file(String(text.dropFirst(InputReference.filePrefix.count)))
        } else if let dot = text.firstIndex(of: ".") {
            self = .stepOutput(step: String(text[..<dot]), output: String(text[text.index(after: dot)...]))
        } else {
            self = .stepOutput(step: text, output: nil)
        }
    }

    public var description: String {
        switch self {
        case .stepOutput(let step, let output): return output.map { "\(step).\($0)" } ?? step
        case .file(let path): return InputReference.filePrefix + path
        }
    }

    public var step: String? { if case .stepOutput(let s, _) = self { return s }; return nil }

    /// Expands `${NAME}` from `environment`; nil names the first unset variable.
    static func expandVariables(_ text: String, environment: [String: String]) -> (String?, missing: String?) {
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { out += rest[start.lowerBound...]; return (out, nil) }
            let name = String(rest[start.upperBound..<end])
            guard let value = environment[name] else { return (nil, name) }
            out += value
            rest = rest[rest.index(after: end)...]
        }
        out += rest
        return (out, nil)
    }
}
