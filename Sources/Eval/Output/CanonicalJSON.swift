// Canonical JSON for everything an evaluation writes: object keys sorted by code point, numbers
// in one fixed format, strings as raw UTF-8 (Python's json.dumps with sort_keys=True and
// ensure_ascii=False). The same results therefore always give the same bytes, so outputs hash
// identically across reruns whenever the model's decoding is deterministic.

import Basics
import Foundation
import Trace

enum CanonicalJSON {
    /// An object with its members sorted by key (UTF-8 byte order = code point order).
    static func object(_ members: [String: JSONValue]) -> JSONValue {
        .object(members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { JSONMember($0, members[$0]!) })
    }

    static func integer(_ value: Int) -> JSONValue { .number(String(value)) }

    /// A real number with six decimals, trailing zeros dropped but one kept (`0.5`, `10.0`,
    /// `0.333333`); not-a-number and infinities, which JSON cannot hold, are written as null.
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

    static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }

    /// One JSONL line (no newline).
    static func line(_ value: JSONValue) -> String { JSONWriter.compact(value) }

    /// A whole document, indented by 2, with a final newline.
    static func document(_ value: JSONValue) -> String { JSONWriter.pretty(value, layout: .python(indent: 2)) + "\n" }

    /// Writes `text` to `url` atomically (`AtomicFile`), so a reader never sees half a file.
    static func write(_ text: String, to url: URL) throws(EvaluationError) {
        do throws(FileSystemError) { try AtomicFile.write(Array(text.utf8), to: url.path) } catch {
            throw .io(path: url.path, detail: error.detail)
        }
    }
}
