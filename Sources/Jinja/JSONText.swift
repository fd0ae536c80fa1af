// Python's `json.dumps`, which transformers' `tojson` filter calls with `ensure_ascii=False`
// by default and the template's `indent`, `separators` and `sort_keys`. Templates put tool
// schemas into prompts with it, so the text must match byte for byte: `", "` and `": "`
// separators, floats as `repr`, `NaN`/`Infinity`, dict keys turned into strings.

struct JSONText {
    var ensureASCII = false
    /// The indentation of nested lines, or nil for one line.
    var indent: String? = nil
    var itemSeparator: String
    var keySeparator: String
    var sortKeys = false

    init(ensureASCII: Bool = false, indent: String? = nil, separators: (String, String)? = nil, sortKeys: Bool = false) {
        self.ensureASCII = ensureASCII
        self.indent = indent
        // json.dumps: with an indent the default item separator loses its trailing space.
        itemSeparator = separators?.0 ?? (indent == nil ? ", " : ",")
        keySeparator = separators?.1 ?? ": "
        self.sortKeys = sortKeys
    }

    func encode(_ value: Value) throws -> String {
        var output = ""
        try write(value, depth: 0, into: &output)
        return output
    }

    private func write(_ value: Value, depth: Int, into output: inout String) throws {
        switch value {
        case .none: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .int(let number): output += String(number)
        case .float(let number): output += JSONText.floatText(number)
        case .string(let text), .markup(let text): output += quoted(text)
        case .list(let items), .tuple(let items):
            guard !items.isEmpty else { output += "[]"; return }
            output += "["
            for (index, item) in items.enumerated() {
                output += index == 0 ? newline(depth + 1) : itemSeparator + newline(depth + 1)
                try write(item, depth: depth + 1, into: &output)
            }
            output += newline(depth) + "]"
        case .dict(let dict):
            guard dict.count > 0 else { output += "{}"; return }
            var members: [(key: String, value: Value)] = []
            for (key, item) in dict.items { members.append((try keyText(key), item)) }
            if sortKeys {
                // Python sorts the original keys; for the string keys templates use that is the
                // code-point order of the text.
                members.sort { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
            }
            output += "{"
            for (index, member) in members.enumerated() {
                output += index == 0 ? newline(depth + 1) : itemSeparator + newline(depth + 1)
                output += quoted(member.key) + keySeparator
                try write(member.value, depth: depth + 1, into: &output)
            }
            output += newline(depth) + "}"
        default:
            throw TemplateError(.type, "Object of type \(value.typeName) is not JSON serializable")
        }
    }

    private func newline(_ depth: Int) -> String {
        guard let indent else { return "" }
        return "\n" + String(repeating: indent, count: depth)
    }

    /// A dict key as JSON object keys must be: text (`True` is "true", `1.5` is "1.5").
    private func keyText(_ key: Value) throws -> String {
        switch key {
        case .string(let text): return text
        case .none: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .float(let number): return JSONText.floatText(number)
        default: throw TemplateError(.type, "keys must be str, int, float, bool or None, not \(key.typeName)")
        }
    }

    static func floatText(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        return PythonFloat.repr(number)
    }

    private func quoted(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            default:
                if scalar.value < 0x20 || (ensureASCII && scalar.value > 0x7E) {
                    if scalar.value > 0xFFFF {
                        let offset = scalar.value - 0x10000
                        output += "\\u" + PythonText.hex(0xD800 + (offset >> 10), width: 4)
                        output += "\\u" + PythonText.hex(0xDC00 + (offset & 0x3FF), width: 4)
                    } else {
                        output += "\\u" + PythonText.hex(scalar.value, width: 4)
                    }
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output + "\""
    }
}
