// A JSON document model for the files the engine exchanges with the Hugging Face world
// (config.json, tokenizer.json, adapter_config.json, safetensors headers), with one canonical
// serialisation: object keys sorted by their UTF-8 bytes (the order Python's `sort_keys=True`
// gives), integers kept apart from floating-point numbers so `151643` never comes back as
// `151643.0`, and doubles printed in Swift's shortest round-tripping form. The same value always
// gives the same bytes, which is what makes exports hashable and byte-identical.

/// A JSON value. Objects are unordered on purpose: serialisation sorts their keys, so no
/// dictionary iteration order can leak into bytes.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The member `key` of an object, or nil for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// An integer, also accepting a double with no fractional part (`2.0`), as Python writes some.
    public var intValue: Int? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9.0e15: return Int(value)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

/// Layout of serialised JSON. Both layouts are canonical (sorted keys, fixed number format).
public enum JSONLayout: Sendable {
    /// No whitespace at all: `{"a":[1,2]}` (serde_json's and the safetensors header's layout).
    case compact
    /// Two-space indentation with `": "` after keys and a final newline: Python's
    /// `json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)` plus "\n".
    case pretty
}

/// Raised when a value cannot be written as JSON (JSON has no NaN or infinity).
public struct JSONEncodingError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var value: Double
    public var description: String { "cannot write non-finite number \(value) at \(path) as JSON" }
}

extension JSONValue {
    /// The canonical UTF-8 bytes of this value.
    public func serialized(_ layout: JSONLayout = .pretty) throws(JSONEncodingError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        try JSONValue.write(self, into: &out, layout: layout, depth: 0, path: "$")
        if layout == .pretty { out.append(UInt8(ascii: "\n")) }
        return out
    }

    /// The canonical text of this value (see `serialized`).
    public func canonicalString(_ layout: JSONLayout = .pretty) throws(JSONEncodingError) -> String {
        String(decoding: try serialized(layout), as: UTF8.self)
    }

    private static func write(_ value: JSONValue, into out: inout [UInt8], layout: JSONLayout,
                              depth: Int, path: String) throws(JSONEncodingError) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number): out.append(contentsOf: String(number).utf8)
        case .double(let number):
            guard number.isFinite else { throw JSONEncodingError(path: path, value: number) }
            out.append(contentsOf: formatDouble(number).utf8)
        case .string(let text): writeString(text, into: &out)
        case .array(let items):
            if items.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(into: &out, layout: layout, depth: depth + 1)
                try write(item, into: &out, layout: layout, depth: depth + 1, path: "\(path)[\(index)]")
            }
            newline(into: &out, layout: layout, depth: depth)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (index, key) in sortedKeys(members).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(into: &out, layout: layout, depth: depth + 1)
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                if layout == .pretty { out.append(UInt8(ascii: " ")) }
                try write(members[key]!, into: &out, layout: layout, depth: depth + 1, path: "\(path).\(key)")
            }
            newline(into: &out, layout: layout, depth: depth)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Keys in UTF-8 byte order, which equals Unicode code point order (Python's sort order);
    /// Swift's `String <` would compare by canonical equivalence instead.
    static func sortedKeys(_ members: [String: JSONValue]) -> [String] {
        members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    private static func newline(into out: inout [UInt8], layout: JSONLayout, depth: Int) {
        guard layout == .pretty else { return }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }

    /// Shortest round-tripping decimal, always with a `.` or an exponent so the value reads back
    /// as a double: `1e-06`, `1000000.0`, `0.02` (the same text Python's `repr` gives).
    static func formatDouble(_ number: Double) -> String {
        let text = number.description
        return text.contains(".") || text.contains("e") ? text : text + ".0"
    }

    /// Writes a JSON string: `"` and `\` escaped, control characters as short escapes or `\u00XX`,
    /// everything else (including `/` and non-ASCII) verbatim, as serde_json and Python with
    /// `ensure_ascii=False` do.
    static func writeString(_ text: String, into out: inout [UInt8]) {
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
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
