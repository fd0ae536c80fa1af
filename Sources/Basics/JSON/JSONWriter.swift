// The one JSON writer of iopo-exp. Every JSON file or line the tool writes goes through it, in one
// of a few fixed forms, and the same value in the same form always gives the same bytes:
//
// - `canonical`: keys sorted by UTF-8 bytes, no whitespace. Step keys, store manifests and chunk
//   lists (byte-identical to Foundation's JSONEncoder with `.sortedKeys, .withoutEscapingSlashes`,
//   which wrote them first), OpenAI-compatible responses, the engine's one-line files.
// - `canonicalIndented`: Python's `json.dumps(v, indent=2, sort_keys=True, ensure_ascii=False)`
//   plus a final newline: the Hugging Face files the engine exports.
// - `python` and `pythonIndented(_:)`: `json.dumps(v, ensure_ascii=False)` (separators ", " and
//   ": ") and its `indent=n` form, keeping member order: TRACE and LLaMA-Factory files, and the
//   evaluation's outputs (whose objects are built with sorted keys).
// - `compact`: no whitespace, member order kept: the safetensors header, whose writer lists
//   `__metadata__` first as the reference implementation does, and the parity dumps.
// - `releasedTrainingExample`: the hand-edited whitespace of TRACE's released training example.
// - `foundationIndented`: Foundation's JSONEncoder with `.sortedKeys, .prettyPrinted,
//   .withoutEscapingSlashes` plus a final newline (`"key" : value`, empty containers on three
//   lines): the synthetic dataset manifest, the table step's tables.json and the store's
//   config.json, first written that way.
//
// Strings are escaped as Python's `ensure_ascii=False` and serde_json do (and as JSONEncoder
// does when slashes are not escaped): `"` and `\`, the C0 controls (\b \f \n \r \t by name, the
// rest as lowercase `\u00XX`); everything else, `/`, DEL and non-ASCII included, is written raw.
// Number literals are written as they are held (see `JSONValue.double`).
//
// Why not Foundation's JSONEncoder: it cannot keep a caller's key order, writes whole doubles
// without `.0`, escapes `/` by default, and has no Python layouts.

/// Writes `JSONValue`s as text in one fixed form (see the file comment for the forms in use).
public struct JSONWriter: Sendable, Hashable {
    /// Where line breaks and spaces go.
    public enum Layout: Sendable, Hashable {
        /// Everything on one line, with these separators between items and after keys.
        case singleLine(itemSeparator: String, keySeparator: String)
        /// One item per line, indented as `indentation` says.
        case indented(JSONIndentation, keySeparator: String, emptyContainers: EmptyContainers)
    }

    /// How an empty array or object is written in an indented layout.
    public enum EmptyContainers: Sendable, Hashable {
        /// `[]` and `{}` (Python).
        case closed
        /// The brackets on lines of their own with an empty line between, the closing one
        /// indented like a closing bracket: Foundation's JSONEncoder `.prettyPrinted`.
        case blankLine
    }

    public var layout: Layout
    /// Whether object members are written in key order (UTF-8 bytes) rather than as held.
    public var sortsKeys: Bool
    /// Whether a line feed follows the value.
    public var endsWithNewline: Bool

    /// Sorted keys, no whitespace: the canonical form of hashed JSON.
    public static let canonical = JSONWriter(layout: .singleLine(itemSeparator: ",", keySeparator: ":"), sortsKeys: true, endsWithNewline: false)
    /// Python's `indent=2, sort_keys=True` plus a final newline.
    public static let canonicalIndented = JSONWriter(
        layout: .indented(.python(indent: 2), keySeparator: ": ", emptyContainers: .closed), sortsKeys: true, endsWithNewline: true)
    /// No whitespace, member order kept.
    public static let compact = JSONWriter(layout: .singleLine(itemSeparator: ",", keySeparator: ":"), sortsKeys: false, endsWithNewline: false)
    /// Python's `json.dumps(value, ensure_ascii=False)`: one line, `", "` and `": "`, order kept.
    public static let python = JSONWriter(layout: .singleLine(itemSeparator: ", ", keySeparator: ": "), sortsKeys: false, endsWithNewline: false)
    /// Python's `json.dumps(value, indent=n, ensure_ascii=False)`; no final newline, as `json.dump` writes none.
    public static func pythonIndented(_ indent: Int) -> JSONWriter {
        JSONWriter(layout: .indented(.python(indent: indent), keySeparator: ": ", emptyContainers: .closed), sortsKeys: false, endsWithNewline: false)
    }
    /// The whitespace of TRACE's released `trace_train_example.json` (see `JSONIndentation`).
    public static let releasedTrainingExample = JSONWriter(
        layout: .indented(.releasedTrainingExample, keySeparator: ": ", emptyContainers: .closed), sortsKeys: false, endsWithNewline: false)
    /// Foundation's JSONEncoder with `.sortedKeys, .prettyPrinted, .withoutEscapingSlashes`, plus
    /// a final newline. Together with `JSONValueEncoder` it reproduces the bytes of files that were
    /// first written by JSONEncoder.
    public static let foundationIndented = JSONWriter(
        layout: .indented(.python(indent: 2), keySeparator: " : ", emptyContainers: .blankLine), sortsKeys: true, endsWithNewline: true)

    /// The UTF-8 bytes of `value` in this form.
    public func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, depth: 0, into: &out)
        if endsWithNewline { out.append(UInt8(ascii: "\n")) }
        return out
    }

    /// The text of `value` in this form.
    public func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// The bytes of `value`, refusing a NaN or infinity (which RFC 8259 has no form for) with an
    /// error naming where it is: for files and responses that other programs read as standard JSON.
    public func checkedBytes(_ value: JSONValue) throws(JSONNonFiniteNumberError) -> [UInt8] {
        try value.requireFiniteNumbers()
        return bytes(value)
    }

    private func write(_ value: JSONValue, depth: Int, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let literal): out.append(contentsOf: literal.utf8)
        case .string(let text): JSONWriter.appendString(text, to: &out)
        case .array(let elements):
            writeContainer(open: "[", close: "]", count: elements.count, depth: depth, into: &out) { index, out in
                write(elements[index], depth: depth + 1, into: &out)
            }
        case .object(let unordered):
            let members = sortsKeys ? unordered.sorted { JSONMember.keyPrecedes($0.key, $1.key) } : unordered
            writeContainer(open: "{", close: "}", count: members.count, depth: depth, into: &out) { index, out in
                JSONWriter.appendString(members[index].key, to: &out)
                out.append(contentsOf: keySeparator.utf8)
                write(members[index].value, depth: depth + 1, into: &out)
            }
        }
    }

    private var keySeparator: String {
        switch layout {
        case .singleLine(_, let separator), .indented(_, let separator, _): return separator
        }
    }

    /// Writes the brackets and separators of an array or object; `item` writes its `index`th item.
    private func writeContainer(open: Unicode.Scalar, close: Unicode.Scalar, count: Int, depth: Int, into out: inout [UInt8],
                                item: (Int, inout [UInt8]) -> Void) {
        out.append(UInt8(ascii: open))
        switch layout {
        case .singleLine(let itemSeparator, _):
            for index in 0..<count {
                if index > 0 { out.append(contentsOf: itemSeparator.utf8) }
                item(index, &out)
            }
        case .indented(let indentation, _, let emptyContainers):
            if count == 0 {
                if emptyContainers == .blankLine {
                    out.append(contentsOf: [UInt8(ascii: "\n"), UInt8(ascii: "\n")])
                    out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indentation.closerIndent(depth: depth)))
                }
                break
            }
            for index in 0..<count {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "\n"))
                out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indentation.memberIndent(depth: depth)))
                item(index, &out)
            }
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indentation.closerIndent(depth: depth)))
        }
        out.append(UInt8(ascii: close))
    }

    /// Appends `text` as a JSON string literal (escaping as the file comment says). Every byte
    /// that needs escaping is ASCII, so unescaped runs are copied whole.
    public static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x00..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}

/// Indentation of an indented layout: how far the members of a container opened at each nesting
/// depth are indented, and how far that container's closing bracket is.
public struct JSONIndentation: Sendable, Hashable {
    /// `memberIndents[d]`: spaces before each member of a container opened at depth `d`.
    public var memberIndents: [Int]
    /// `closerIndents[d]`: spaces before the closing bracket of a container opened at depth `d`.
    public var closerIndents: [Int]
    /// Added per level beyond the tables above.
    public var step: Int

    /// Python's `indent=n`: members `n` spaces deeper than their container's line.
    public static func python(indent: Int) -> JSONIndentation {
        JSONIndentation(memberIndents: [indent], closerIndents: [0], step: indent)
    }

    /// The whitespace of the released `trace_train_example.json`: list items at 4 spaces, their
    /// keys at 6, nested lists and objects 4 deeper each, and each list item's closing brace at 3
    /// spaces (an artefact of hand editing, reproduced so the file round-trips byte for byte).
    /// For more than one item, items are separated by ",\n" as Python would.
    public static let releasedTrainingExample = JSONIndentation(memberIndents: [4, 6, 10, 14], closerIndents: [0, 3, 6, 10], step: 4)

    func memberIndent(depth: Int) -> Int {
        depth < memberIndents.count
            ? memberIndents[depth]
            : memberIndents[memberIndents.count - 1] + (depth - memberIndents.count + 1) * step
    }

    func closerIndent(depth: Int) -> Int {
        depth < closerIndents.count
            ? closerIndents[depth]
            : closerIndents[closerIndents.count - 1] + (depth - closerIndents.count + 1) * step
    }
}

/// A NaN or infinity found where standard JSON must be written (RFC 8259 has no form for them).
public struct JSONNonFiniteNumberError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the number is: `$` for the whole value, then `.key` and `[index]` steps.
    public var path: String
    /// The literal found (`NaN`, `Infinity`, `-Infinity`).
    public var literal: String
    public var description: String { "cannot write the non-finite number \(literal) at \(path) as JSON" }
}

extension JSONValue {
    /// Throws for the first NaN or infinity in the value, for writers that promise standard JSON
    /// (Hugging Face files, HTTP responses); the writer itself writes literals as they are held.
    public func requireFiniteNumbers(path: String = "$") throws(JSONNonFiniteNumberError) {
        switch self {
        case .number(let literal) where literal == "NaN" || literal == "Infinity" || literal == "-Infinity":
            throw JSONNonFiniteNumberError(path: path, literal: literal)
        case .array(let elements):
            for (index, element) in elements.enumerated() { try element.requireFiniteNumbers(path: "\(path)[\(index)]") }
        case .object(let members):
            for member in members { try member.value.requireFiniteNumbers(path: "\(path).\(member.key)") }
        default:
            break
        }
    }
}
