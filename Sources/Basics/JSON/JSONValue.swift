// The one JSON value of iopo-exp, read by `JSONParser` and written by `JSONWriter`.
//
// Why hand-written rather than Foundation's JSONSerialization or Codable: Foundation forgets the
// key order of objects (a Python-written TRACE record could not be written back byte for byte),
// folds integers and doubles together (`151643` would come back as `151643.0`, `1.0` as `1`),
// silently resolves duplicate keys (a safetensors header naming a tensor twice must be refused),
// and reports no line and column for a syntax error. So objects here are ordered member lists and
// numbers are the literal text they were read or built with: what is read is written back
// unchanged, and what is built is written in one canonical form.

/// A JSON value that remembers object key order and number literals exactly as read or built.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number as its literal text (`12`, `-0.5`, `1e3`); after a `.python` parse also `NaN`,
    /// `Infinity` or `-Infinity`. Build numbers with `.int(_:)` and `.double(_:)`.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// An object as its members in order. Repeated keys stay when the parser keeps them; lookups
    /// take the last one, as Python's `json.loads` does.
    case object([JSONMember])

    /// An integer number, in decimal.
    public static func int(_ value: some BinaryInteger) -> JSONValue { .number(String(value)) }

    /// A floating-point number in Swift's shortest round-tripping form, always with a `.` or an
    /// exponent so it reads back as a float (`0.02`, `1e-06`, `1000000.0`). NaN and the
    /// infinities become Python's literals `NaN`, `Infinity` and `-Infinity` (what `json.dumps`
    /// writes); RFC 8259 has no form for them, so writers of standard JSON call
    /// `requireFiniteNumbers()` first.
    public static func double(_ value: Double) -> JSONValue {
        if value.isNaN { return .number("NaN") }
        if value.isInfinite { return .number(value < 0 ? "-Infinity" : "Infinity") }
        let text = value.description
        return .number(text.contains(".") || text.contains("e") ? text : text + ".0")
    }

    /// An object built from a dictionary, its members sorted by the UTF-8 bytes of their keys
    /// (code point order, Python's `sort_keys=True`), so no dictionary order can leak into a value.
    public static func object(_ members: [String: JSONValue]) -> JSONValue {
        .object(members.keys.sorted(by: JSONMember.keyPrecedes).map { JSONMember($0, members[$0]!) })
    }

    /// The name of this value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// The member `key` of an object (the last one when repeated), or nil.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number as an `Int` when it is written as an integer (no fraction, no exponent) that
    /// fits; `2.0` and `1e3` are not integers here.
    public var intValue: Int? {
        guard case .number(let literal) = self else { return nil }
        return Int(literal)
    }

    /// The number as an `Int` when its value is whole: an integer literal, or a float with no
    /// fractional part below 9e15 (where doubles stop being exact), such as the `2.0` Python and
    /// pydantic-minded clients write for integer fields.
    public var wholeNumberValue: Int? {
        if let value = intValue { return value }
        guard let value = doubleValue, value.rounded() == value, abs(value) < 9.0e15 else { return nil }
        return Int(value)
    }

    /// The number as a `Double` (an integer converted); nil for a literal beyond the `Double`
    /// range. Python's `NaN` and infinities read as themselves.
    public var doubleValue: Double? {
        guard case .number(let literal) = self else { return nil }
        switch literal {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let value = Double(literal), value.isFinite else { return nil }
            return value
        }
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members of an object in order, repeated keys included.
    public var objectMembers: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// An object as a dictionary (the last member wins for a repeated key), for lookups where the
    /// order does not matter.
    public var objectValue: [String: JSONValue]? {
        guard case .object(let members) = self else { return nil }
        var dictionary: [String: JSONValue] = [:]
        dictionary.reserveCapacity(members.count)
        for member in members { dictionary[member.key] = member.value }
        return dictionary
    }
}

/// One `"key": value` member of a JSON object.
public struct JSONMember: Sendable, Hashable {
    public var key: String
    public var value: JSONValue

    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }

    /// Key order of canonical JSON: by UTF-8 bytes, which is Unicode code point order (Python's
    /// `sort_keys`); Swift's `String <` would compare canonical equivalents as equal instead.
    public static func keyPrecedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
