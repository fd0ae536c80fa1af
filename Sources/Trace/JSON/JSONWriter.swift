// Writes JSON exactly as Python's `json.dumps(..., ensure_ascii=False)` does.
//
// The TRACE files were produced by Python: the eval JSONL with `json.dumps(record,
// ensure_ascii=False)` (separators ", " and ": "), dataset_info.json with `indent=2`. The released
// training example is hand-indented (see `JSONLayout.releasedTrainingExample`). Reproducing those
// bytes needs three things JSONEncoder cannot give: caller-chosen key order, Python's escaping
// rules, and Python's (or the file's) whitespace.

/// Indentation of pretty-printed JSON: how far members of a container at each nesting depth are
/// indented, and how far that container's closing bracket is.
public struct JSONLayout: Sendable, Hashable {
    /// `memberIndents[d]`: spaces before each member of a container opened at depth `d`.
    public var memberIndents: [Int]
    /// `closerIndents[d]`: spaces before the closing bracket of a container opened at depth `d`.
    public var closerIndents: [Int]
    /// Added per level beyond the tables above.
    public var step: Int

    public init(memberIndents: [Int], closerIndents: [Int], step: Int) {
        self.memberIndents = memberIndents
        self.closerIndents = closerIndents
        self.step = step
    }

    /// `json.dumps(value, indent: n, ensure_ascii=False)`.
    public static func python(indent: Int) -> JSONLayout {
        JSONLayout(memberIndents: [indent], closerIndents: [0], step: indent)
    }

    /// The whitespace of the released `trace_train_example.json`: list items at 4 spaces, their
    /// keys at 6, nested lists and objects 4 deeper each, and each list item's closing brace at 3
    /// spaces (an artefact of hand editing, reproduced so the file round-trips byte for byte).
    /// For more than one item, items are separated by ",\n" as Python would.
    public static let releasedTrainingExample = JSONLayout(
        memberIndents: [4, 6, 10, 14], closerIndents: [0, 3, 6, 10], step: 4)

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

/// Serialises `JSONValue`s byte-compatibly with Python's json module (ensure_ascii=False).
public enum JSONWriter {
    /// One line, Python's default separators `", "` and `": "`: the TRACE eval JSONL style.
    public static func compact(_ value: JSONValue) -> String {
        var out = ""
        writeCompact(value, into: &out)
        return out
    }

    /// Pretty-printed with `layout`; no trailing newline (Python's `json.dump` writes none).
    public static func pretty(_ value: JSONValue, layout: JSONLayout) -> String {
        var out = ""
        writePretty(value, depth: 0, layout: layout, into: &out)
        return out
    }

    static func writeCompact(_ value: JSONValue, into out: inout String) {
        switch value {
        case .array(let elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += ", " }
                writeCompact(element, into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += ", " }
                writeString(member.key, into: &out)
                out += ": "
                writeCompact(member.value, into: &out)
            }
            out += "}"
        default:
            writeScalar(value, into: &out)
        }
    }

    static func writePretty(_ value: JSONValue, depth: Int, layout: JSONLayout, into out: inout String) {
        switch value {
        case .array(let elements) where !elements.isEmpty:
            out += "["
            let indent = String(repeating: " ", count: layout.memberIndent(depth: depth))
            for (i, element) in elements.enumerated() {
                out += i == 0 ? "\n" : ",\n"
                out += indent
                writePretty(element, depth: depth + 1, layout: layout, into: &out)
            }
            out += "\n" + String(repeating: " ", count: layout.closerIndent(depth: depth)) + "]"
        case .object(let members) where !members.isEmpty:
            out += "{"
            let indent = String(repeating: " ", count: layout.memberIndent(depth: depth))
            for (i, member) in members.enumerated() {
                out += i == 0 ? "\n" : ",\n"
                out += indent
                writeString(member.key, into: &out)
                out += ": "
                writePretty(member.value, depth: depth + 1, layout: layout, into: &out)
            }
            out += "\n" + String(repeating: " ", count: layout.closerIndent(depth: depth)) + "}"
        case .array:
            out += "[]"
        case .object:
            out += "{}"
        default:
            writeScalar(value, into: &out)
        }
    }

    static func writeScalar(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let literal): out += literal
        case .string(let s): writeString(s, into: &out)
        case .array, .object: writeCompact(value, into: &out)
        }
    }

    static let hexDigits: [Character] = Array("0123456789abcdef")

    /// Python's `py_encode_basestring`: escapes `"`, `\`, and the C0 controls (\n \r \t \b \f by
    /// name, the rest as lowercase `\u00XX`); everything else, DEL and non-ASCII included, is raw.
    public static func writeString(_ s: String, into out: inout String) {
        out += "\""
        // Copy unescaped runs whole. Runs are cut on UTF-8 positions (every byte that needs
        // escaping is ASCII, so they are scalar boundaries) and copied as UTF-8 views, which
        // unlike String subscripts never round to a grapheme boundary ("\r\n", a quote
        // followed by a combining mark).
        let utf8 = s.utf8
        var runStart = utf8.startIndex
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let unit = utf8[i]
            if unit < 0x20 || unit == 0x22 || unit == 0x5C {
                out += Substring(utf8[runStart..<i])
                switch unit {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                case 0x08: out += "\\b"
                case 0x0C: out += "\\f"
                default:
                    out += "\\u00"
                    out.append(hexDigits[Int(unit >> 4)])
                    out.append(hexDigits[Int(unit & 0xF)])
                }
                i = utf8.index(after: i)
                runStart = i
            } else {
                i = utf8.index(after: i)
            }
        }
        out += Substring(utf8[runStart..<utf8.endIndex])
        out += "\""
    }
}
