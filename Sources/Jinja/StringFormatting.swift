// Python's two string-formatting languages, as templates use them: `'{}:{name}'.format(...)`
// (`str.format`, which the sandbox allows) and printf-style `'%s, %d' % (a, b)` / `|format`.
// Supported: positional and named fields, `!s`/`!r` conversions, attribute and index lookups in
// `format` fields, and the format specifications fill, align, sign, `0`, width, `,`/`_`
// grouping and precision with the types s, d, n, b, o, x, X, c, e, E, f, F, g, G and %.
// Anything else is an "unsupported" error.

import Foundation

enum StringFormatting {
    // MARK: str.format

    static func format(_ template: String, _ arguments: Arguments, interpreter: Interpreter) throws -> String {
        var output = ""
        var scalars = Array(template.unicodeScalars)[...]
        var nextIndex = 0
        while let scalar = scalars.popFirst() {
            if scalar == "}" {
                guard scalars.first == "}" else { throw TemplateError(.type, "Single '}' encountered in format string") }
                scalars.removeFirst()
                output += "}"
                continue
            }
            guard scalar == "{" else { output.unicodeScalars.append(scalar); continue }
            if scalars.first == "{" {
                scalars.removeFirst()
                output += "{"
                continue
            }
            var field = ""
            var depth = 0
            while let inner = scalars.popFirst() {
                if inner == "{" { depth += 1 }
                if inner == "}" {
                    if depth == 0 { break }
                    depth -= 1
                }
                field.unicodeScalars.append(inner)
            }
            var spec = ""
            var conversion: Character? = nil
            if let colon = field.firstIndex(of: ":") {
                spec = String(field[field.index(after: colon)...])
                field = String(field[..<colon])
            }
            if let bang = field.firstIndex(of: "!") {
                conversion = field[field.index(after: bang)...].first
                field = String(field[..<bang])
            }
            // The name, then `.attribute` and `[key]` parts.
            var name = ""
            var rest = Substring(field)
            while let first = rest.first, first != "." && first != "[" {
                name.append(first)
                rest.removeFirst()
            }
            var value: Value
            if name.isEmpty {
                value = try positional(arguments, nextIndex)
                nextIndex += 1
            } else if let index = Int(name) {
                value = try positional(arguments, index)
            } else {
                guard let keyword = arguments.keywords.last(where: { $0.name == name }) else {
                    throw TemplateError(.type, "KeyError: '\(name)' in format string")
                }
                value = keyword.value
            }
            while let first = rest.first {
                rest.removeFirst()
                if first == "." {
                    var attribute = ""
                    while let next = rest.first, next != "." && next != "[" { attribute.append(next); rest.removeFirst() }
                    value = try interpreter.attribute(of: value, attribute)
                } else {
                    var key = ""
                    while let next = rest.first, next != "]" { key.append(next); rest.removeFirst() }
                    if !rest.isEmpty { rest.removeFirst() }
                    value = try interpreter.item(of: value, Int(key).map(Value.int) ?? .string(key))
                }
            }
            switch conversion {
            case "r"?, "a"?: value = .string(value.pythonRepr)
            case "s"?: value = .string(value.pythonString)
            case nil: break
            case let other?: throw TemplateError(.type, "Unknown conversion specifier \(other)")
            }
            output += try formatValue(value, spec: spec)
        }
        return output
    }

    private static func positional(_ arguments: Arguments, _ index: Int) throws -> Value {
        guard index < arguments.positional.count else {
            throw TemplateError(.type, "Replacement index \(index) out of range for positional args tuple")
        }
        return arguments.positional[index]
    }

    /// Python's `format(value, spec)` for the mini-language subset above.
    static func formatValue(_ value: Value, spec: String) throws -> String {
        var scalars = Array(spec)[...]
        var fill: Character = " "
        var align: Character? = nil
        if scalars.count >= 2, "<>^=".contains(scalars[scalars.startIndex + 1]) {
            fill = scalars.removeFirst()
            align = scalars.removeFirst()
        } else if let first = scalars.first, "<>^=".contains(first) {
            align = scalars.removeFirst()
        }
        var sign: Character = "-"
        if let first = scalars.first, "+- ".contains(first) { sign = scalars.removeFirst() }
        if scalars.first == "#" { throw TemplateError(.unsupported, "'#' in the format specification '\(spec)'") }
        if scalars.first == "0" {
            scalars.removeFirst()
            if align == nil { fill = "0"; align = "=" }
        }
        var width = 0
        while let digit = scalars.first?.wholeNumberValue { width = width * 10 + digit; scalars.removeFirst() }
        var grouping: Character? = nil
        if let first = scalars.first, first == "," || first == "_" { grouping = scalars.removeFirst() }
        var precision: Int? = nil
        if scalars.first == "." {
            scalars.removeFirst()
            var digits = 0
            while let digit = scalars.first?.wholeNumberValue { digits = digits * 10 + digit; scalars.removeFirst() }
            precision = digits
        }
        let type = scalars.popFirst()
        guard scalars.isEmpty else { throw TemplateError(.unsupported, "the format specification '\(spec)'") }

        var body: String
        var negative = false
        var numeric = true
        switch (value, type) {
        case (.string(let text), nil), (.string(let text), "s"?), (.markup(let text), nil), (.markup(let text), "s"?):
            numeric = false
            body = precision.map { String(text.unicodeScalars.prefix($0).map(Character.init)) } ?? text
        case (.int, _), (.bool, _):
            let number = Operators.integer(value) ?? 0
            switch type {
            case nil, "d"?, "n"?:
                negative = number < 0
                body = String(number.magnitude)
            case "b"?, "o"?, "x"?, "X"?:
                negative = number < 0
                body = String(number.magnitude, radix: type == "b" ? 2 : type == "o" ? 8 : 16, uppercase: type == "X")
            case "c"?:
                numeric = false
                body = Unicode.Scalar(UInt32(clamping: number)).map { String($0) } ?? ""
            default:
                return try formatValue(.float(Double(number)), spec: spec)
            }
        case (.float(let number), _):
            negative = number < 0 || (number == 0 && number.sign == .minus)
            let magnitude = abs(number)
            switch type {
            case nil:
                body = precision.map { String(format: "%.\($0)g", magnitude) } ?? PythonFloat.repr(magnitude)
            case "f"?, "F"?: body = String(format: "%.\(precision ?? 6)f", magnitude)
            case let code? where "eEgG".contains(code): body = String(format: "%.\(precision ?? 6)\(code)", magnitude)
            case "%"?: body = String(format: "%.\(precision ?? 6)f", magnitude * 100) + "%"
            case let code?: throw TemplateError(.type, "Unknown format code '\(code)' for object of type 'float'")
            }
        default:
            guard type == nil && precision == nil else {
                throw TemplateError(.type, "unsupported format string passed to \(value.typeName).__format__")
            }
            numeric = false
            body = value.pythonString
        }
        if let grouping, numeric {
            let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            var integerPart = String(parts[0])
            var grouped = ""
            while integerPart.count > 3 {
                grouped = String(grouping) + integerPart.suffix(3) + grouped
                integerPart.removeLast(3)
            }
            body = integerPart + grouped + (parts.count > 1 ? "." + parts[1] : "")
        }
        let signText = numeric ? (negative ? "-" : sign == "+" ? "+" : sign == " " ? " " : "") : ""
        let length = signText.count + body.count
        guard width > length else { return signText + body }
        let padding = width - length
        switch align ?? (numeric ? ">" : "<") {
        case "<": return signText + body + String(repeating: fill, count: padding)
        case "^":
            let left = padding / 2
            return String(repeating: fill, count: left) + signText + body + String(repeating: fill, count: padding - left)
        case "=": return signText + String(repeating: fill, count: padding) + body
        default: return String(repeating: fill, count: padding) + signText + body
        }
    }

    // MARK: printf-style

    /// `template % values`: `values` is one value, a tuple of values, or a dict for `%(name)s`.
    static func printf(_ template: String, _ values: Value) throws -> String {
        var items: [Value]
        var mapping: Dict? = nil
        switch values {
        case .tuple(let tuple): items = tuple
        case .dict(let dict): items = [values]; mapping = dict
        default: items = [values]
        }
        // Python skips the "not all arguments converted" check for an argument that supports
        // indexing but is not a tuple (a list, a dict).
        let indexable: Bool
        switch values {
        case .list, .dict, .undefined: indexable = true
        default: indexable = false
        }
        var output = ""
        var scalars = Array(template)[...]
        var used = 0
        while let character = scalars.popFirst() {
            guard character == "%" else { output.append(character); continue }
            var key: String? = nil
            if scalars.first == "(" {
                scalars.removeFirst()
                var name = ""
                while let next = scalars.popFirst(), next != ")" { name.append(next) }
                key = name
            }
            var flags = ""
            while let first = scalars.first, "-+ 0#".contains(first) { flags.append(scalars.removeFirst()) }
            var width = ""
            while let first = scalars.first, first.isNumber { width.append(scalars.removeFirst()) }
            var precision: String? = nil
            if scalars.first == "." {
                scalars.removeFirst()
                var digits = ""
                while let first = scalars.first, first.isNumber { digits.append(scalars.removeFirst()) }
                precision = digits
            }
            guard let conversion = scalars.popFirst() else { throw TemplateError(.type, "incomplete format") }
            if conversion == "%" { output += "%"; continue }
            let value: Value
            if let key {
                guard let mapping, let found = mapping[key] else { throw TemplateError(.type, "KeyError: '\(key)'") }
                value = found
            } else {
                guard used < items.count else { throw TemplateError(.type, "not enough arguments for format string") }
                value = items[used]
                used += 1
            }
            var spec = ""
            if flags.contains("-") { spec += "<" } else if flags.contains("0") && "dfeEgGxXo".contains(conversion) { spec += "0" }
            if flags.contains("+") { spec = (spec == "0" ? "+0" : spec + "+") } else if flags.contains(" ") { spec += " " }
            spec += width
            switch conversion {
            case "s": output += try formatValue(.string(value.pythonString), spec: (flags.contains("-") ? "<" : ">") + width + (precision.map { "." + $0 } ?? ""))
            case "r", "a": output += try formatValue(.string(value.pythonRepr), spec: (flags.contains("-") ? "<" : ">") + width + (precision.map { "." + $0 } ?? ""))
            case "d", "i", "u":
                guard let number = Operators.integer(value) ?? (Filters.toFloat(value).flatMap { value.isNumber ? Int(exactly: $0.rounded(.towardZero)) : nil }) else {
                    throw TemplateError(.type, "%\(conversion) format: a real number is required, not \(value.typeName)")
                }
                output += try formatValue(.int(number), spec: spec + "d")
            case "f", "F", "e", "E", "g", "G":
                guard value.isNumber, let number = Filters.toFloat(value) else {
                    throw TemplateError(.type, "must be real number, not \(value.typeName)")
                }
                output += try formatValue(.float(number), spec: spec + "." + (precision ?? "6") + String(conversion))
            case "x", "X", "o":
                guard let number = Operators.integer(value) else { throw TemplateError(.type, "%\(conversion) format: an integer is required") }
                output += try formatValue(.int(number), spec: spec + String(conversion))
            case "c":
                output += try formatValue(value, spec: "c")
            default:
                throw TemplateError(.unsupported, "the printf conversion '%\(conversion)'")
            }
        }
        if !indexable && used < items.count {
            throw TemplateError(.type, "not all arguments converted during string formatting")
        }
        return output
    }
}

extension Value {
    /// An int, float or bool.
    var isNumber: Bool {
        switch self {
        case .int, .float, .bool: return true
        default: return false
        }
    }
}
