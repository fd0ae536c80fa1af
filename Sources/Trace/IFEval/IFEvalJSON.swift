// A JSON reader with the acceptance rules of Python's `json.loads`, which the reference uses both
// to read input_data.jsonl and to decide `detectable_format:json_format`. Foundation's
// JSONSerialization differs in the places that matter for that check (it rejects NaN/Infinity and,
// depending on platform, top-level scalars), so the grammar is spelled out here:
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
    public static let maximumDepth = 512

    /// Parses one complete JSON text, as `json.loads` would.
    public static func parse(_ text: String) throws(IFEvalJSONSyntaxError) -> IFEvalJSONValue {
        var parser = Parser(bytes: Array(text.utf8))
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.position != parser.bytes.count { throw parser.error("extra data after the JSON value") }
        return value
    }

    /// Whether `json.loads(text)` would succeed.
    public static func isValid(_ text: String) -> Bool {
        do {
            _ = try parse(text)
            return true
        } catch {
            return false
        }
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func error(_ reason: String) -> IFEvalJSONSyntaxError {
            IFEvalJSONSyntaxError(offset: position, reason: reason)
        }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        func peek(_ literal: String) -> Bool {
            let utf8 = Array(literal.utf8)
            guard position + utf8.count <= bytes.count else { return false }
            for k in 0..<utf8.count where bytes[position + k] != utf8[k] { return false }
            return true
        }

        mutating func parseValue(depth: Int) throws(IFEvalJSONSyntaxError) -> IFEvalJSONValue {
            guard position < bytes.count else { throw error("expecting a value") }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                guard depth < IFEvalJSON.maximumDepth else { throw error("nesting too deep") }
                return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["):
                guard depth < IFEvalJSON.maximumDepth else { throw error("nesting too deep") }
                return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""):
                return .string(try parseString())
            case UInt8(ascii: "n") where peek("null"):
                position += 4
                return .null
            case UInt8(ascii: "t") where peek("true"):
                position += 4
                return .bool(true)
            case UInt8(ascii: "f") where peek("false"):
                position += 5
                return .bool(false)
            case UInt8(ascii: "N") where peek("NaN"):
                position += 3
                return .double(.nan)
            case UInt8(ascii: "I") where peek("Infinity"):
                position += 8
                return .double(.infinity)
            case UInt8(ascii: "-") where peek("-Infinity"):
                position += 9
                return .double(-.infinity)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return try parseNumber()
            default:
                throw error("expecting a value")
            }
        }

        mutating func parseObject(depth: Int) throws(IFEvalJSONSyntaxError) -> IFEvalJSONValue {
            position += 1  // {
            var members: [String: IFEvalJSONValue] = [:]
            skipWhitespace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw error("expecting a property name enclosed in double quotes")
                }
                let key = try parseString()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expecting ':' delimiter") }
                position += 1
                skipWhitespace()
                members[key] = try parseValue(depth: depth)
                skipWhitespace()
                guard position < bytes.count else { throw error("expecting ',' delimiter") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                if bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    return .object(members)
                }
                throw error("expecting ',' delimiter")
            }
        }

        mutating func parseArray(depth: Int) throws(IFEvalJSONSyntaxError) -> IFEvalJSONValue {
            position += 1  // [
            var elements: [IFEvalJSONValue] = []
            skipWhitespace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth))
                skipWhitespace()
                guard position < bytes.count else { throw error("expecting ',' delimiter") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                if bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    return .array(elements)
                }
                throw error("expecting ',' delimiter")
            }
        }

        mutating func parseString() throws(IFEvalJSONSyntaxError) -> String {
            position += 1  // opening quote
            var utf8: [UInt8] = []
            while true {
                guard position < bytes.count else { throw error("unterminated string") }
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    position += 1
                    return String(decoding: utf8, as: UTF8.self)
                }
                if byte < 0x20 { throw error("invalid control character in string") }
                if byte != UInt8(ascii: "\\") {
                    utf8.append(byte)
                    position += 1
                    continue
                }
                position += 1
                guard position < bytes.count else { throw error("unterminated string") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): utf8.append(0x22)
                case UInt8(ascii: "\\"): utf8.append(0x5C)
                case UInt8(ascii: "/"): utf8.append(0x2F)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try parseHex4()
                    if (0xD800...0xDBFF).contains(code), peek("\\u") {
                        let save = position
                        position += 2
                        let low = try parseHex4()
                        if (0xDC00...0xDFFF).contains(low) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            position = save
                        }
                    }
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    position -= 1
                    throw error("invalid \\escape")
                }
            }
        }

        mutating func parseHex4() throws(IFEvalJSONSyntaxError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("invalid \\uXXXX escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw error("invalid \\uXXXX escape")
                }
                value = value * 16 + digit
                position += 1
            }
            return value
        }

        func isDigit(_ k: Int) -> Bool {
            k < bytes.count && bytes[k] >= UInt8(ascii: "0") && bytes[k] <= UInt8(ascii: "9")
        }

        mutating func parseNumber() throws(IFEvalJSONSyntaxError) -> IFEvalJSONValue {
            let start = position
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard isDigit(position) else { throw error("expecting a value") }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
            } else {
                while isDigit(position) { position += 1 }
            }
            var isInteger = true
            // A fraction or exponent only counts when complete; otherwise Python stops the number
            // before it and the leftover characters become "extra data" or a delimiter error.
            if position < bytes.count, bytes[position] == UInt8(ascii: "."), isDigit(position + 1) {
                position += 1
                while isDigit(position) { position += 1 }
                isInteger = false
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                var k = position + 1
                if k < bytes.count, bytes[k] == UInt8(ascii: "+") || bytes[k] == UInt8(ascii: "-") { k += 1 }
                if isDigit(k) {
                    position = k
                    while isDigit(position) { position += 1 }
                    isInteger = false
                }
            }
            let literal = String(decoding: bytes[start..<position], as: UTF8.self)
            if isInteger, let value = Int(literal) { return .integer(value) }
            return .double(Double(literal) ?? (literal.hasPrefix("-") ? -.infinity : .infinity))
        }
    }
}
