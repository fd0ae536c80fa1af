// The JSON conventions of everything an evaluation writes: objects built with sorted keys
// (`JSONValue.object` from a dictionary), metric numbers in one fixed six-decimal format, lines and
// documents written by the one `JSONWriter` as Python's json.dumps writes them (ensure_ascii=False).
// The same results therefore always give the same bytes, so outputs hash identically across reruns
// whenever the model's decoding is deterministic.

import Basics
import Foundation

enum CanonicalJSON {
    /// A real number with six decimals, trailing zeros dropped but one kept (`0.5`, `10.0`,
    /// `0.333333`); not-a-number and infinities, which JSON cannot hold, are written as null.
    /// This is the evaluation's number format, not the writer's: it rounds what it is given.
    static func number(_ value: Double) -> JSONValue {
        guard value.isFinite else { return .null }
        return .number(format(value))
    }

    static func format(_ value: Double) -> String {
        var text = String(format: "%.6f", value)
        if text == "-0.000000" { text = "0.000000" }
        while text.hasSuffix("0") && !text.hasSuffix(".0") { text.removeLast() }
        return text
    }

    /// One JSONL line (no newline): `json.dumps(value)`.
    static func line(_ value: JSONValue) -> String { JSONWriter.python.string(value) }

    /// A whole document, indented by 2, with a final newline: `json.dumps(value, indent=2)` + "\n".
    static func document(_ value: JSONValue) -> String { JSONWriter.pythonIndented(2).string(value) + "\n" }

    /// Writes `text` to `url` atomically (`AtomicFile`), so a reader never sees half a file.
    static func write(_ text: String, to url: URL) throws(EvaluationError) {
        do throws(FileSystemError) { try AtomicFile.write(Array(text.utf8), to: url.path) } catch {
            throw .io(path: url.path, detail: error.detail)
        }
    }
}
