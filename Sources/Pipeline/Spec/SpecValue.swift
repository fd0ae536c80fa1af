import Basics
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

    /// Canonical JSON (`JSONWriter.canonical`): keys sorted by their UTF-8 bytes, no whitespace,
    /// strings escaped minimally (`/` and non-ASCII left as they are), integers in decimal, finite
    /// numbers in Swift's shortest round-trip form (`5e-06`, `0.1`, `3.0`), non-finite numbers as
    /// the strings `"inf"`, `"-inf"`, `"nan"`. The same value always gives the same bytes, on
    /// every machine.
    public var canonicalJSON: String { JSONWriter.canonical.string(jsonValue) }

    /// The value as JSON; numbers JSON cannot hold become the strings `displayText` shows.
    var jsonValue: JSONValue {
        switch self {
        case .string(let s): return .string(s)
        case .integer(let i): return .int(i)
        case .number(let d): return d.isFinite ? .double(d) : .string(SpecValue.numberText(d))
        case .bool(let b): return .bool(b)
        case .array(let items): return .array(items.map(\.jsonValue))
        case .table(let table): return .object(table.mapValues(\.jsonValue))
        }
    }

    /// A number as people read it: Swift's shortest round-trip form, or `inf`, `-inf`, `nan`.
    static func numberText(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return "\(d)"
    }

    /// The value as a human reads it in params listings and diffs: strings bare, everything else
    /// as canonical JSON.
    public var displayText: String {
        switch self {
        case .string(let s): return s
        case .number(let d): return SpecValue.numberText(d)
        default: return canonicalJSON
        }
    }

    /// Parses JSON (as written by steps, e.g. `metrics.json`) into a value. A number that is an
    /// exact integer (`3`, `10.0`, `1e2`) becomes an integer; an object member that is `null` (a
    /// metric that could not be computed, such as a rate over no instructions) is left out, and
    /// a repeated key keeps its first value; any other `null` is refused. (These are the rules
    /// of the JSONDecoder-based reader this replaced, kept so that metrics read the same.)
    public static func parseJSON(_ data: Data) throws -> SpecValue {
        try SpecValue(json: try JSONParser.parse(bytes: [UInt8](data)), path: "$")
    }

    private init(json: JSONValue, path: String) throws(SpecValueJSONError) {
        switch json {
        case .null: throw SpecValueJSONError(path: path, reason: "null is only allowed as an object member, which is then left out")
        case .bool(let b): self = .bool(b)
        case .string(let s): self = .string(s)
        case .number(let literal):
            if let integer = Int(literal) {
                self = .integer(integer)
            } else if let number = Double(literal), number.isFinite {
                self = Int(exactly: number).map(SpecValue.integer) ?? .number(number)
            } else {
                throw SpecValueJSONError(path: path, reason: "\(literal) is beyond the range of a double")
            }
        case .array(let items):
            self = .array(try items.enumerated().map { (index, item) throws(SpecValueJSONError) in
                try SpecValue(json: item, path: "\(path)[\(index)]")
            })
        case .object(let members):
            var table: [String: SpecValue] = [:]
            var seen = Set<String>()
            for member in members where seen.insert(member.key).inserted && !member.value.isNull {
                table[member.key] = try SpecValue(json: member.value, path: "\(path).\(member.key)")
            }
            self = .table(table)
        }
    }
}

/// JSON that parses but is not a `SpecValue`: where, and why.
public struct SpecValueJSONError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

extension SpecValue: Encodable {
    /// Natural JSON (for `--json` output and step outputs); use `canonicalJSON` where bytes matter.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let s): try container.encode(s)
        case .integer(let i): try container.encode(i)
        case .number(let d):
            if d.isFinite { try container.encode(d) } else { try container.encode(SpecValue.numberText(d)) }
        case .bool(let b): try container.encode(b)
        case .array(let a): try container.encode(a)
        case .table(let t): try container.encode(t)
        }
    }
}
