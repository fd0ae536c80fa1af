/// Where a value sits in an experiment file: a sequence of table keys and array indices, shown
/// as `steps.sft.lora.rank` or `steps.eval.data[1]` (keys that are not bare TOML keys quoted).
public struct SpecPath: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// A table key or an array index.
    public enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) { self.components = components }

    public init(keys: [String]) { self.components = keys.map(Component.key) }

    public static let root = SpecPath()

    public func appending(_ key: String) -> SpecPath { SpecPath(components + [.key(key)]) }
    public func appending(index: Int) -> SpecPath { SpecPath(components + [.index(index)]) }
    public func appending(_ other: SpecPath) -> SpecPath { SpecPath(components + other.components) }

    public var isEmpty: Bool { components.isEmpty }
    public var parent: SpecPath { SpecPath(Array(components.dropLast())) }
    public var lastKey: String? { if case .key(let k)? = components.last { return k }; return nil }

    /// The path below `prefix`, or nil when it does not start with it.
    public func relative(to prefix: SpecPath) -> SpecPath? {
        guard components.count >= prefix.components.count,
              Array(components.prefix(prefix.components.count)) == prefix.components else { return nil }
        return SpecPath(Array(components.dropFirst(prefix.components.count)))
    }

    public var description: String {
        var out = ""
        for component in components {
            switch component {
            case .key(let key):
                if !out.isEmpty { out += "." }
                out += SpecPath.isBareKey(key) ? key : "\"" + key.replacingOccurrences(of: "\"", with: "\\\"") + "\""
            case .index(let index):
                out += "[\(index)]"
            }
        }
        return out
    }

    static func isBareKey(_ key: String) -> Bool {
        !key.isEmpty && key.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "-"
        }
    }

    public static func < (a: SpecPath, b: SpecPath) -> Bool { a.description < b.description }
}
