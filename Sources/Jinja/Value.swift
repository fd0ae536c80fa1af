// The values templates compute with, modelled on the Python objects Jinja2 sees when
// transformers renders a chat template: None, bool, int, float, str, list, tuple, dict (ordered
// by insertion, as Python's), Jinja's Undefined and Namespace, and callables (macros, globals
// such as `raise_exception`, bound methods such as `'a'.upper`).

import Synchronization

/// A value a template reads from its context or computes.
public enum Value: Sendable {
    /// A name or member that does not exist. Printing it gives "", testing it gives false; an
    /// attribute of it or arithmetic with it is an error (Jinja's default `Undefined`).
    case undefined(Undefined)
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    /// Text marked safe (`|safe`, `|escape`): markupsafe's `Markup`, which HTML-escapes plain
    /// text added to it (`'x'|safe + '<'` is `x&lt;`). It prints as its text.
    case markup(String)
    case list([Value])
    case tuple([Value])
    case dict(Dict)
    /// A generator, iterator, dict view or range (see `IteratorValue`).
    case iterator(IteratorValue)
    /// `namespace(...)`: the one mutable object, shared by reference, so `set ns.x = ...` inside
    /// a loop is seen after it.
    case namespace(Namespace)
    /// A read-only object with attributes, such as a loop's `loop`.
    case object(TemplateObject)
    case callable(Callable)

    /// Python's name of this value's type, for error messages (`'int' object is not iterable`).
    public var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .markup: return "Markup"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .iterator(let iterator): return iterator.typeName
        case .namespace: return "Namespace"
        case .object(let object): return object.typeName
        case .callable: return "function"
        }
    }

    public var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// Python truthiness: false for Undefined, None, False, 0, 0.0 and empty str/list/tuple/dict.
    public var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let value): return value
        case .int(let value): return value != 0
        case .float(let value): return value != 0
        case .string(let value), .markup(let value): return !value.isEmpty
        case .list(let items), .tuple(let items): return !items.isEmpty
        case .dict(let dict): return dict.count > 0
        case .iterator(let iterator): return iterator.isTruthy
        case .namespace, .object, .callable: return true
        }
    }

    /// Markup as plain text; every other value unchanged. Operations that treat `Markup` as the
    /// `str` it subclasses read values through this.
    var unmarked: Value {
        if case .markup(let text) = self { return .string(text) }
        return self
    }

    /// An undefined value that explains itself as `'name' is undefined`.
    static func undefined(named name: String) -> Value {
        .undefined(Undefined(hint: "'\(name)' is undefined"))
    }
}

/// Why a value is undefined, for the error raised when it is used.
public struct Undefined: Sendable, Hashable {
    public var hint: String

    public init(hint: String) { self.hint = hint }
}

// MARK: Literals, so contexts read naturally in Swift: ["role": "user", "content": "Hi"]

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .float(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: Value...) { self = .list(elements) }
    /// A dict with string keys in the order written.
    public init(dictionaryLiteral elements: (String, Value)...) {
        var dict = Dict()
        for (key, value) in elements { dict[key] = value }
        self = .dict(dict)
    }
}

/// A Python dict: keys in insertion order, each key once. Keys are None, bools, numbers,
/// strings or tuples of those; `1`, `1.0` and `True` are the same key, as in Python.
public struct Dict: Sendable {
    public private(set) var keys: [Value] = []
    public private(set) var values: [Value] = []
    private var positions: [DictKey: Int] = [:]

    public init() {}

    public var count: Int { keys.count }

    /// The key-value pairs in order.
    public var items: [(key: Value, value: Value)] { Array(zip(keys, values)) }

    /// The value for a string key, or nil; setting nil is not supported (dicts in templates are
    /// immutable), setting a value appends or replaces.
    public subscript(key: String) -> Value? {
        get { positions[.string(key)].map { values[$0] } }
        set {
            guard let newValue else { return }
            // A string key is always hashable.
            try? set(newValue, for: .string(key))
        }
    }

    /// The value for `key`, or nil when it is missing or cannot be a key.
    public func value(for key: Value) -> Value? {
        guard let hashKey = try? DictKey(key) else { return nil }
        return positions[hashKey].map { values[$0] }
    }

    /// Sets `value` for `key`, keeping the position of an existing key (Python's behaviour).
    public mutating func set(_ value: Value, for key: Value) throws {
        let hashKey = try DictKey(key)
        if let position = positions[hashKey] {
            values[position] = value
        } else {
            positions[hashKey] = keys.count
            keys.append(key)
            values.append(value)
        }
    }
}

/// The hashable identity of a dict key, with Python's numeric equalities folded in.
enum DictKey: Hashable {
    case none
    case int(Int)
    case float(Double)
    case string(String)
    case tuple([DictKey])

    init(_ value: Value) throws {
        switch value {
        case .none: self = .none
        case .bool(let flag): self = .int(flag ? 1 : 0)
        case .int(let number): self = .int(number)
        case .float(let number):
            if number.rounded() == number, let exact = Int(exactly: number) { self = .int(exact) } else { self = .float(number) }
        case .string(let text), .markup(let text): self = .string(text)
        case .tuple(let items): self = .tuple(try items.map(DictKey.init))
        default: throw TemplateError(.type, "unhashable type: '\(value.typeName)'")
        }
    }
}

/// Jinja's `namespace`: attributes that assignments inside loops and blocks can change.
public final class Namespace: Sendable {
    private let storage: Mutex<Dict>

    public init(_ attributes: Dict = Dict()) { storage = Mutex(attributes) }

    public var attributes: Dict { storage.withLock { $0 } }

    public func get(_ name: String) -> Value? { storage.withLock { $0[name] } }

    public func set(_ name: String, _ value: Value) { storage.withLock { $0[name] = value } }
}

/// An object with read-only attributes; its type name and printed form follow Python's.
public struct TemplateObject: Sendable {
    public var typeName: String
    public var attributes: [String: Value]
    public var printed: String

    public init(typeName: String, attributes: [String: Value], printed: String) {
        self.typeName = typeName
        self.attributes = attributes
        self.printed = printed
    }
}

/// Arguments of a call: positional values, then keyword arguments in the order written.
public struct Arguments: Sendable {
    public var positional: [Value]
    public var keywords: [(name: String, value: Value)]

    public init(_ positional: [Value] = [], keywords: [(name: String, value: Value)] = []) {
        self.positional = positional
        self.keywords = keywords
    }

    /// The argument at `position` or named `name`, or nil when neither was given.
    public func value(_ position: Int, _ name: String) -> Value? {
        if let keyword = keywords.last(where: { $0.name == name }) { return keyword.value }
        return position < positional.count ? positional[position] : nil
    }

    /// Refuses arguments beyond `names`: more positional ones, or unknown keywords.
    public func check(_ function: String, names: [String]) throws {
        if positional.count > names.count {
            throw TemplateError(.type, "\(function)() takes at most \(names.count) argument\(names.count == 1 ? "" : "s") (\(positional.count) given)")
        }
        for keyword in keywords where !names.contains(keyword.name) {
            throw TemplateError(.type, "\(function)() got an unexpected keyword argument '\(keyword.name)'")
        }
    }
}

/// Something a template can call: a built-in function, a macro or a bound method.
public struct Callable: Sendable {
    enum Implementation: Sendable {
        case builtin(@Sendable (Arguments) throws -> Value)
        case macro(Macro)
        /// A method of a value (`'a'.upper`, `d.items`), dispatched by the interpreter.
        indirect case method(receiver: Value, name: String)
    }

    public let name: String
    let implementation: Implementation

    /// A function templates can call, such as a custom global.
    public init(name: String, _ function: @escaping @Sendable (Arguments) throws -> Value) {
        self.name = name
        self.implementation = .builtin(function)
    }

    init(name: String, implementation: Implementation) {
        self.name = name
        self.implementation = implementation
    }
}
