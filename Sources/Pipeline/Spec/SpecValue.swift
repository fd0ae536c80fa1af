import Foundation

/// A value of an experiment file, detached from the TOML parser: plain, `Sendable`, hashable,
/// with tables keyed by name (so iteration is always in sorted key order, never in hash order).
/// Its canonical JSON (`canonicalJSON`) is what step keys hash.
public enum SpecValue: Sendable, Hashable {
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case array([SpecValue])
    case table([String: SpecValue])

    /// The name of the value's type as error messages say it.
    public var typeName: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .number: return "number"
        case .bool: return "boolean"
        case .array: return "array"
        case .table: return "table"
        }
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var intValue: Int? { if case .integer(let i) = self { return i }; return nil }
    /// Integers read as numbers too: `lr = 1` and `lr = 1.0` mean the same.
    public var doubleValue: Double? {
        switch self {
        case .number(let d): return d
        case .integer(let i): return Double(i)
        default: return nil
        }
    }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var arrayValue: [SpecValue]? { if case .array(let a) = self { return a }; return nil }
    public var tableValue: [String: SpecValue]? { if case .table(let t) = self { return t }; return nil }

    /// Looks a value up by path.
    public subscript(path: SpecPath) -> SpecValue? {
        var current: SpecValue? = self
        for component in path.components {
            switch (component, current) {
            case (.key(let key), .table(let table)?): current = table[key]
            case (.index(let index), .array(let array)?): current = array.indices.contains(index) ? array[index] : nil
            default: return nil
            }
        }
        return current
    }

    // MARK: canonical JSON

    /// Canonical JSON: keys sorted by their UTF-8 bytes, no whitespace, strings escaped minimally
    /// (`/` and non-ASCII left as they are), integers in decimal, finite numbers in Swift's shortest
    /// round-trip form (`5e-06`, `0.1`, `3.0`), non-finite numbers as the strings `"inf"`, `"-inf"`,
    /// `"nan"`. The same value always gives the same bytes, on every machine.
    public var canonicalJSON: String {
        var out = ""
        writeCanonical(into: &out)
        return out
    }

    func writeCanonical(into out: inout String) {
        switch self {
        case .string(let s): SpecValue.writeJSONString(s, into: &out)
        case .integer(let i): out += String(i)
        case .number(let d): out += SpecValue.numberText(d, quoted: true)
        case .bool(let b): out += b ? "true" : "false"
        case .array(let items):
            out += "["
            for (n, item) in items.enumerated() {
                if n > 0 { out += "," }
                item.writeCanonical(into: &out)
            }
            out += "]"
        case .table(let table):
            out += "{"
            for (n, key) in table.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if n > 0 { out += "," }
                SpecValue.writeJSONString(key, into: &out)
                out += ":"
                table[key]!.writeCanonical(into: &out)
            }
            out += "}"
        }
    }

    /// A number as canonical JSON writes it; `quoted` wraps non-finite values as JSON strings.
    static func numberText(_ d: Double, quoted: Bool) -> String {
        if d.isNaN { return quoted ? "\"nan\"" : "nan" }
        if d.isInfinite { return quoted ? (d < 0 ? "\"-inf\"" : "\"inf\"") : (d < 0 ? "-inf" : "inf") }
        return "\(d)"
    }

    static func writeJSONString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// The value as a human reads it in params listings and diffs: strings bare, everything else
    /// as canonical JSON.
    public var displayText: String {
        switch self {
        case .string(let s): return s
        case .number(let d): return SpecValue.numberText(d, quoted: false)
        default: return canonicalJSON
        }
    }

    /// Parses JSON (as written by steps, e.g. `metrics.json`) into a value. JSON numbers that
    /// are exact integers become integers; an object member that is `null` (a metric that could
    /// not be computed, such as a rate over no instructions) is left out; any other `null` is refused.
    public static func parseJSON(_ data: Data) throws -> SpecValue {
        try JSONDecoder().decode(SpecValue.self, from: data)
    }
}

extension SpecValue: Decodable {
    public init(from decoder: Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            var items: [SpecValue] = []
            while !array.isAtEnd { items.append(try array.decode(SpecValue.self)) }
            self = .array(items)
            return
        }
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            var table: [String: SpecValue] = [:]
            for key in keyed.allKeys where !((try? keyed.decodeNil(forKey: key)) ?? false) {
                table[key.stringValue] = try keyed.decode(SpecValue.self, forKey: key)
            }
            self = .table(table)
            return
        }
        let single = try decoder.singleValueContainer()
        if let b = try? single.decode(Bool.self) { self = .bool(b) }
        else if let i = try? single.decode(Int.self) { self = .integer(i) }
        else if let d = try? single.decode(Double.self) { self = .number(d) }
        else if let s = try? single.decode(String.self) { self = .string(s) }
        else {
            throw DecodingError.dataCorruptedError(in: single, debugDescription: "null and other non-values are not allowed here")
        }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { return nil }
    }
}

extension SpecValue: Encodable {
    /// Natural JSON (for `--json` output and step outputs); use `canonicalJSON` where bytes matter.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let s): try container.encode(s)
        case .integer(let i): try container.encode(i)
        case .number(let d):
            if d.isFinite { try container.encode(d) } else { try container.encode(SpecValue.numberText(d, quoted: false)) }
        case .bool(let b): try container.encode(b)
        case .array(let a): try container.encode(a)
        case .table(let t): try container.encode(t)
        }
    }
}
