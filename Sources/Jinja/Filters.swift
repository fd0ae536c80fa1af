// Jinja's filters, `value | name(args)`, as transformers' environment has them: Jinja2's own
// (length, join, trim, default, map, select, sort, dictsort, indent, ...) with `tojson` replaced
// by transformers' (`json.dumps` with `ensure_ascii=False`, `indent`, `separators`, `sort_keys`).
// Without autoescaping `safe` changes nothing, while `escape`/`e` still escapes HTML, as Jinja's.

import Foundation

enum Filters {
    /// Filters this interpreter implements.
    static let names: Set<String> = [
        "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first",
        "float", "forceescape", "format", "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min",
        "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum",
        "title", "tojson", "trim", "truncate", "unique", "upper", "wordcount",
    ]
    /// Filters that return Markup for Markup (they call markupsafe's `soft_str`).
    static let keepingMarkup: Set<String> = ["capitalize", "center", "indent", "lower", "string", "title", "trim", "truncate", "upper"]
    /// Jinja2 filters this interpreter does not implement; using one is an "unsupported" error.
    static let missing: Set<String> = [
        "filesizeformat", "groupby", "pprint", "random", "slice", "striptags", "urlencode", "urlize",
        "wordwrap", "xmlattr",
    ]
}

extension Interpreter {
    func applyFilter(_ name: String, to value: Value, _ arguments: Arguments) throws -> Value {
        // Markup is already escaped; filters that work on `soft_str(value)` give Markup back.
        if case .markup = value, name == "e" || name == "escape" { return value }
        if case .markup = value, Filters.keepingMarkup.contains(name) {
            let result = try applyPlainFilter(name, to: value.unmarked, arguments)
            if case .string(let text) = result { return .markup(text) }
            return result
        }
        return try applyPlainFilter(name, to: value.unmarked, arguments)
    }

    private func applyPlainFilter(_ name: String, to value: Value, _ arguments: Arguments) throws -> Value {
        // These filters compute with the value itself (`int(x)`, `x + "\n"`), which Jinja's
        // Undefined refuses; the others read it as "" or as an empty sequence.
        if case .undefined(let undefined) = value, ["int", "float", "indent", "dictsort"].contains(name) {
            throw TemplateError(.undefined, undefined.hint)
        }
        switch name {
        case "abs":
            switch value {
            case .int(let number):
                guard number != Int.min else { throw TemplateError(.unsupported, "abs() of the smallest 64-bit integer") }
                return .int(abs(number))
            case .bool(let flag): return .int(flag ? 1 : 0)
            case .float(let number): return .float(abs(number))
            default: throw TemplateError(.type, "bad operand type for abs(): '\(value.typeName)'")
            }
        case "attr":
            guard case .string(let attribute)? = arguments.value(0, "name") else { throw TemplateError(.type, "attr needs an attribute name") }
            if case .dict = value, !Methods.has(value, attribute) { return .undefined(Undefined(hint: "'dict object' has no attribute '\(attribute)'")) }
            return try self.attribute(of: value, attribute)
        case "batch":
            guard let size = arguments.value(0, "linecount").flatMap(Operators.integer), size > 0 else {
                throw TemplateError(.type, "batch needs a positive line count")
            }
            let fill = arguments.value(1, "fill_with")
            var batches: [Value] = []
            var current: [Value] = []
            for item in try iterate(value) {
                if current.count == size { batches.append(.list(current)); current = [] }
                current.append(item)
            }
            if !current.isEmpty {
                if let fill, !fill.isNoneOrMissing { current += Array(repeating: fill, count: size - current.count) }
                batches.append(.list(current))
            }
            return .generator(batches)
        case "capitalize": return .string(PythonText.capitalize(value.pythonString))
        case "center":
            let width = arguments.value(0, "width").flatMap(Operators.integer) ?? 80
            return .string(Methods.pad(value.pythonString, width: width, fill: " ", alignment: "center"))
        case "count", "length": return .int(try length(value))
        case "d", "default":
            let fallback = arguments.value(0, "default_value") ?? .string("")
            let boolean = arguments.value(1, "boolean")?.isTruthy ?? false
            return value.isUndefined || (boolean && !value.isTruthy) ? fallback : value
        case "dictsort": return try dictsort(value, arguments)
        case "e", "escape", "forceescape": return .markup(Filters.escapeHTML(value.pythonString))
        case "first":
            let first = try { if case .iterator(let iterator) = value { return iterator.next() } else { return try iterate(value).first } }()
            return first ?? .undefined(Undefined(hint: "No first item, sequence was empty."))
        case "last":
            if case .iterator(let iterator) = value, iterator.isOnePass {
                throw TemplateError(.type, "'\(value.typeName)' object is not reversible")
            }
            return try iterate(value).last ?? .undefined(Undefined(hint: "No last item, sequence was empty."))
        case "format":
            if !arguments.positional.isEmpty && !arguments.keywords.isEmpty {
                throw TemplateError(.type, "can't handle positional and keyword arguments at the same time")
            }
            var values = Dict()
            for keyword in arguments.keywords { values[keyword.name] = keyword.value }
            return .string(try StringFormatting.printf(value.pythonString, arguments.keywords.isEmpty ? .tuple(arguments.positional) : .dict(values)))
        case "float": return .float(Filters.toFloat(value) ?? Filters.floatDefault(arguments))
        case "indent": return try indent(value, arguments)
        case "int": return try toInt(value, arguments)
        case "items":
            switch value {
            case .undefined: return .generator([])
            case .dict(let dict): return .generator(dict.items.map { .tuple([$0.key, $0.value]) })
            default: throw TemplateError(.type, "Can only get item pairs from a mapping.")
            }
        case "join":
            var items = try iterate(value)
            if let attribute = arguments.value(1, "attribute"), !attribute.isNoneOrMissing {
                items = try items.map { try lookupPath($0, attribute) }
            }
            let separator = arguments.value(0, "d")?.pythonString ?? ""
            return .string(items.map(\.pythonString).joined(separator: separator))
        case "list": return .list(try iterate(value))
        case "lower": return .string(PythonText.lower(value.pythonString))
        case "upper": return .string(PythonText.upper(value.pythonString))
        case "map": return try map(value, arguments)
        case "max", "min": return try extreme(value, arguments, largest: name == "max")
        case "select", "reject": return try selectOrReject(value, arguments, keep: name == "select", byAttribute: false)
        case "selectattr", "rejectattr": return try selectOrReject(value, arguments, keep: name == "selectattr", byAttribute: true)
        case "replace":
            guard let old = arguments.value(0, "old"), let new = arguments.value(1, "new") else {
                throw TemplateError(.type, "replace needs the old and the new text")
            }
            let count = arguments.value(2, "count").flatMap { $0.isNoneOrMissing ? nil : Operators.integer($0) } ?? -1
            return .string(PythonText.replace(value.pythonString, old.pythonString, new.pythonString, count: count))
        case "reverse":
            if case .string(let text) = value { return .string(PythonText.string(text.unicodeScalars.reversed())) }
            return .iterator(IteratorValue(.reverseIterator, try iterate(value).reversed()))
        case "round": return try round(value, arguments)
        case "safe": return .markup(value.pythonString)
        case "string": return .string(value.pythonString)
        case "sort": return try sort(value, arguments)
        case "sum":
            var total = arguments.value(1, "start") ?? .int(0)
            let attribute = arguments.value(0, "attribute")
            for item in try iterate(value) {
                let term = try attribute.map { $0.isNoneOrMissing ? item : try lookupPath(item, $0) } ?? item
                total = try Operators.binary(.add, total, term)
            }
            return total
        case "title": return .string(Filters.title(value.pythonString))
        case "tojson": return try tojson(value, arguments)
        case "trim":
            let characters = arguments.value(0, "chars").flatMap { $0.isNoneOrMissing ? nil : $0.pythonString }
            return .string(PythonText.strip(value.pythonString, characters: characters))
        case "truncate": return try truncate(value, arguments)
        case "unique": return try unique(value, arguments)
        case "wordcount":
            var count = 0
            var inWord = false
            for scalar in value.pythonString.unicodeScalars {
                let isWord = scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
                if isWord && !inWord { count += 1 }
                inWord = isWord
            }
            return .int(count)
        default:
            if Filters.missing.contains(name) { throw TemplateError(.unsupported, "the '\(name)' filter is not supported") }
            throw TemplateError(.unsupported, "no filter named '\(name)'")
        }
    }

    // MARK: Attribute paths, as map(attribute=...), sort(attribute=...) and friends read them

    /// `make_attrgetter`: "a.b.0" looks up `a`, then `b`, then index 0, each with `[]` rules.
    func lookupPath(_ item: Value, _ path: Value, default fallback: Value? = nil) throws -> Value {
        var parts: [Value]
        switch path {
        case .string(let text):
            parts = text.split(separator: ".", omittingEmptySubsequences: false).map { part in
                Int(part).map(Value.int) ?? .string(String(part))
            }
        case .int: parts = [path]
        default: parts = [path]
        }
        var current = item
        for part in parts {
            current = try self.item(of: current, part)
            if let fallback, current.isUndefined { current = fallback }
        }
        return current
    }

    private func ignoringCase(_ value: Value, _ caseSensitive: Bool) -> Value {
        if !caseSensitive, case .string(let text) = value { return .string(PythonText.lower(text)) }
        return value
    }

    // MARK: Filters with more to them

    private func dictsort(_ value: Value, _ arguments: Arguments) throws -> Value {
        guard case .dict(let dict) = value else {
            throw TemplateError(.type, "dictsort needs a mapping, not \(value.typeName)")
        }
        let caseSensitive = arguments.value(0, "case_sensitive")?.isTruthy ?? false
        let by = arguments.value(1, "by")?.pythonString ?? "key"
        guard by == "key" || by == "value" else { throw TemplateError(.type, "You can only sort by either \"key\" or \"value\"") }
        let reverse = arguments.value(2, "reverse")?.isTruthy ?? false
        let pairs = dict.items
        let keys = pairs.map { ignoringCase(by == "key" ? $0.key : $0.value, caseSensitive) }
        let order = try Filters.stableOrder(keys, reverse: reverse)
        return .list(order.map { .tuple([pairs[$0].key, pairs[$0].value]) })
    }

    private func sort(_ value: Value, _ arguments: Arguments) throws -> Value {
        let items = try iterate(value)
        let reverse = arguments.value(0, "reverse")?.isTruthy ?? false
        let caseSensitive = arguments.value(1, "case_sensitive")?.isTruthy ?? false
        let attribute = arguments.value(2, "attribute")
        var keys: [Value]
        if let attribute, case .string(let text) = attribute, text.contains(",") {
            // Several attributes: sort by the tuple of them.
            let paths = text.split(separator: ",").map { Value.string(String($0)) }
            keys = try items.map { item in .tuple(try paths.map { ignoringCase(try lookupPath(item, $0), caseSensitive) }) }
        } else if let attribute, !attribute.isNoneOrMissing {
            keys = try items.map { ignoringCase(try lookupPath($0, attribute), caseSensitive) }
        } else {
            keys = items.map { ignoringCase($0, caseSensitive) }
        }
        return .list(try Filters.stableOrder(keys, reverse: reverse).map { items[$0] })
    }

    private func unique(_ value: Value, _ arguments: Arguments) throws -> Value {
        let caseSensitive = arguments.value(0, "case_sensitive")?.isTruthy ?? false
        let attribute = arguments.value(1, "attribute")
        var seen = Set<DictKey>()
        var result: [Value] = []
        for item in try iterate(value) {
            var key = item
            if let attribute, !attribute.isNoneOrMissing { key = try lookupPath(item, attribute) }
            if seen.insert(try DictKey(ignoringCase(key, caseSensitive))).inserted { result.append(item) }
        }
        return .generator(result)
    }

    private func extreme(_ value: Value, _ arguments: Arguments, largest: Bool) throws -> Value {
        let items = try iterate(value)
        guard var best = items.first else { return .undefined(Undefined(hint: "No aggregated item, sequence was empty.")) }
        let caseSensitive = arguments.value(0, "case_sensitive")?.isTruthy ?? false
        let attribute = arguments.value(1, "attribute")
        func key(_ item: Value) throws -> Value {
            var key = item
            if let attribute, !attribute.isNoneOrMissing { key = try lookupPath(item, attribute) }
            return ignoringCase(key, caseSensitive)
        }
        var bestKey = try key(best)
        for item in items.dropFirst() {
            let itemKey = try key(item)
            let comparison = try Operators.order(itemKey, bestKey, largest ? ">" : "<")
            if largest ? comparison > 0 : comparison < 0 {
                best = item
                bestKey = itemKey
            }
        }
        return best
    }

    private func map(_ value: Value, _ arguments: Arguments) throws -> Value {
        // Jinja's map, select and their kin skip a false value (None, undefined, empty) without
        // iterating it, and return generators.
        if !value.isTruthy { return .generator([]) }
        let items = try iterate(value)
        if arguments.positional.isEmpty, let attribute = arguments.value(0, "attribute") {
            let fallback = arguments.value(1, "default").flatMap { $0.isNoneOrMissing ? nil : $0 }
            return .generator(try items.map { try lookupPath($0, attribute, default: fallback) })
        }
        guard case .string(let filter)? = arguments.positional.first else {
            throw TemplateError(.type, "map requires a filter argument")
        }
        let rest = Arguments(Array(arguments.positional.dropFirst()), keywords: arguments.keywords)
        return .generator(try items.map { try applyFilter(filter, to: $0, rest) })
    }

    private func selectOrReject(_ value: Value, _ arguments: Arguments, keep: Bool, byAttribute: Bool) throws -> Value {
        var positional = arguments.positional[...]
        var attribute: Value? = nil
        if byAttribute {
            guard let first = positional.popFirst() else { throw TemplateError(.type, "Missing parameter for attribute name") }
            attribute = first
        }
        let testName = positional.popFirst()
        let rest = Arguments(Array(positional), keywords: arguments.keywords)
        if !value.isTruthy { return .generator([]) }
        var result: [Value] = []
        for item in try iterate(value) {
            let subject = try attribute.map { try lookupPath(item, $0) } ?? item
            let passed: Bool
            if case .string(let name)? = testName {
                passed = try applyTest(name, to: subject, rest)
            } else {
                passed = subject.isTruthy
            }
            if passed == keep { result.append(item) }
        }
        return .generator(result)
    }

    private func indent(_ value: Value, _ arguments: Arguments) throws -> Value {
        guard case .string(let text) = value else {
            throw TemplateError(.type, "indent needs a string, not \(value.typeName)")
        }
        let width = arguments.value(0, "width") ?? .int(4)
        let indentation: String
        if case .string(let text) = width { indentation = text } else { indentation = String(repeating: " ", count: max(0, Operators.integer(width) ?? 4)) }
        let first = arguments.value(1, "first")?.isTruthy ?? false
        let blank = arguments.value(2, "blank")?.isTruthy ?? false
        // Jinja appends a newline before splitting so a trailing newline survives.
        var lines = Methods.splitLines(text + "\n", keepEnds: false)
        var result: String
        if blank {
            result = lines.joined(separator: "\n" + indentation)
        } else {
            result = lines.isEmpty ? "" : lines.removeFirst()
            if !lines.isEmpty {
                result += "\n" + lines.map { $0.isEmpty ? $0 : indentation + $0 }.joined(separator: "\n")
            }
        }
        return .string(first ? indentation + result : result)
    }

    private func toInt(_ value: Value, _ arguments: Arguments) throws -> Value {
        let fallback = arguments.value(0, "default") ?? .int(0)
        let base = arguments.value(1, "base").flatMap(Operators.integer) ?? 10
        switch value {
        case .int: return value
        case .bool(let flag): return .int(flag ? 1 : 0)
        case .float(let number):
            if number.isNaN { return fallback }
            if number.isInfinite { throw TemplateError(.type, "cannot convert float infinity to integer") }
            guard let exact = Int(exactly: number.rounded(.towardZero)) else {
                throw TemplateError(.unsupported, "\(PythonFloat.repr(number)) as an integer does not fit in 64 bits")
            }
            return .int(exact)
        case .string(let text):
            var digits = PythonText.strip(text).replacingOccurrences(of: "_", with: "")
            var negative = false
            if digits.hasPrefix("-") || digits.hasPrefix("+") {
                negative = digits.hasPrefix("-")
                digits.removeFirst()
            }
            var radix = base
            let lowered = digits.lowercased()
            for (prefix, prefixRadix) in [("0x", 16), ("0o", 8), ("0b", 2)] where lowered.hasPrefix(prefix) && (base == prefixRadix || base == 0) {
                digits.removeFirst(2)
                radix = prefixRadix
            }
            if radix == 0 { radix = 10 }
            if !digits.isEmpty, let number = Int(digits, radix: radix) { return .int(negative ? -number : number) }
            // "42.23"|int is 42, as Jinja falls back to int(float(value)).
            if let number = Filters.toFloat(value), number.isFinite, let exact = Int(exactly: number.rounded(.towardZero)) { return .int(exact) }
            return fallback
        default:
            return fallback
        }
    }

    private func round(_ value: Value, _ arguments: Arguments) throws -> Value {
        let precision = arguments.value(0, "precision").flatMap(Operators.integer) ?? 0
        let method = arguments.value(1, "method")?.pythonString ?? "common"
        guard ["common", "ceil", "floor"].contains(method) else { throw TemplateError(.type, "method must be common, ceil or floor") }
        let number: Double
        switch value {
        case .int(let integer):
            if method == "common" { return value }
            number = Double(integer)
        case .bool(let flag):
            if method == "common" { return .int(flag ? 1 : 0) }
            number = flag ? 1 : 0
        case .float(let float): number = float
        default: throw TemplateError(.type, "type \(value.typeName) doesn't define __round__ method")
        }
        if method == "common" {
            // Python's round() rounds the exact binary value half to even; printf does the same.
            if precision == 0 { return .float(number.rounded(.toNearestOrEven)) }
            if precision > 0 { return .float(Double(String(format: "%.\(precision)f", number)) ?? number) }
            let scale = Foundation.pow(10.0, Double(-precision))
            return .float((number / scale).rounded(.toNearestOrEven) * scale)
        }
        let scale = Foundation.pow(10.0, Double(precision))
        return .float((number * scale).rounded(method == "ceil" ? .up : .down) / scale)
    }

    private func tojson(_ value: Value, _ arguments: Arguments) throws -> Value {
        try arguments.check("tojson", names: ["ensure_ascii", "indent", "separators", "sort_keys"])
        let ensureASCII = arguments.value(0, "ensure_ascii")?.isTruthy ?? false
        var indent: String? = nil
        switch arguments.value(1, "indent") {
        case .int(let count)?: indent = String(repeating: " ", count: max(0, count))
        case .string(let text)?: indent = text
        case nil, .none?: indent = nil
        case let other?: throw TemplateError(.type, "tojson's indent must be an int or a string, not \(other.typeName)")
        }
        var separators: (String, String)? = nil
        if let given = arguments.value(2, "separators"), !given.isNoneOrMissing {
            let parts = try iterate(given)
            guard parts.count == 2, case .string(let item) = parts[0], case .string(let key) = parts[1] else {
                throw TemplateError(.type, "tojson's separators must be two strings")
            }
            separators = (item, key)
        }
        let sortKeys = arguments.value(3, "sort_keys")?.isTruthy ?? false
        return .string(try JSONText(ensureASCII: ensureASCII, indent: indent, separators: separators, sortKeys: sortKeys).encode(value))
    }

    private func truncate(_ value: Value, _ arguments: Arguments) throws -> Value {
        let text = value.pythonString
        let length = arguments.value(0, "length").flatMap(Operators.integer) ?? 255
        let killWords = arguments.value(1, "killwords")?.isTruthy ?? false
        let end = arguments.value(2, "end")?.pythonString ?? "..."
        let leeway = arguments.value(3, "leeway").flatMap(Operators.integer) ?? 5
        let scalars = Array(text.unicodeScalars)
        let endCount = end.unicodeScalars.count
        guard length >= endCount else { throw TemplateError(.type, "expected length >= \(endCount), got \(length)") }
        if scalars.count <= length + leeway { return .string(text) }
        let kept = PythonText.string(scalars.prefix(length - endCount))
        if killWords { return .string(kept + end) }
        return .string((PythonText.split(kept, separator: " ", maxSplits: 1, fromEnd: true).first ?? kept) + end)
    }
}

extension Filters {
    /// Indices of `keys` in sorted order; stable (equal keys keep their order, also reversed),
    /// with Python's comparison rules, which can refuse (`1 < 'a'`).
    static func stableOrder(_ keys: [Value], reverse: Bool) throws -> [Int] {
        var order = Array(keys.indices)
        var buffer = order
        var width = 1
        while width < order.count {
            var start = 0
            while start < order.count {
                let middle = min(start + width, order.count)
                let end = min(start + 2 * width, order.count)
                var left = start
                var right = middle
                var output = start
                while left < middle && right < end {
                    let comparison = try Operators.order(keys[order[right]], keys[order[left]], "<")
                    // Take from the right only when it strictly precedes the left.
                    if reverse ? comparison > 0 : comparison < 0 {
                        buffer[output] = order[right]
                        right += 1
                    } else {
                        buffer[output] = order[left]
                        left += 1
                    }
                    output += 1
                }
                while left < middle { buffer[output] = order[left]; left += 1; output += 1 }
                while right < end { buffer[output] = order[right]; right += 1; output += 1 }
                start = end
            }
            swap(&order, &buffer)
            width *= 2
        }
        return order
    }

    /// HTML escaping as markupsafe does it.
    static func escapeHTML(_ text: String) -> String { HTMLEscape.markupSafe(text) }

    /// Jinja's `title` filter (not `str.title`): each word, after a run of spaces, `-`, `(`,
    /// `{`, `[` or `<`, starts upper case and continues lower case.
    static func title(_ text: String) -> String {
        var output = ""
        var atWordStart = true
        for scalar in text.unicodeScalars {
            let separator = PythonText.isWhitespace(scalar) || "-({[<".unicodeScalars.contains(scalar)
            if separator {
                output.unicodeScalars.append(scalar)
                atWordStart = true
            } else if atWordStart {
                output += scalar.properties.uppercaseMapping
                atWordStart = false
            } else {
                output += scalar.properties.lowercaseMapping
            }
        }
        return output
    }

    /// Python's `float(value)` for the `float` filter, or nil where Python raises.
    static func toFloat(_ value: Value) -> Double? {
        switch value {
        case .int(let number): return Double(number)
        case .bool(let flag): return flag ? 1 : 0
        case .float(let number): return number
        case .string(let text):
            let trimmed = PythonText.strip(text).replacingOccurrences(of: "_", with: "").lowercased()
            switch trimmed {
            case "inf", "+inf", "infinity", "+infinity": return .infinity
            case "-inf", "-infinity": return -.infinity
            case "nan", "+nan", "-nan": return .nan
            default:
                guard !trimmed.isEmpty, trimmed.allSatisfy({ "0123456789+-.e".contains($0) }) else { return nil }
                return Double(trimmed)
            }
        default: return nil
        }
    }

    static func floatDefault(_ arguments: Arguments) -> Double {
        guard let fallback = arguments.value(0, "default") else { return 0 }
        return toFloat(fallback) ?? 0
    }
}
