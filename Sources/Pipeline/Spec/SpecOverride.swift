import Foundation
import TOMLKit

/// One `run --set KEY=VALUE`: a value the run uses instead of (or in addition to) what the
/// experiment file says at `KEY`, a dotted path such as `steps.iopo.beta`. The value is TOML
/// (`0.2`, `true`, `"text"`, `[1, 2]`, `{ rank = 4 }`); a bare word that is not TOML is taken
/// as a string (`--set engine.blas=skylakex`). The parser applies overrides to the document
/// before validating it, so an overridden value is checked, recorded and keyed exactly as if
/// the file said it.
public struct SpecOverride: Sendable, Equatable, CustomStringConvertible {
    public var path: SpecPath
    public var value: SpecValue
    /// The value as given after `=`, recorded with the run (`set.KEY` params) and re-read by
    /// `replay`.
    public var valueText: String

    /// `KEY=VALUE` as given on the command line.
    public var description: String { "\(path)=\(valueText)" }

    /// The run param that records this override.
    public var paramKey: String { SpecOverride.paramPrefix + path.description }
    public static let paramPrefix = "set."

    public init(path: SpecPath, valueText: String) throws(SpecOverrideError) {
        self.path = path
        self.valueText = valueText
        self.value = try SpecOverride.parseValue(valueText, argument: "\(path)=\(valueText)")
    }

    /// Parses `KEY=VALUE`.
    public init(parsing argument: String) throws(SpecOverrideError) {
        let (path, text) = try SpecOverride.split(argument)
        try self.init(path: path, valueText: text)
    }

    /// Parses a recorded `set.KEY` param back into the override it records.
    public init?(param key: String, value: String) {
        guard key.hasPrefix(SpecOverride.paramPrefix),
              let path = try? SpecOverride.parseKey(String(key.dropFirst(SpecOverride.paramPrefix.count)), argument: key),
              let parsed = try? SpecOverride(path: path, valueText: value) else { return nil }
        self = parsed
    }

    /// `KEY=VALUE` → the key's path and the value's text.
    static func split(_ argument: String) throws(SpecOverrideError) -> (SpecPath, String) {
        guard let equals = argument.firstIndex(of: "=") else {
            throw SpecOverrideError(argument: argument, reason: "expected KEY=VALUE, e.g. steps.iopo.beta=0.2")
        }
        let key = String(argument[..<equals]).trimmingCharacters(in: .whitespaces)
        let text = String(argument[argument.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw SpecOverrideError(argument: argument, reason: "no value after \"=\"") }
        return (try parseKey(key, argument: argument), text)
    }

    /// A dotted key of bare TOML keys (`steps.sft.lora.rank`).
    static func parseKey(_ key: String, argument: String) throws(SpecOverrideError) -> SpecPath {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, parts.allSatisfy(SpecPath.isBareKey) else {
            throw SpecOverrideError(argument: argument, reason: "\"\(key)\" is not a dotted key such as steps.iopo.beta or engine.threads")
        }
        return SpecPath(keys: parts)
    }

    /// The value as TOML, else (a bare word without quotes, brackets or braces) as a string.
    static func parseValue(_ text: String, argument: String) throws(SpecOverrideError) -> SpecValue {
        if let table = try? TOMLTable(string: "value = " + text), let parsed = table["value"] {
            var unsupported = false
            let value = TOMLConversion.value(parsed, at: .root) { _ in unsupported = true }
            if unsupported { throw SpecOverrideError(argument: argument, reason: "dates and times are not supported here; write it as a string") }
            if let value { return value }
        }
        let structural: Set<Character> = ["\"", "'", "[", "]", "{", "}", "=", "#"]
        guard !text.contains(where: { structural.contains($0) || $0.isNewline }) else {
            throw SpecOverrideError(argument: argument, reason: "\(text) is not a TOML value; quote strings (\"...\"), write arrays as [1, 2] and tables as { rank = 4 }")
        }
        return .string(text)
    }

    /// `document` with every override applied in order. Each override's parent must be a table
    /// the file has (so a misspelt step or section is an error, not a new table); its last key
    /// may be new (an optional parameter the file leaves out), and schema validation then
    /// checks it like any other.
    static func apply(_ overrides: [SpecOverride], to document: [String: SpecValue]) throws(SpecOverrideError) -> [String: SpecValue] {
        // Overrides of one key, or of a table and a key inside it, would depend on their order,
        // which the recorded params do not keep.
        for (i, a) in overrides.enumerated() {
            for b in overrides[(i + 1)...] where a.path.relative(to: b.path) != nil || b.path.relative(to: a.path) != nil {
                throw SpecOverrideError(argument: b.description, reason: "overlaps --set \(a); set each key once")
            }
        }
        var root = SpecValue.table(document)
        for override in overrides {
            root = try set(override, in: root, at: override.path.components[...], walked: .root)
        }
        return root.tableValue ?? [:]
    }

    private static func set(_ override: SpecOverride, in value: SpecValue, at rest: ArraySlice<SpecPath.Component>, walked: SpecPath) throws(SpecOverrideError) -> SpecValue {
        guard case .table(var table) = value else {
            throw SpecOverrideError(argument: override.description, reason: "\(walked) is \(value.typeName == "array" ? "an" : "a") \(value.typeName), not a table")
        }
        guard let first = rest.first, case .key(let key) = first else { return value }
        if rest.count == 1 {
            table[key] = override.value
            return .table(table)
        }
        let here = walked.appending(key)
        guard let child = table[key] else {
            let hint = NearestName.hint(for: key, among: table.keys.sorted(), what: walked.isEmpty ? "section" : "key")
            throw SpecOverrideError(argument: override.description, reason: "the experiment file has no \(here); \(hint)")
        }
        table[key] = try set(override, in: child, at: rest.dropFirst(), walked: here)
        return .table(table)
    }
}

/// Why a `--set` or `--sweep` argument was refused, naming it.
public struct SpecOverrideError: Error, Sendable, Equatable, CustomStringConvertible {
    public var argument: String
    public var reason: String
    public var description: String { "--set \(argument): \(reason)" }

    public init(argument: String, reason: String) {
        self.argument = argument
        self.reason = reason
    }
}
