// Python's operators on template values: arithmetic (`/` is always float division, `//` and `%`
// floor toward negative infinity), `+` on strings and lists, `*` repetition, comparison chains,
// `in`, and equality across numeric types (`1 == 1.0 == True`). Undefined operands are errors,
// as with Jinja's default Undefined.

import Foundation

enum Operators {
    /// A number as Python sees it in arithmetic: bools are the integers 0 and 1.
    private enum Number {
        case int(Int)
        case float(Double)

        init?(_ value: Value) {
            switch value {
            case .bool(let flag): self = .int(flag ? 1 : 0)
            case .int(let number): self = .int(number)
            case .float(let number): self = .float(number)
            default: return nil
            }
        }

        var double: Double {
            switch self {
            case .int(let number): return Double(number)
            case .float(let number): return number
            }
        }
    }

    /// An integer index or count: ints and bools.
    static func integer(_ value: Value) -> Int? {
        switch value {
        case .int(let number): return number
        case .bool(let flag): return flag ? 1 : 0
        default: return nil
        }
    }

    private static func refuseUndefined(_ values: Value...) throws {
        for case .undefined(let undefined) in values { throw TemplateError(.undefined, undefined.hint) }
    }

    private static func unsupported(_ symbol: String, _ left: Value, _ right: Value) -> TemplateError {
        TemplateError(.type, "unsupported operand type(s) for \(symbol): '\(left.typeName)' and '\(right.typeName)'")
    }

    private static func overflow(_ symbol: String) -> TemplateError {
        TemplateError(.unsupported, "integer result of '\(symbol)' does not fit in 64 bits")
    }

    static func binary(_ operation: BinaryOperator, _ markedLeft: Value, _ markedRight: Value) throws -> Value {
        // `text % values` formats; Undefined on the right reads as an empty mapping.
        if operation == .modulo, case .string(let template) = markedLeft.unmarked { return .string(try StringFormatting.printf(template, markedRight)) }
        try refuseUndefined(markedLeft, markedRight)
        // Markup escapes the plain text joined to it, on either side.
        switch (operation, markedLeft, markedRight) {
        case (.add, .markup(let a), .markup(let b)): return .markup(a + b)
        case (.add, .markup(let a), .string(let b)): return .markup(a + Filters.escapeHTML(b))
        case (.add, .string(let a), .markup(let b)): return .markup(Filters.escapeHTML(a) + b)
        case (.multiply, .markup(let text), _):
            if let count = integer(markedRight) { return .markup(String(repeating: text, count: max(0, count))) }
        default: break
        }
        let left = markedLeft.unmarked
        let right = markedRight.unmarked
        let symbol = operation.rawValue
        switch operation {
        case .add:
            switch (left, right) {
            case (.string(let a), .string(let b)): return .string(a + b)
            case (.list(let a), .list(let b)): return .list(a + b)
            case (.tuple(let a), .tuple(let b)): return .tuple(a + b)
            case (.string, _): throw TemplateError(.type, "can only concatenate str (not \"\(right.typeName)\") to str")
            case (.list, _): throw TemplateError(.type, "can only concatenate list (not \"\(right.typeName)\") to list")
            default: break
            }
        case .multiply:
            if case .string(let text) = left, let count = integer(right) { return .string(String(repeating: text, count: max(0, count))) }
            if case .string(let text) = right, let count = integer(left) { return .string(String(repeating: text, count: max(0, count))) }
            if case .list(let items) = left, let count = integer(right) { return .list(repeated(items, count)) }
            if case .list(let items) = right, let count = integer(left) { return .list(repeated(items, count)) }
            if case .tuple(let items) = left, let count = integer(right) { return .tuple(repeated(items, count)) }
            if case .tuple(let items) = right, let count = integer(left) { return .tuple(repeated(items, count)) }
        default:
            break
        }
        guard let a = Number(left), let b = Number(right) else { throw unsupported(symbol, left, right) }
        switch (operation, a, b) {
        case (.add, .int(let x), .int(let y)):
            let (sum, overflowed) = x.addingReportingOverflow(y)
            if overflowed { throw overflow(symbol) }
            return .int(sum)
        case (.subtract, .int(let x), .int(let y)):
            let (difference, overflowed) = x.subtractingReportingOverflow(y)
            if overflowed { throw overflow(symbol) }
            return .int(difference)
        case (.multiply, .int(let x), .int(let y)):
            let (product, overflowed) = x.multipliedReportingOverflow(by: y)
            if overflowed { throw overflow(symbol) }
            return .int(product)
        case (.add, _, _): return .float(a.double + b.double)
        case (.subtract, _, _): return .float(a.double - b.double)
        case (.multiply, _, _): return .float(a.double * b.double)
        case (.divide, _, _):
            guard b.double != 0 else { throw TemplateError(.type, "division by zero") }
            return .float(a.double / b.double)
        case (.floorDivide, .int(let x), .int(let y)):
            guard y != 0 else { throw TemplateError(.type, "integer division or modulo by zero") }
            let quotient = x / y
            return .int((x % y != 0 && (x < 0) != (y < 0)) ? quotient - 1 : quotient)
        case (.floorDivide, _, _):
            guard b.double != 0 else { throw TemplateError(.type, "float floor division by zero") }
            return .float(floatFloorDivide(a.double, b.double))
        case (.modulo, .int(let x), .int(let y)):
            guard y != 0 else { throw TemplateError(.type, "integer division or modulo by zero") }
            let remainder = x % y
            return .int(remainder != 0 && (remainder < 0) != (y < 0) ? remainder + y : remainder)
        case (.modulo, _, _):
            guard b.double != 0 else { throw TemplateError(.type, "float modulo") }
            var remainder = fmod(a.double, b.double)
            if remainder != 0 {
                if (b.double < 0) != (remainder < 0) { remainder += b.double }
            } else {
                remainder = copysign(0.0, b.double)
            }
            return .float(remainder)
        case (.power, .int(let x), .int(let y)) where y >= 0:
            var result = 1
            for _ in 0..<y {
                let (product, overflowed) = result.multipliedReportingOverflow(by: x)
                if overflowed { throw overflow(symbol) }
                result = product
            }
            return .int(result)
        case (.power, _, _):
            if a.double == 0 && b.double < 0 { throw TemplateError(.type, "0.0 cannot be raised to a negative power") }
            return .float(Foundation.pow(a.double, b.double))
        }
    }

    private static func repeated(_ items: [Value], _ count: Int) -> [Value] {
        count <= 0 ? [] : Array([[Value]](repeating: items, count: count).joined())
    }

    /// CPython's `float_floor_div`: from `fmod`, so `1 // 0.1` is 9.0 as in Python.
    private static func floatFloorDivide(_ x: Double, _ y: Double) -> Double {
        var remainder = fmod(x, y)
        var quotient = (x - remainder) / y
        if remainder != 0 && (y < 0) != (remainder < 0) {
            remainder += y
            quotient -= 1
        }
        guard quotient != 0 else { return copysign(0.0, x / y) }
        var floored = quotient.rounded(.down)
        if quotient - floored > 0.5 { floored += 1 }
        return floored
    }

    static func negate(_ value: Value) throws -> Value {
        try refuseUndefined(value)
        switch value {
        case .int(let number):
            guard number != Int.min else { throw overflow("-") }
            return .int(-number)
        case .bool(let flag): return .int(flag ? -1 : 0)
        case .float(let number): return .float(-number)
        default: throw TemplateError(.type, "bad operand type for unary -: '\(value.typeName)'")
        }
    }

    static func plus(_ value: Value) throws -> Value {
        try refuseUndefined(value)
        switch value {
        case .int, .float: return value
        case .bool(let flag): return .int(flag ? 1 : 0)
        default: throw TemplateError(.type, "bad operand type for unary +: '\(value.typeName)'")
        }
    }

    // MARK: Comparison

    static func compare(_ operation: ComparisonOperator, _ left: Value, _ right: Value) throws -> Bool {
        switch operation {
        case .equal: return equal(left, right)
        case .notEqual: return !equal(left, right)
        case .contains: return try contains(right, left)
        case .notContains: return !(try contains(right, left))
        case .less: return try order(left, right, "<") < 0
        case .lessOrEqual: return try order(left, right, "<=") <= 0
        case .greater: return try order(left, right, ">") > 0
        case .greaterOrEqual: return try order(left, right, ">=") >= 0
        }
    }

    /// Python's `==`: numbers by value across int, float and bool; containers element-wise;
    /// dicts regardless of order; undefined equals only undefined.
    static func equal(_ markedLeft: Value, _ markedRight: Value) -> Bool {
        let left = markedLeft.unmarked
        let right = markedRight.unmarked
        if let a = Number(left), let b = Number(right) {
            if case .int(let x) = a, case .int(let y) = b { return x == y }
            return a.double == b.double
        }
        switch (left, right) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let a), .string(let b)): return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case (.dict(let a), .dict(let b)):
            guard a.count == b.count else { return false }
            return a.items.allSatisfy { pair in b.value(for: pair.key).map { equal(pair.value, $0) } ?? false }
        case (.namespace(let a), .namespace(let b)): return a === b
        case (.iterator(let a), .iterator(let b)):
            if case .range = a.kind, case .range = b.kind { return a.items.count == b.items.count && zip(a.items, b.items).allSatisfy { equal($0, $1) } }
            return a === b
        default: return false
        }
    }

    /// -1, 0 or 1 for Python's ordering of numbers, strings (by code point) and lists/tuples
    /// (element by element); other pairs cannot be ordered.
    static func order(_ markedLeft: Value, _ markedRight: Value, _ symbol: String) throws -> Int {
        let left = markedLeft.unmarked
        let right = markedRight.unmarked
        try refuseUndefined(left, right)
        if let a = Number(left), let b = Number(right) {
            if case .int(let x) = a, case .int(let y) = b { return x < y ? -1 : x > y ? 1 : 0 }
            return a.double < b.double ? -1 : a.double > b.double ? 1 : 0
        }
        switch (left, right) {
        case (.string(let a), .string(let b)):
            if a.unicodeScalars.elementsEqual(b.unicodeScalars) { return 0 }
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value } ? -1 : 1
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)):
            for (x, y) in zip(a, b) where !equal(x, y) { return try order(x, y, symbol) }
            return a.count < b.count ? -1 : a.count > b.count ? 1 : 0
        default:
            throw TemplateError(.type, "'\(symbol)' not supported between instances of '\(left.typeName)' and '\(right.typeName)'")
        }
    }

    /// Python's `item in container`.
    static func contains(_ markedContainer: Value, _ markedItem: Value) throws -> Bool {
        let container = markedContainer.unmarked
        let item = markedItem.unmarked
        switch container {
        case .string(let text):
            guard case .string(let part) = item else {
                throw TemplateError(.type, "'in <string>' requires string as left operand, not \(item.typeName)")
            }
            return part.isEmpty || !PythonText.occurrences(of: Array(part.unicodeScalars), in: Array(text.unicodeScalars)).isEmpty
        case .list(let items), .tuple(let items):
            return items.contains { equal($0, item) }
        case .dict(let dict):
            if item.isUndefined { return false }
            _ = try DictKey(item)
            return dict.value(for: item) != nil
        case .undefined:
            return false
        case .iterator(let iterator):
            return iterator.iterate().contains { equal($0, item) }
        case .namespace(let namespace):
            if case .string(let name) = item { return namespace.get(name) != nil }
            return false
        default:
            throw TemplateError(.type, "argument of type '\(container.typeName)' is not iterable")
        }
    }
}
