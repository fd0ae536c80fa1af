// Methods templates call on values: Python's `str` methods (`strip`, `split`, `startswith`,
// `replace`, `upper`, `title`, `join`, ...), `dict.items/keys/values/get`, and `list.index/count`.
// Methods that change a value (`append`, `update`, `pop`, ...) exist but refuse to run, as
// transformers' immutable sandbox refuses them.

enum Methods {
    private static let stringMethods: Set<String> = [
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "upper", "lower",
        "title", "capitalize", "swapcase", "casefold", "replace", "find", "rfind", "index", "rindex", "count", "join",
        "isdigit", "isdecimal", "isnumeric", "isalpha", "isalnum", "isspace", "islower", "isupper", "partition",
        "rpartition", "removeprefix", "removesuffix", "center", "ljust", "rjust", "zfill", "format",
    ]
    private static let dictMethods: Set<String> = ["items", "keys", "values", "get", "copy"]
    private static let dictMutators: Set<String> = ["pop", "popitem", "setdefault", "update", "clear"]
    private static let listMethods: Set<String> = ["index", "count", "copy"]
    private static let listMutators: Set<String> = ["append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"]

    /// Whether `value.name` is a method.
    static func has(_ value: Value, _ name: String) -> Bool {
        switch value {
        case .string: return stringMethods.contains(name)
        case .dict: return dictMethods.contains(name) || dictMutators.contains(name)
        case .list: return listMethods.contains(name) || listMutators.contains(name)
        case .tuple: return name == "index" || name == "count"
        default: return false
        }
    }

    static func call(_ receiver: Value, _ name: String, _ markedArguments: Arguments, interpreter: Interpreter) throws -> Value {
        let arguments = Arguments(markedArguments.positional.map(\.unmarked), keywords: markedArguments.keywords.map { ($0.name, $0.value.unmarked) })
        switch receiver {
        case .string(let text): return try callString(text, name, arguments, interpreter: interpreter)
        case .dict(let dict):
            if dictMutators.contains(name) { throw unsafe(name, receiver) }
            return try callDict(dict, name, arguments)
        case .list(let items), .tuple(let items):
            if case .list = receiver, listMutators.contains(name) { throw unsafe(name, receiver) }
            return try callSequence(items, receiver, name, arguments)
        default:
            throw TemplateError(.type, "'\(receiver.typeName)' object has no method '\(name)'")
        }
    }

    private static func unsafe(_ name: String, _ receiver: Value) -> TemplateError {
        TemplateError(.unsupported, "access to attribute '\(name)' of '\(receiver.typeName)' object is unsafe (templates cannot change values)")
    }

    private static func string(_ value: Value?, _ function: String, _ parameter: String) throws -> String? {
        guard let value, !value.isNoneOrMissing else { return nil }
        guard case .string(let text) = value else {
            throw TemplateError(.type, "\(function)() argument '\(parameter)' must be str or None, not \(value.typeName)")
        }
        return text
    }

    private static func int(_ value: Value?, _ function: String, default fallback: Int) throws -> Int {
        guard let value else { return fallback }
        guard let number = Operators.integer(value) else {
            throw TemplateError(.type, "\(function)() expects an integer, not \(value.typeName)")
        }
        return number
    }

    private static func callString(_ text: String, _ name: String, _ arguments: Arguments, interpreter: Interpreter) throws -> Value {
        let first = arguments.positional.first
        switch name {
        case "strip", "lstrip", "rstrip":
            try arguments.check(name, names: ["chars"])
            let characters = try string(arguments.value(0, "chars"), name, "chars")
            return .string(PythonText.strip(text, characters: characters, leading: name != "rstrip", trailing: name != "lstrip"))
        case "split", "rsplit":
            try arguments.check(name, names: ["sep", "maxsplit"])
            let separator = try string(arguments.value(0, "sep"), name, "sep")
            if separator == "" { throw TemplateError(.type, "empty separator") }
            let maxSplits = try int(arguments.value(1, "maxsplit"), name, default: -1)
            return .list(PythonText.split(text, separator: separator, maxSplits: maxSplits, fromEnd: name == "rsplit").map(Value.string))
        case "splitlines":
            try arguments.check(name, names: ["keepends"])
            return .list(splitLines(text, keepEnds: arguments.value(0, "keepends")?.isTruthy ?? false).map(Value.string))
        case "startswith", "endswith":
            try arguments.check(name, names: ["prefix"])
            guard let first else { throw TemplateError(.type, "\(name)() takes at least 1 argument (0 given)") }
            let candidates: [Value]
            if case .tuple(let items) = first { candidates = items } else { candidates = [first] }
            for candidate in candidates {
                guard case .string(let affix) = candidate else {
                    throw TemplateError(.type, "\(name) first arg must be str or a tuple of str, not \(candidate.typeName)")
                }
                let matches = name == "startswith"
                    ? text.unicodeScalars.starts(with: affix.unicodeScalars)
                    : text.unicodeScalars.reversed().starts(with: affix.unicodeScalars.reversed())
                if matches { return .bool(true) }
            }
            return .bool(false)
        case "upper": return .string(PythonText.upper(text))
        case "lower", "casefold": return .string(PythonText.lower(text))
        case "title": return .string(PythonText.title(text))
        case "capitalize": return .string(PythonText.capitalize(text))
        case "swapcase":
            return .string(text.unicodeScalars.map {
                $0.properties.isUppercase ? $0.properties.lowercaseMapping : $0.properties.isLowercase ? $0.properties.uppercaseMapping : String($0)
            }.joined())
        case "replace":
            try arguments.check(name, names: ["old", "new", "count"])
            guard let old = try string(arguments.value(0, "old"), name, "old"), let new = try string(arguments.value(1, "new"), name, "new") else {
                throw TemplateError(.type, "replace() takes at least 2 arguments")
            }
            return .string(PythonText.replace(text, old, new, count: try int(arguments.value(2, "count"), name, default: -1)))
        case "find", "rfind", "index", "rindex":
            guard let sub = try string(first, name, "sub") else { throw TemplateError(.type, "\(name)() takes at least 1 argument") }
            let position = PythonText.find(text, sub, fromEnd: name.hasPrefix("r"))
            if position < 0 && name.hasSuffix("index") { throw TemplateError(.type, "substring not found") }
            return .int(position)
        case "count":
            guard let sub = try string(first, name, "sub") else { throw TemplateError(.type, "count() takes at least 1 argument") }
            if sub.isEmpty { return .int(text.unicodeScalars.count + 1) }
            return .int(PythonText.occurrences(of: Array(sub.unicodeScalars), in: Array(text.unicodeScalars)).count)
        case "join":
            guard let first else { throw TemplateError(.type, "join() takes exactly one argument (0 given)") }
            var pieces: [String] = []
            for (index, item) in try interpreter.iterate(first).enumerated() {
                guard case .string(let piece) = item.unmarked else {
                    throw TemplateError(.type, "sequence item \(index): expected str instance, \(item.typeName) found")
                }
                pieces.append(piece)
            }
            return .string(pieces.joined(separator: text))
        case "isdigit", "isdecimal", "isnumeric":
            return .bool(!text.isEmpty && text.unicodeScalars.allSatisfy { $0.properties.numericType != nil })
        case "isalpha":
            return .bool(!text.isEmpty && text.unicodeScalars.allSatisfy { $0.properties.isAlphabetic })
        case "isalnum":
            return .bool(!text.isEmpty && text.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
        case "isspace":
            return .bool(!text.isEmpty && text.unicodeScalars.allSatisfy(PythonText.isWhitespace))
        case "islower", "isupper":
            return .bool(IsTests.hasCase(text, upper: name == "isupper"))
        case "partition", "rpartition":
            guard let separator = try string(first, name, "sep"), !separator.isEmpty else { throw TemplateError(.type, "empty separator") }
            let position = PythonText.find(text, separator, fromEnd: name == "rpartition")
            let scalars = Array(text.unicodeScalars)
            if position < 0 {
                return name == "partition" ? .tuple([.string(text), "", ""]) : .tuple(["", "", .string(text)])
            }
            let end = position + separator.unicodeScalars.count
            return .tuple([.string(PythonText.string(scalars[..<position])), .string(separator), .string(PythonText.string(scalars[end...]))])
        case "removeprefix", "removesuffix":
            guard let affix = try string(first, name, "affix") else { throw TemplateError(.type, "\(name)() takes exactly one argument") }
            let scalars = Array(text.unicodeScalars)
            let affixScalars = Array(affix.unicodeScalars)
            if name == "removeprefix", scalars.starts(with: affixScalars) { return .string(PythonText.string(scalars.dropFirst(affixScalars.count))) }
            if name == "removesuffix", !affixScalars.isEmpty, scalars.reversed().starts(with: affixScalars.reversed()) {
                return .string(PythonText.string(scalars.dropLast(affixScalars.count)))
            }
            return .string(text)
        case "center", "ljust", "rjust":
            let width = try int(first, name, default: 0)
            let fill = try string(arguments.value(1, "fillchar"), name, "fillchar") ?? " "
            return .string(pad(text, width: width, fill: fill, alignment: name))
        case "format":
            return .string(try StringFormatting.format(text, arguments, interpreter: interpreter))
        case "zfill":
            let width = try int(first, name, default: 0)
            let scalars = Array(text.unicodeScalars)
            guard scalars.count < width else { return .string(text) }
            let zeros = String(repeating: "0", count: width - scalars.count)
            if let sign = scalars.first, sign == "+" || sign == "-" { return .string(String(sign) + zeros + PythonText.string(scalars.dropFirst())) }
            return .string(zeros + text)
        default:
            throw TemplateError(.type, "'str' object has no method '\(name)'")
        }
    }

    /// `str.center`/`ljust`/`rjust` (the `center` filter too).
    static func pad(_ text: String, width: Int, fill: String, alignment: String) -> String {
        let count = text.unicodeScalars.count
        guard width > count else { return text }
        let total = width - count
        switch alignment {
        case "ljust": return text + String(repeating: fill, count: total)
        case "rjust": return String(repeating: fill, count: total) + text
        default:
            // CPython puts the extra space on the left when the text's length and the padding are both odd.
            let left = total / 2 + (total & width & 1)
            return String(repeating: fill, count: left) + text + String(repeating: fill, count: total - left)
        }
    }

    /// `str.splitlines()`: \n, \r, \r\n and the other Unicode line boundaries.
    static func splitLines(_ text: String, keepEnds: Bool) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var lines: [String] = []
        var start = 0
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let isBreak: Bool
            switch scalar.value {
            case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029: isBreak = true
            default: isBreak = false
            }
            if isBreak {
                var end = index + 1
                if scalar == "\r" && end < scalars.count && scalars[end] == "\n" { end += 1 }
                lines.append(PythonText.string(scalars[start..<(keepEnds ? end : index)]))
                start = end
                index = end
            } else {
                index += 1
            }
        }
        if start < scalars.count { lines.append(PythonText.string(scalars[start...])) }
        return lines
    }

    private static func callDict(_ dict: Dict, _ name: String, _ arguments: Arguments) throws -> Value {
        switch name {
        case "items": return .iterator(IteratorValue(.dictItems, dict.items.map { .tuple([$0.key, $0.value]) }))
        case "keys": return .iterator(IteratorValue(.dictKeys, dict.keys))
        case "values": return .iterator(IteratorValue(.dictValues, dict.values))
        case "copy": return .dict(dict)
        case "get":
            guard let key = arguments.value(0, "key") else { throw TemplateError(.type, "get expected at least 1 argument, got 0") }
            return dict.value(for: key) ?? arguments.value(1, "default") ?? .none
        default:
            throw TemplateError(.type, "'dict' object has no method '\(name)'")
        }
    }

    private static func callSequence(_ items: [Value], _ receiver: Value, _ name: String, _ arguments: Arguments) throws -> Value {
        switch name {
        case "copy": return receiver
        case "count":
            guard let item = arguments.value(0, "value") else { throw TemplateError(.type, "count() takes exactly one argument (0 given)") }
            return .int(items.filter { Operators.equal($0, item) }.count)
        case "index":
            guard let item = arguments.value(0, "value") else { throw TemplateError(.type, "index expected at least 1 argument, got 0") }
            guard let position = items.firstIndex(where: { Operators.equal($0, item) }) else {
                throw TemplateError(.type, "\(item.pythonRepr) is not in \(receiver.typeName)")
            }
            return .int(position)
        default:
            throw TemplateError(.type, "'\(receiver.typeName)' object has no method '\(name)'")
        }
    }
}
