// The one JSON parser of iopo-exp: RFC 8259 into the order-preserving `JSONValue`, with the error
// position a user needs (line, column and byte offset). The files it reads come from three worlds
// that disagree at the edges, so the few places where they differ are options, named by preset:
//
// - `.strict`: what Python's `json.loads` (strict=True) accepts, minus NaN and the infinities and
//   lone surrogate escapes. TRACE and LLaMA-Factory files, experiment outputs, response caches.
// - `.python`: exactly what `json.loads` accepts (IFEval reads its data and decides
//   `detectable_format:json_format` with it): also `NaN`, `Infinity`, `-Infinity`, and lone
//   surrogate escapes, read as U+FFFD (Python keeps the surrogate; a Swift string cannot).
// - `.interchange`: the engine's Hugging Face files, safetensors headers and HTTP request bodies:
//   a duplicate key is refused (a tensor listed twice must not be silently resolved), a UTF-8 byte
//   order mark that an editor wrote is skipped, a number beyond the range of a double is refused,
//   lone surrogates read as U+FFFD, and numbers are read into the canonical text of
//   `JSONValue.int` / `.double` (`2.50e+3` becomes `2500.0`), so that a config.json read and
//   written back holds its numbers in the one form the engine writes.
//
// Why not Foundation: see `JSONValue` (key order, number literals, duplicate keys, positions).

/// A JSON syntax error: where parsing stopped, as a 1-based line and column (in UTF-8 bytes) and
/// as a 0-based byte offset, and what was wrong there.
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var offset: Int
    public var message: String

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// Parses JSON text into a `JSONValue`.
public enum JSONParser {
    /// What the parser accepts beyond or short of RFC 8259; see the file comment for the presets.
    public struct Options: Sendable, Hashable {
        /// How a repeated object key is treated.
        public enum DuplicateKeys: Sendable, Hashable {
            /// Kept in the member list; lookups take the last one (Python's `json.loads`).
            case kept
            /// A syntax error at the repeated key.
            case refused
        }

        /// Whether the literals `NaN`, `Infinity` and `-Infinity` are numbers.
        public var allowsNonFiniteLiterals: Bool
        /// Whether a `\u` escape of a lone surrogate reads as U+FFFD (else it is an error).
        public var replacesLoneSurrogates: Bool
        public var duplicateKeys: DuplicateKeys
        /// Whether a UTF-8 byte order mark before the value is skipped (else it is an error).
        public var skipsByteOrderMark: Bool
        /// Whether a number too large for a `Double` (`1e999`) is an error (else it is kept as text).
        public var refusesNumbersOutOfRange: Bool
        /// Whether numbers are rewritten as they are read into what `JSONValue.int` (integers that
        /// fit an `Int`) or `JSONValue.double` (everything else) would write (else kept as written).
        public var normalizesNumbers: Bool
        /// The most levels of nested values accepted (a number inside two arrays is at the third
        /// level), so that hostile input cannot exhaust the stack.
        public var maximumDepth = 512

        /// RFC 8259 as `json.loads` reads it: repeated keys kept, lone surrogates refused.
        public static let strict = Options(allowsNonFiniteLiterals: false, replacesLoneSurrogates: false, duplicateKeys: .kept,
                                           skipsByteOrderMark: false, refusesNumbersOutOfRange: false, normalizesNumbers: false)
        /// Everything Python's `json.loads` accepts.
        public static let python = Options(allowsNonFiniteLiterals: true, replacesLoneSurrogates: true, duplicateKeys: .kept,
                                           skipsByteOrderMark: false, refusesNumbersOutOfRange: false, normalizesNumbers: false)
        /// The engine's interchange files and request bodies: repeated keys and out-of-range
        /// numbers refused, a byte order mark skipped, lone surrogates read as U+FFFD, numbers
        /// normalised.
        public static let interchange = Options(allowsNonFiniteLiterals: false, replacesLoneSurrogates: true, duplicateKeys: .refused,
                                                skipsByteOrderMark: true, refusesNumbersOutOfRange: true, normalizesNumbers: true)
    }

    /// Parses a complete JSON document; whitespace around the value is allowed, anything else is not.
    public static func parse(_ text: String, options: Options = .strict) throws(JSONSyntaxError) -> JSONValue {
        try parse(bytes: Array(text.utf8), options: options)
    }

    /// Parses a complete JSON document from UTF-8 bytes.
    public static func parse(bytes: [UInt8], options: Options = .strict) throws(JSONSyntaxError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONSyntaxError) -> JSONValue in
            try parse(buffer, options: options)
        }
    }

    /// Parses a region of raw memory, such as a safetensors header inside a mapped file.
    public static func parse(_ buffer: UnsafeBufferPointer<UInt8>, options: Options = .strict) throws(JSONSyntaxError) -> JSONValue {
        var reader = Reader(bytes: buffer, options: options)
        if options.skipsByteOrderMark, buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF {
            reader.position = 3
        }
        reader.skipWhitespace()
        let value = try reader.parseValue(depth: 0)
        reader.skipWhitespace()
        if reader.position != buffer.count { throw reader.error("unexpected text after the JSON value") }
        return value
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let options: Options
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>, options: Options) {
            self.bytes = bytes
            self.options = options
        }

        /// An error at `at` (default: the current position), with its line and column.
        func error(_ message: String, at: Int? = nil) -> JSONSyntaxError {
            let end = min(at ?? position, bytes.count)
            var line = 1
            var lineStart = 0
            for offset in 0..<end where bytes[offset] == UInt8(ascii: "\n") {
                line += 1
                lineStart = offset + 1
            }
            return JSONSyntaxError(line: line, column: end - lineStart + 1, offset: end, message: message)
        }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            guard depth < options.maximumDepth else { throw error("nesting deeper than \(options.maximumDepth) levels") }
            guard position < bytes.count else { throw error("unexpected end of input, expected a value") }
            let nonFinite = options.allowsNonFiniteLiterals
            switch bytes[position] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try expectLiteral("null"); return .null
            case UInt8(ascii: "N") where nonFinite: try expectLiteral("NaN"); return .number("NaN")
            case UInt8(ascii: "I") where nonFinite: try expectLiteral("Infinity"); return .number("Infinity")
            case UInt8(ascii: "-") where nonFinite && position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: "I"):
                try expectLiteral("-Infinity")
                return .number("-Infinity")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
            case let byte: throw error("unexpected character \(Self.describe(byte))")
            }
        }

        /// A byte as an error message shows it: printable ASCII quoted, anything else in hex.
        static func describe(_ byte: UInt8) -> String {
            (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x" + String(byte, radix: 16, uppercase: true)
        }

        mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
            let count = literal.utf8CodeUnitCount
            guard position + count <= bytes.count else { throw error("invalid literal") }
            for offset in 0..<count where bytes[position + offset] != literal.utf8Start[offset] {
                throw error("invalid literal")
            }
            position += count
        }

        mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            position += 1  // {
            var members: [JSONMember] = []
            var seen = Set<String>()
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let keyStart = position
                let key = try parseString()
                if options.duplicateKeys == .refused, !seen.insert(key).inserted {
                    throw error("duplicate key \"\(key)\"", at: keyStart)
                }
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':' after an object key") }
                position += 1
                skipWhitespace()
                members.append(JSONMember(key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                guard position < bytes.count else { throw error("unexpected end of input in an object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                throw error("expected ',' or '}' in an object")
            }
        }

        mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            position += 1  // [
            var elements: [JSONValue] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard position < bytes.count else { throw error("unexpected end of input in an array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
                throw error("expected ',' or ']' in an array")
            }
        }

        /// Reads `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?` and returns it as written, or
        /// normalised when the options say so.
        mutating func parseNumber() throws(JSONSyntaxError) -> String {
            let start = position
            func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw error("invalid number") }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
                if position < bytes.count, isDigit(bytes[position]) { throw error("leading zero in a number") }
            } else {
                while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            }
            var isInteger = true
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                isInteger = false
                position += 1
                guard position < bytes.count, isDigit(bytes[position]) else { throw error("digit expected after '.'") }
                while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                isInteger = false
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                    position += 1
                }
                guard position < bytes.count, isDigit(bytes[position]) else { throw error("digit expected in exponent") }
                while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            }
            let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard options.refusesNumbersOutOfRange || options.normalizesNumbers else { return literal }
            if isInteger, let integer = Int(literal) {
                return options.normalizesNumbers ? String(integer) : literal
            }
            let number = Double(literal) ?? .infinity
            if options.refusesNumbersOutOfRange, !number.isFinite { throw error("number out of range", at: start) }
            guard options.normalizesNumbers, case .number(let canonical) = JSONValue.double(number) else { return literal }
            return canonical
        }

        mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw error("invalid hex digit in \\u escape")
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }

        /// Parses a string from its opening quote. Raw control characters and invalid UTF-8 are
        /// refused; unescaped runs are copied whole.
        mutating func parseString() throws(JSONSyntaxError) -> String {
            let start = position
            position += 1  // opening quote
            var out: [UInt8] = []
            var runStart = position
            while true {
                guard position < bytes.count else { throw error("unterminated string") }
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                    position += 1
                    break
                }
                if byte < 0x20 { throw error("control character in a string") }
                if byte != UInt8(ascii: "\\") { position += 1; continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                position += 1
                guard position < bytes.count else { throw error("unterminated escape") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    UTF8.encode(try parseUnicodeEscape()) { out.append($0) }
                default:
                    position -= 1
                    throw error("invalid escape character")
                }
                runStart = position
            }
            guard let string = String(validating: out, as: UTF8.self) else {
                throw error("string is not valid UTF-8", at: start)
            }
            return string
        }

        /// The scalar of a `\uXXXX` escape (after the `u`), joining a surrogate pair.
        mutating func parseUnicodeEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
            var code = try parseHex4()
            if options.replacesLoneSurrogates {
                // As json.loads: a high surrogate pairs with a following low one; anything else
                // stays a lone surrogate (U+FFFD here) and what follows is read on its own.
                if (0xD800...0xDBFF).contains(code), position + 1 < bytes.count,
                   bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                    let save = position
                    position += 2
                    let low = try parseHex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        position = save
                    }
                }
                return Unicode.Scalar(code) ?? "\u{FFFD}"
            }
            if (0xD800...0xDBFF).contains(code) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw error("lone high surrogate in \\u escape")
                }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid low surrogate in \\u escape") }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(code) {
                throw error("lone low surrogate in \\u escape")
            }
            guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
            return scalar
        }
    }
}
