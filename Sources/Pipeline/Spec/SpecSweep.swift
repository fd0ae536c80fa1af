import Foundation

/// One `run --sweep KEY=V1,V2,...`: the values a key takes across the runs of a sweep. Values are
/// TOML as in `--set`, separated by commas outside quotes, brackets and braces
/// (`steps.sft.lora={ rank = 4 },{ rank = 8 }` has two).
public struct SpecSweep: Sendable, Equatable {
    public var path: SpecPath
    public var values: [SpecOverride]

    public init(parsing argument: String) throws(SpecOverrideError) {
        let (path, text) = try SpecOverride.split(argument)
        let parts = try SpecSweep.splitValues(text, argument: argument)
        var values: [SpecOverride] = []
        for part in parts {
            let value = try SpecOverride(path: path, valueText: part)
            if values.contains(where: { $0.value == value.value }) {
                throw SpecOverrideError(argument: argument, reason: "the value \(part) repeats")
            }
            values.append(value)
        }
        self.path = path
        self.values = values
    }

    /// Every combination of the sweeps' values, the first sweep varying slowest (as nested loops
    /// in the order given). No sweeps: one empty combination.
    public static func grid(_ sweeps: [SpecSweep]) throws(SpecOverrideError) -> [[SpecOverride]] {
        var seen = Set<SpecPath>()
        for sweep in sweeps where !seen.insert(sweep.path).inserted {
            throw SpecOverrideError(argument: sweep.path.description, reason: "swept twice; give all of its values in one --sweep")
        }
        var combinations: [[SpecOverride]] = [[]]
        for sweep in sweeps {
            combinations = combinations.flatMap { prefix in sweep.values.map { prefix + [$0] } }
        }
        return combinations
    }

    /// `a,[b, c],"d,e"` → `a`, `[b, c]`, `"d,e"`.
    static func splitValues(_ text: String, argument: String) throws(SpecOverrideError) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        var escaped = false
        for character in text {
            if let open = quote {
                current.append(character)
                if escaped { escaped = false } else if character == "\\" && open == "\"" { escaped = true } else if character == open { quote = nil }
                continue
            }
            switch character {
            case "\"", "'": quote = character
            case "[", "{": depth += 1
            case "]", "}": depth -= 1
            case "," where depth == 0:
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        guard quote == nil, depth == 0 else { throw SpecOverrideError(argument: argument, reason: "unbalanced quotes, brackets or braces") }
        guard !parts.contains(where: \.isEmpty) else { throw SpecOverrideError(argument: argument, reason: "an empty value between commas") }
        return parts
    }
}
