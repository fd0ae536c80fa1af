// An order-preserving JSON value.
//
// TRACE and LLaMA-Factory files are written by Python's `json` module, which keeps the key order
// of the dicts it is given. Foundation's JSONSerialization and JSONDecoder forget that order, so a
// record read with them cannot be written back byte for byte. This type keeps objects as ordered
// member lists and numbers as the literal text they were written with.

/// A JSON value that remembers object key order and number literals exactly as read.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number, kept as its literal text (e.g. `12`, `-0.5`, `1e3`).
    case number(String)
    case string(String)
    case array([JSONValue])
    /// An object as its members in file order. Duplicate keys are kept; lookups take the last one,
    /// as Python's `json.loads` does.
    case object([JSONMember])

    /// An integer number value.
    public static func integer(_ value: Int) -> JSONValue { .number(String(value)) }

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

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value as an Int when it is a number literal without fraction or exponent.
    public var intValue: Int? {
        guard case .number(let literal) = self else { return nil }
        return Int(literal)
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectMembers: [JSONMember]? {
        if case .object(let m) = self { return m }
        return nil
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
}
