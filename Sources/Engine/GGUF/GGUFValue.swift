// One GGUF metadata value, as read from the key/value section. Scalars keep their exact width and
// signedness so that a file can be described (and compared with gguf-py) without loss; the typed
// accessors below convert where a reader only needs "an integer" or "a float".

/// A GGUF metadata value.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case float32(Float)
    case bool(Bool)
    case string(String)
    case array(GGUFArray)
    case uint64(UInt64)
    case int64(Int64)
    case float64(Double)

    /// The value's type tag.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .float32: return .float32
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        case .uint64: return .uint64
        case .int64: return .int64
        case .float64: return .float64
        }
    }

    /// The type as a reader would describe it: `uint32`, `array of string`, ...
    public var typeDescription: String {
        if case .array(let array) = self { return "array of \(array.elementType.name)" }
        return type.name
    }

    /// Any integer type whose value fits in `Int`; nil for other types and for values that do not fit.
    public var intValue: Int? {
        switch self {
        case .uint8(let value): return Int(value)
        case .int8(let value): return Int(value)
        case .uint16(let value): return Int(value)
        case .int16(let value): return Int(value)
        case .uint32(let value): return Int(value)
        case .int32(let value): return Int(value)
        case .uint64(let value): return Int(exactly: value)
        case .int64(let value): return Int(exactly: value)
        default: return nil
        }
    }

    /// A float32 or float64 value as a Double (float32 widens exactly).
    public var doubleValue: Double? {
        switch self {
        case .float32(let value): return Double(value)
        case .float64(let value): return value
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var arrayValue: GGUFArray? {
        if case .array(let value) = self { return value }
        return nil
    }
}

/// A GGUF array: its declared element type and its elements (all of that type; an array of
/// arrays holds `.array` elements, each with its own element type).
public struct GGUFArray: Sendable, Equatable {
    public var elementType: GGUFValueType
    public var elements: [GGUFValue]

    public init(elementType: GGUFValueType, elements: [GGUFValue]) {
        self.elementType = elementType
        self.elements = elements
    }
}

/// One key/value pair of the metadata section, in file order.
public struct GGUFMetadataEntry: Sendable, Equatable {
    public var key: String
    public var value: GGUFValue

    public init(key: String, value: GGUFValue) {
        self.key = key
        self.value = value
    }
}
