// Jinja's tests, the `x is name(args)` predicates: defined, undefined, none, boolean, true,
// false, integer, float, number, string, mapping, sequence, iterable, callable, odd, even,
// divisibleby, lower, upper, in, sameas, escaped, filter, test, and the comparisons
// eq/equalto/==, ne/!=, lt/lessthan/<, le/<=, gt/greaterthan/>, ge/>=.

enum IsTests {
    static let names: Set<String> = [
        "defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number", "string", "mapping",
        "sequence", "iterable", "callable", "odd", "even", "divisibleby", "lower", "upper", "in", "sameas", "escaped",
        "filter", "test", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">",
        "ge", ">=",
    ]

    /// `str.islower()` / `str.isupper()`: at least one cased character, and no cased character
    /// of the other case.
    static func hasCase(_ text: String, upper: Bool) -> Bool {
        var sawCased = false
        for scalar in text.unicodeScalars where PythonText.isCased(scalar) {
            if upper ? scalar.properties.isLowercase || scalar.properties.generalCategory == .titlecaseLetter
                     : scalar.properties.isUppercase || scalar.properties.generalCategory == .titlecaseLetter {
                return false
            }
            sawCased = true
        }
        return sawCased
    }
}

extension Interpreter {
    func applyTest(_ name: String, to value: Value, _ arguments: Arguments) throws -> Bool {
        guard IsTests.names.contains(name) else {
            throw TemplateError(.unsupported, "no test named '\(name)'")
        }
        let argument = arguments.positional.first
        func required() throws -> Value {
            guard let argument else { throw TemplateError(.type, "the '\(name)' test needs an argument") }
            return argument
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": if case .none = value { return true } else { return false }
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .float = value { return true } else { return false }
        case "number":
            switch value {
            case .int, .float, .bool: return true
            default: return false
            }
        case "string":
            switch value {
            case .string, .markup: return true
            default: return false
            }
        case "mapping": if case .dict = value { return true } else { return false }
        case "sequence":
            switch value {
            case .string, .markup, .list, .tuple, .dict, .undefined: return true
            case .iterator(let iterator): if case .range = iterator.kind { return true } else { return false }
            default: return false
            }
        case "iterable":
            switch value {
            case .string, .markup, .list, .tuple, .dict, .iterator, .undefined: return true
            default: return false
            }
        case "callable":
            switch value {
            case .callable, .undefined: return true
            default: return false
            }
        // Python's `value % 2 == 1` and friends, so floats and strings behave as there.
        case "odd": return Operators.equal(try Operators.binary(.modulo, value, .int(2)), .int(1))
        case "even": return Operators.equal(try Operators.binary(.modulo, value, .int(2)), .int(0))
        case "divisibleby": return Operators.equal(try Operators.binary(.modulo, value, try required()), .int(0))
        case "lower", "upper": return IsTests.hasCase(value.pythonString, upper: name == "upper")
        case "in": return try Operators.contains(try required(), value)
        case "sameas":
            let other = try required()
            switch (value, other) {
            case (.none, .none): return true
            case (.bool(let a), .bool(let b)): return a == b
            case (.namespace(let a), .namespace(let b)): return a === b
            default: return false
            }
        case "escaped": if case .markup = value { return true } else { return false }
        case "filter": if case .string(let filter) = value { return Filters.names.contains(filter) } else { return false }
        case "test": if case .string(let test) = value { return IsTests.names.contains(test) } else { return false }
        case "eq", "equalto", "==": return Operators.equal(value, try required())
        case "ne", "!=": return !Operators.equal(value, try required())
        case "lt", "lessthan", "<": return try Operators.compare(.less, value, try required())
        case "le", "<=": return try Operators.compare(.lessOrEqual, value, try required())
        case "gt", "greaterthan", ">": return try Operators.compare(.greater, value, try required())
        case "ge", ">=": return try Operators.compare(.greaterOrEqual, value, try required())
        default: throw TemplateError(.unsupported, "no test named '\(name)'")
        }
    }
}
