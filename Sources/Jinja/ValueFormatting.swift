// How values print: `{{ x }}` writes Python's `str(x)`, and containers show their elements with
// `repr()`, so `{{ ['a', 1.0, None] }}` is `['a', 1.0, None]` exactly as in transformers.

extension Value {
    /// Python's `str()` of this value, what `{{ value }}` writes. Undefined prints as "".
    public var pythonString: String {
        switch self {
        case .undefined: return ""
        case .string(let text), .markup(let text): return text
        default: return pythonRepr
        }
    }

    /// Python's `repr()` of this value.
    public var pythonRepr: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "None"
        case .bool(let value): return value ? "True" : "False"
        case .int(let value): return String(value)
        case .float(let value): return PythonFloat.repr(value)
        case .string(let text): return PythonText.repr(text)
        case .markup(let text): return "Markup(" + PythonText.repr(text) + ")"
        case .list(let items): return "[" + items.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .tuple(let items):
            return items.count == 1 ? "(" + items[0].pythonRepr + ",)" : "(" + items.map(\.pythonRepr).joined(separator: ", ") + ")"
        case .dict(let dict): return Value.reprOf(dict)
        case .iterator(let iterator): return iterator.printed
        case .namespace(let namespace): return "<Namespace " + Value.reprOf(namespace.attributes) + ">"
        case .object(let object): return object.printed
        case .callable(let callable): return "<function \(callable.name)>"
        }
    }

    static func reprOf(_ dict: Dict) -> String {
        "{" + dict.items.map { $0.key.pythonRepr + ": " + $0.value.pythonRepr }.joined(separator: ", ") + "}"
    }
}

/// Python's shortest round-trip float text (`repr(float)`), which `str`, `~` and `tojson` use.
enum PythonFloat {
    /// `1.0`, `0.1`, `1e-05`, `1e+16`, `1234.5`, `inf`, `nan`: fixed notation while the decimal
    /// exponent is in [-4, 16), scientific otherwise, as CPython's `float_repr_style = 'short'`.
    static func repr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let (negative, digits, pointPosition) = shortestDigits(value)
        let sign = negative ? "-" : ""
        if digits == "0" { return sign + "0.0" }
        if pointPosition > -4 && pointPosition <= 16 {
            if pointPosition <= 0 { return sign + "0." + String(repeating: "0", count: -pointPosition) + digits }
            if pointPosition < digits.count {
                let index = digits.index(digits.startIndex, offsetBy: pointPosition)
                return sign + digits[..<index] + "." + digits[index...]
            }
            return sign + digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
        }
        let exponent = pointPosition - 1
        var mantissa = String(digits.prefix(1))
        if digits.count > 1 { mantissa += "." + digits.dropFirst() }
        let exponentText = String(abs(exponent))
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (exponentText.count < 2 ? "0" : "") + exponentText
    }

    /// The shortest digits that read back as `value` (Swift's `description` finds them), with
    /// the position of the decimal point: value = 0.digits × 10^pointPosition.
    static func shortestDigits(_ value: Double) -> (negative: Bool, digits: String, pointPosition: Int) {
        var text = value.description
        let negative = text.hasPrefix("-")
        if negative { text.removeFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        var digits = text
        var pointPosition = text.count
        if let point = text.firstIndex(of: ".") {
            pointPosition = text.distance(from: text.startIndex, to: point)
            digits.remove(at: point)
        }
        pointPosition += exponent
        while digits.count > 1 && digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.count > 1 && digits.last == "0" { digits.removeLast() }
        return (negative, digits, pointPosition)
    }
}
