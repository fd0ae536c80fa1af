// The syntax tree the parser builds and the interpreter walks: statements (text, output, if, for,
// set, macro, ...) and expressions. Every node keeps where it starts in the template so errors at
// render time can name the line.

/// An expression, with the place in the template where it starts.
struct Expression: Sendable {
    indirect enum Kind: Sendable {
        case literal(Value)
        case name(String)
        case list([Expression])
        case tuple([Expression])
        case dict([(key: Expression, value: Expression)])
        /// `object.name`
        case attribute(Expression, String)
        /// `object[key]`
        case item(Expression, Expression)
        /// `object[start:stop:step]`, each part optional. `constant` when Jinja's optimizer can
        /// evaluate the whole slice at compile time, where a failing slice becomes undefined
        /// instead of an error.
        case slice(Expression, start: Expression?, stop: Expression?, step: Expression?, constant: Bool)
        case call(Expression, [Argument])
        /// `value | name(arguments)`
        case filter(Expression, name: String, [Argument])
        /// `value is name(arguments)`; `is not` is a `not` around it.
        case test(Expression, name: String, [Argument])
        case not(Expression)
        case negate(Expression)
        case plus(Expression)
        case binary(BinaryOperator, Expression, Expression)
        /// `a and b`, `a or b`: short-circuit, the deciding operand is the value (Python).
        case and(Expression, Expression)
        case or(Expression, Expression)
        /// A comparison chain `a < b <= c`, as in Python.
        case compare(Expression, [(ComparisonOperator, Expression)])
        /// `a ~ b ~ c`: the operands' text joined.
        case concat([Expression])
        /// `then if condition else otherwise`; without `else` an undefined value.
        case conditional(condition: Expression, then: Expression, otherwise: Expression?)
    }

    var kind: Kind
    var location: SourceLocation

    /// Filters Jinja cannot fold at compile time (they need the render context).
    private static let contextFilters: Set<String> = ["map", "select", "reject", "selectattr", "rejectattr", "random"]

    /// Whether Jinja's optimizer could compute this expression while compiling: no variables,
    /// no calls, nothing that needs the render context.
    var isConstant: Bool {
        switch kind {
        case .literal: return true
        case .name, .call: return false
        case .list(let items), .tuple(let items), .concat(let items): return items.allSatisfy(\.isConstant)
        case .dict(let pairs): return pairs.allSatisfy { $0.key.isConstant && $0.value.isConstant }
        case .attribute(let object, _), .not(let object), .negate(let object), .plus(let object): return object.isConstant
        case .item(let object, let key): return object.isConstant && key.isConstant
        case .slice(let object, let start, let stop, let step, _):
            return object.isConstant && [start, stop, step].allSatisfy { $0?.isConstant ?? true }
        case .filter(let object, let name, let arguments):
            return !Expression.contextFilters.contains(name) && object.isConstant && arguments.allSatisfy { $0.value.isConstant }
        case .test(let object, _, let arguments): return object.isConstant && arguments.allSatisfy { $0.value.isConstant }
        case .binary(_, let left, let right), .and(let left, let right), .or(let left, let right):
            return left.isConstant && right.isConstant
        case .compare(let first, let operations): return first.isConstant && operations.allSatisfy { $0.1.isConstant }
        case .conditional(let condition, let then, let otherwise):
            return condition.isConstant && then.isConstant && (otherwise?.isConstant ?? true)
        }
    }
}

/// An argument of a call, filter or test: positional, `name=value`, or unpacked from a
/// sequence (`*items`) or a dict (`**options`).
struct Argument: Sendable {
    enum Kind: Sendable, Equatable {
        case positional
        case keyword(String)
        case unpackedSequence
        case unpackedDict
    }

    var kind: Kind
    var value: Expression
}

enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%", power = "**"
}

enum ComparisonOperator: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case contains = "in", notContains = "not in"
}

/// What `set` and `for` assign to: a name, a namespace attribute (`ns.count`), or a tuple of
/// targets to unpack into.
indirect enum AssignTarget: Sendable {
    case name(String)
    case attribute(namespace: String, attribute: String)
    case tuple([AssignTarget])
}

/// A macro's parameter with its default value, if any.
struct Parameter: Sendable {
    var name: String
    var defaultValue: Expression?
}

/// One filter in a chain such as `{% filter upper | trim %}` or `{% set x | trim %}`.
struct FilterCall: Sendable {
    var name: String
    var arguments: [Argument]
    var location: SourceLocation
}

/// A statement, with the place in the template where it starts.
struct Statement: Sendable {
    indirect enum Kind: Sendable {
        case text(String)
        /// `{{ expression }}`
        case output(Expression)
        case ifStatement(branches: [(condition: Expression, body: [Statement])], otherwise: [Statement])
        case forLoop(target: AssignTarget, iterable: Expression, condition: Expression?, body: [Statement], otherwise: [Statement])
        case set(target: AssignTarget, value: Expression)
        /// `{% set name %}...{% endset %}`, optionally through filters.
        case setBlock(target: AssignTarget, filters: [FilterCall], body: [Statement])
        case macro(name: String, parameters: [Parameter], body: [Statement])
        /// `{% call(parameters) macro(arguments) %}body{% endcall %}`: the body is `caller()`.
        case callBlock(call: Expression, parameters: [Parameter], body: [Statement])
        case filterBlock(filters: [FilterCall], body: [Statement])
        /// `{% with a = 1 %}...{% endwith %}`: assignments visible only inside.
        case with(assignments: [(target: AssignTarget, value: Expression)], body: [Statement])
        /// transformers' `{% generation %}` marks assistant text; it renders its body unchanged.
        case generation([Statement])
        case breakLoop
        case continueLoop
    }

    var kind: Kind
    var location: SourceLocation
}
