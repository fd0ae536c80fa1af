// JSON with the acceptance rules of Python's `json.loads`, which the reference uses both to read
// input_data.jsonl and to decide `detectable_format:json_format`. Foundation's JSONSerialization
// differs in the places that matter for that check (it rejects NaN/Infinity and, depending on
// platform, top-level scalars). The parsing is `JSONParser` with its `.python` options; this file gives
// its result the types Python would (int, float, dict with the last of repeated keys). The grammar:
//
// - whitespace between tokens is only space, tab, line feed and carriage return;
// - any value may be the top-level value; nothing but whitespace may follow it;
// - numbers are `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?` (ASCII digits), plus the
//   literals `NaN`, `Infinity` and `-Infinity`;
// - strings reject raw control characters below U+0020 and accept the escapes `\" \\ \/ \b \f \n
//   \r \t \uXXXX`; a lone surrogate escape is accepted (Python keeps it; we store U+FFFD);
// - duplicate object keys are accepted, the last one wins.
//
// One deliberate limit: nesting deeper than `maximumDepth` is reported as an error, where CPython
// would raise RecursionError (not ValueError) and so crash the reference.

import Basics

/// A parsed JSON value. Integers that fit in `Int` stay integers; other numbers are `Double`.
public enum IFEvalJSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int)
    case double(Double)
    case string(String)
    case array([IFEvalJSONValue])
    case object([String: IFEvalJSONValue])
}

/// A syntax error with the 0-based UTF-8 offset where it was found.
public struct IFEvalJSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "\(reason) at offset \(offset)" }
}

/// Python-compatible JSON parsing (see the file comment for the exact grammar).
public enum IFEvalJSON {
    public static let maximumDepth = JSONParser.Options.python.maximumDepth

    /// Parses one complete JSON text, as `json.loads` would.
    public static func parse(_ text: String) throws(IFEvalJSONSyntaxError) -> IFEvalJSONValue {
        do throws(JSONSyntaxError) {
            return IFEvalJSONValue(try JSONParser.parse(text, options: .python))
        } catch {
            throw IFEvalJSONSyntaxError(offset: error.offset, reason: error.message)
        }
    }

    /// Whether `json.loads(text)` would succeed.
    public static func isValid(_ text: String) -> Bool {
        (try? parse(text)) != nil
    }
}

extension IFEvalJSONValue {
    /// Python's types for a parsed value: an integer literal is an int (a float when it does not
    /// fit, where Python would keep a big int), any other number a float, objects dicts.
    init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .string(let s): self = .string(s)
        case .array(let items): self = .array(items.map(IFEvalJSONValue.init))
        case .object(let members):
            var dictionary: [String: IFEvalJSONValue] = [:]
            for member in members { dictionary[member.key] = IFEvalJSONValue(member.value) }
            self = .object(dictionary)
        case .number(let literal):
            switch literal {
            case "NaN": self = .double(.nan)
            case "Infinity": self = .double(.infinity)
            case "-Infinity": self = .double(-.infinity)
            default:
                if !literal.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let integer = Int(literal) {
                    self = .integer(integer)
                } else {
                    self = .double(Double(literal) ?? .nan)
                }
            }
        }
    }
}
