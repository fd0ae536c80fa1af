// Walks the syntax tree and writes the output, with Jinja2's semantics as transformers runs it
// (an `ImmutableSandboxedEnvironment` with the default `Undefined`): Python truthiness and
// printing, `.name` tries an attribute (method) then a key while `[key]` tries the key first,
// a missing key or index is undefined rather than an error, and mutating methods
// (`list.append`) are refused as the sandbox refuses them.

/// How a statement list ended: normally, or by `break`/`continue` inside a loop.
enum ControlFlow {
    case normal, breakLoop, continueLoop
}

/// One render of a template. Not shared between threads; a new one is made for each render.
final class Interpreter {
    let environment: Environment
    private var macroDepth = 0
    /// Deeper macro recursion than this is refused before the stack runs out.
    private static let maximumMacroDepth = 200

    init(environment: Environment) {
        self.environment = environment
    }

    // MARK: Statements

    func execute(_ statements: [Statement], in scope: Scope, into output: inout String) throws -> ControlFlow {
        for statement in statements {
            let flow = try execute(statement, in: scope, into: &output)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func execute(_ statement: Statement, in scope: Scope, into output: inout String) throws -> ControlFlow {
        do {
            switch statement.kind {
            case .text(let text):
                output += text
            case .output(let expression):
                output += try evaluate(expression, in: scope).pythonString
            case .ifStatement(let branches, let otherwise):
                for branch in branches where try evaluate(branch.condition, in: scope).isTruthy {
                    return try execute(branch.body, in: scope, into: &output)
                }
                return try execute(otherwise, in: scope, into: &output)
            case .forLoop(let target, let iterable, let condition, let body, let otherwise):
                return try executeFor(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise, in: scope, into: &output)
            case .set(let target, let value):
                try assign(try evaluate(value, in: scope), to: target, in: scope, at: statement.location)
            case .setBlock(let target, let filters, let body):
                var text = ""
                _ = try execute(body, in: Scope(parent: scope), into: &text)
                try assign(try applyFilters(filters, to: .string(text), in: scope), to: target, in: scope, at: statement.location)
            case .macro(let name, let parameters, let body):
                let macro = Macro(name: name, parameters: parameters, body: body, scope: scope)
                scope.set(name, .callable(Callable(name: name, implementation: .macro(macro))))
            case .callBlock(let call, let parameters, let body):
                guard case .call(let calleeExpression, let argumentExpressions) = call.kind else {
                    throw TemplateError(.syntax, "expected a call after 'call'")
                }
                let callee = try evaluate(calleeExpression, in: scope)
                var arguments = try evaluateArguments(argumentExpressions, in: scope)
                let caller = Macro(name: "caller", parameters: parameters, body: body, scope: scope)
                arguments.keywords.append((name: "caller", value: .callable(Callable(name: "caller", implementation: .macro(caller)))))
                output += try self.call(callee, arguments, at: call.location).pythonString
            case .filterBlock(let filters, let body):
                var text = ""
                _ = try execute(body, in: Scope(parent: scope), into: &text)
                output += try applyFilters(filters, to: .string(text), in: scope).pythonString
            case .with(let assignments, let body):
                let inner = Scope(parent: scope)
                for assignment in assignments {
                    try assign(try evaluate(assignment.value, in: scope), to: assignment.target, in: inner, at: statement.location)
                }
                return try execute(body, in: inner, into: &output)
            case .generation(let body):
                return try execute(body, in: Scope(parent: scope), into: &output)
            case .breakLoop:
                return .breakLoop
            case .continueLoop:
                return .continueLoop
            }
            return .normal
        } catch let error as TemplateError {
            throw error.located(at: statement.location)
        }
    }

    private func executeFor(target: AssignTarget, iterable: Expression, condition: Expression?, body: [Statement],
                            otherwise: [Statement], in scope: Scope, into output: inout String) throws -> ControlFlow {
        var items = try iterate(try evaluate(iterable, in: scope))
        if let condition {
            items = try items.filter { item in
                let test = Scope(parent: scope)
                try assign(item, to: target, in: test, at: condition.location)
                return try evaluate(condition, in: test).isTruthy
            }
        }
        // Jinja runs `else` unless some iteration reached the end of the body: it clears its flag
        // there, so a loop whose every pass ends in `continue` or `break` runs `else` too.
        var completedAPass = false
        for (index, item) in items.enumerated() {
            let iteration = Scope(parent: scope)
            try assign(item, to: target, in: iteration, at: iterable.location)
            iteration.set("loop", loopObject(index: index, items: items))
            let flow = try execute(body, in: iteration, into: &output)
            if flow == .normal { completedAPass = true }
            if flow == .breakLoop { break }
        }
        return completedAPass ? .normal : try execute(otherwise, in: scope, into: &output)
    }

    /// Jinja's `loop`: index, index0, revindex, revindex0, first, last, length, previtem,
    /// nextitem, depth, depth0 and `cycle(...)`.
    private func loopObject(index: Int, items: [Value]) -> Value {
        let count = items.count
        let cycle = Callable(name: "cycle") { arguments in
            guard !arguments.positional.isEmpty else { throw TemplateError(.type, "no items for cycling given") }
            return arguments.positional[index % arguments.positional.count]
        }
        let attributes: [String: Value] = [
            "index": .int(index + 1), "index0": .int(index),
            "revindex": .int(count - index), "revindex0": .int(count - index - 1),
            "first": .bool(index == 0), "last": .bool(index == count - 1), "length": .int(count),
            "previtem": index > 0 ? items[index - 1] : .undefined(Undefined(hint: "there is no previous item")),
            "nextitem": index + 1 < count ? items[index + 1] : .undefined(Undefined(hint: "there is no next item")),
            "depth": .int(1), "depth0": .int(0),
            "cycle": .callable(cycle),
        ]
        return .object(TemplateObject(typeName: "LoopContext", attributes: attributes, printed: "<LoopContext \(index + 1)/\(count)>"))
    }

    private func assign(_ value: Value, to target: AssignTarget, in scope: Scope, at location: SourceLocation) throws {
        switch target {
        case .name(let name):
            scope.set(name, value)
        case .attribute(let namespaceName, let attribute):
            guard case .namespace(let namespace) = scope.lookup(namespaceName) ?? .undefined(named: namespaceName) else {
                throw TemplateError(.type, "cannot assign attribute on non-namespace object '\(namespaceName)'", at: location)
            }
            namespace.set(attribute, value)
        case .tuple(let targets):
            let items = try iterate(value)
            guard items.count == targets.count else {
                throw TemplateError(.type, items.count < targets.count
                    ? "not enough values to unpack (expected \(targets.count), got \(items.count))"
                    : "too many values to unpack (expected \(targets.count))", at: location)
            }
            for (item, inner) in zip(items, targets) { try assign(item, to: inner, in: scope, at: location) }
        }
    }

    private func applyFilters(_ filters: [FilterCall], to value: Value, in scope: Scope) throws -> Value {
        var result = value
        for filter in filters {
            let arguments = try evaluateArguments(filter.arguments, in: scope)
            do {
                result = try applyFilter(filter.name, to: result, arguments)
            } catch let error as TemplateError {
                throw error.located(at: filter.location)
            }
        }
        return result
    }

    // MARK: Expressions

    func evaluate(_ expression: Expression, in scope: Scope) throws -> Value {
        do {
            return try evaluateKind(expression, in: scope)
        } catch let error as TemplateError {
            throw error.located(at: expression.location)
        }
    }

    private func evaluateKind(_ expression: Expression, in scope: Scope) throws -> Value {
        switch expression.kind {
        case .literal(let value):
            return value
        case .name(let name):
            return scope.lookup(name) ?? .undefined(named: name)
        case .list(let items):
            return .list(try items.map { try evaluate($0, in: scope) })
        case .tuple(let items):
            return .tuple(try items.map { try evaluate($0, in: scope) })
        case .dict(let pairs):
            var dict = Dict()
            for pair in pairs {
                try dict.set(try evaluate(pair.value, in: scope), for: try evaluate(pair.key, in: scope))
            }
            return .dict(dict)
        case .attribute(let object, let name):
            return try attribute(of: try evaluate(object, in: scope), name)
        case .item(let object, let key):
            return try item(of: try evaluate(object, in: scope), try evaluate(key, in: scope))
        case .slice(let object, let start, let stop, let step, let constant):
            let value = try evaluate(object, in: scope)
            do {
                return try slice(value, start: try start.map { try evaluate($0, in: scope) },
                                 stop: try stop.map { try evaluate($0, in: scope) }, step: try step.map { try evaluate($0, in: scope) })
            } catch let error as TemplateError where constant && error.kind == .type {
                // Jinja folded this slice while compiling, through getitem, which turns the
                // failure into an undefined value.
                return .undefined(Undefined(hint: error.message))
            }
        case .call(let callee, let arguments):
            let function = try evaluate(callee, in: scope)
            return try call(function, try evaluateArguments(arguments, in: scope), at: expression.location)
        case .filter(let operand, let name, let arguments):
            let value = try evaluate(operand, in: scope)
            return try applyFilter(name, to: value, try evaluateArguments(arguments, in: scope))
        case .test(let operand, let name, let arguments):
            let value = try evaluate(operand, in: scope)
            return .bool(try applyTest(name, to: value, try evaluateArguments(arguments, in: scope)))
        case .not(let operand):
            return .bool(!(try evaluate(operand, in: scope).isTruthy))
        case .negate(let operand):
            return try Operators.negate(try evaluate(operand, in: scope))
        case .plus(let operand):
            return try Operators.plus(try evaluate(operand, in: scope))
        case .binary(let operation, let left, let right):
            return try Operators.binary(operation, try evaluate(left, in: scope), try evaluate(right, in: scope))
        case .and(let left, let right):
            let first = try evaluate(left, in: scope)
            return first.isTruthy ? try evaluate(right, in: scope) : first
        case .or(let left, let right):
            let first = try evaluate(left, in: scope)
            return first.isTruthy ? first : try evaluate(right, in: scope)
        case .compare(let first, let operations):
            var left = try evaluate(first, in: scope)
            for (operation, rightExpression) in operations {
                let right = try evaluate(rightExpression, in: scope)
                if !(try Operators.compare(operation, left, right)) { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .concat(let items):
            return .string(try items.map { try evaluate($0, in: scope).pythonString }.joined())
        case .conditional(let condition, let then, let otherwise):
            if try evaluate(condition, in: scope).isTruthy { return try evaluate(then, in: scope) }
            return try otherwise.map { try evaluate($0, in: scope) } ?? .undefined(Undefined(hint: "the inline if-expression evaluated to false and no else section was defined"))
        }
    }

    func evaluateArguments(_ arguments: [Argument], in scope: Scope) throws -> Arguments {
        var result = Arguments()
        for argument in arguments {
            let value = try evaluate(argument.value, in: scope)
            switch argument.kind {
            case .positional: result.positional.append(value)
            case .keyword(let name): result.keywords.append((name, value))
            case .unpackedSequence: result.positional += try iterate(value)
            case .unpackedDict:
                guard case .dict(let dict) = value else {
                    throw TemplateError(.type, "argument after ** must be a mapping, not \(value.typeName)")
                }
                for (key, item) in dict.items {
                    guard case .string(let name) = key else { throw TemplateError(.type, "keywords must be strings") }
                    result.keywords.append((name, item))
                }
            }
        }
        return result
    }

    // MARK: Member access

    /// `value.name`: an attribute (a method of str, dict, list) first, then a key (Jinja's
    /// `getattr`); missing is undefined, and any member of undefined is an error.
    func attribute(of value: Value, _ name: String) throws -> Value {
        switch value {
        case .undefined(let undefined):
            throw TemplateError(.undefined, undefined.hint)
        case .dict(let dict):
            if Methods.has(value, name) { return .callable(Callable(name: name, implementation: .method(receiver: value, name: name))) }
            return dict[name] ?? .undefined(Undefined(hint: "'dict object' has no attribute '\(name)'"))
        case .namespace(let namespace):
            return namespace.get(name) ?? .undefined(Undefined(hint: "'Namespace object' has no attribute '\(name)'"))
        case .object(let object):
            return object.attributes[name] ?? .undefined(Undefined(hint: "'\(object.typeName) object' has no attribute '\(name)'"))
        default:
            if Methods.has(value.unmarked, name) { return .callable(Callable(name: name, implementation: .method(receiver: value.unmarked, name: name))) }
            return .undefined(Undefined(hint: "'\(value.typeName) object' has no attribute '\(name)'"))
        }
    }

    /// `value[key]`: the key or index first, then an attribute when the key is a string (Jinja's
    /// `getitem`); a missing key or an index out of range is undefined.
    func item(of container: Value, _ key: Value) throws -> Value {
        let value = container.unmarked
        let key = key.unmarked
        switch value {
        case .undefined(let undefined):
            throw TemplateError(.undefined, undefined.hint)
        case .dict(let dict):
            if let found = dict.value(for: key) { return found }
        case .list(let items), .tuple(let items):
            if let index = Operators.integer(key) {
                let position = index < 0 ? index + items.count : index
                if position >= 0 && position < items.count { return items[position] }
                return .undefined(Undefined(hint: "'\(value.typeName) object' has no element \(index)"))
            }
        case .iterator(let iterator):
            if case .range = iterator.kind, let index = Operators.integer(key) {
                let position = index < 0 ? index + iterator.items.count : index
                if position >= 0 && position < iterator.items.count { return iterator.items[position] }
                return .undefined(Undefined(hint: "'range object' has no element \(index)"))
            }
        case .string(let text):
            if let index = Operators.integer(key) {
                let scalars = Array(text.unicodeScalars)
                let position = index < 0 ? index + scalars.count : index
                if position >= 0 && position < scalars.count { return .string(String(scalars[position])) }
                return .undefined(Undefined(hint: "'str object' has no element \(index)"))
            }
        default:
            break
        }
        if case .string(let name) = key { return try attribute(of: value, name) }
        return .undefined(Undefined(hint: "'\(value.typeName) object' has no element \(key.pythonRepr)"))
    }

    /// `value[start:stop:step]` with Python's rules for omitted and negative bounds.
    func slice(_ container: Value, start: Value?, stop: Value?, step: Value?) throws -> Value {
        let value = container.unmarked
        func bound(_ value: Value?) throws -> Int? {
            guard let value, !(value.isNoneOrMissing) else { return nil }
            guard let number = Operators.integer(value) else {
                throw TemplateError(.type, "slice indices must be integers or None")
            }
            return number
        }
        let stepValue = try bound(step) ?? 1
        guard stepValue != 0 else { throw TemplateError(.type, "slice step cannot be zero") }
        // Python's slice.indices: bounds clamped into the sequence, defaults by the step's sign.
        func indices(count: Int) throws -> [Int] {
            let given = (try bound(start), try bound(stop))
            if stepValue > 0 {
                let lower = given.0.map { $0 < 0 ? max($0 + count, 0) : min($0, count) } ?? 0
                let upper = given.1.map { $0 < 0 ? max($0 + count, 0) : min($0, count) } ?? count
                return Array(stride(from: lower, to: upper, by: stepValue))
            }
            let lower = given.0.map { $0 < 0 ? max($0 + count, -1) : min($0, count - 1) } ?? count - 1
            let upper = given.1.map { $0 < 0 ? max($0 + count, -1) : min($0, count - 1) } ?? -1
            return Array(stride(from: lower, to: upper, by: stepValue))
        }
        switch value {
        case .undefined(let undefined):
            throw TemplateError(.undefined, undefined.hint)
        case .list(let items): return .list(try indices(count: items.count).map { items[$0] })
        case .tuple(let items): return .tuple(try indices(count: items.count).map { items[$0] })
        case .iterator(let iterator) where iterator.kind != .generator && iterator.kind != .reverseIterator:
            if case .range = iterator.kind { return .list(try indices(count: iterator.items.count).map { iterator.items[$0] }) }
            throw TemplateError(.type, "'\(value.typeName)' object is not subscriptable")
        case .string(let text):
            let scalars = Array(text.unicodeScalars)
            return .string(PythonText.string(try indices(count: scalars.count).map { scalars[$0] }))
        case .dict:
            throw TemplateError(.type, "unhashable type: 'slice'")
        default:
            // Jinja compiles a slice to Python's own `value[a:b]`, which raises (only a slice of
            // constants, folded at compile time, turns undefined instead).
            throw TemplateError(.type, "'\(value.typeName)' object is not subscriptable")
        }
    }

    // MARK: Calls

    func call(_ function: Value, _ arguments: Arguments, at location: SourceLocation) throws -> Value {
        switch function {
        case .callable(let callable):
            switch callable.implementation {
            case .builtin(let body): return try body(arguments)
            case .macro(let macro): return try callMacro(macro, arguments)
            case .method(let receiver, let name): return try Methods.call(receiver, name, arguments, interpreter: self)
            }
        case .undefined(let undefined):
            throw TemplateError(.undefined, undefined.hint, at: location)
        default:
            throw TemplateError(.type, "'\(function.typeName)' object is not callable", at: location)
        }
    }

    /// Runs a macro's body in a scope over its defining scope; parameters not passed take their
    /// default or are undefined; extra arguments land in `varargs` and `kwargs`.
    private func callMacro(_ macro: Macro, _ arguments: Arguments) throws -> Value {
        guard macroDepth < Interpreter.maximumMacroDepth else {
            throw TemplateError(.type, "macro '\(macro.name)' recursed more than \(Interpreter.maximumMacroDepth) levels deep")
        }
        macroDepth += 1
        defer { macroDepth -= 1 }
        let scope = Scope(parent: macro.scope)
        var keywords = Dict()
        for keyword in arguments.keywords {
            if keyword.name == "caller" || macro.parameters.contains(where: { $0.name == keyword.name }) { continue }
            keywords[keyword.name] = keyword.value
        }
        for (index, parameter) in macro.parameters.enumerated() {
            if let keyword = arguments.keywords.last(where: { $0.name == parameter.name }) {
                if index < arguments.positional.count {
                    throw TemplateError(.type, "macro '\(macro.name)' got multiple values for argument '\(parameter.name)'")
                }
                scope.set(parameter.name, keyword.value)
            } else if index < arguments.positional.count {
                scope.set(parameter.name, arguments.positional[index])
            } else if let defaultValue = parameter.defaultValue {
                scope.set(parameter.name, try evaluate(defaultValue, in: scope))
            } else {
                scope.set(parameter.name, .undefined(Undefined(hint: "parameter '\(parameter.name)' was not provided")))
            }
        }
        scope.set("varargs", .tuple(Array(arguments.positional.dropFirst(macro.parameters.count))))
        scope.set("kwargs", .dict(keywords))
        if let caller = arguments.keywords.last(where: { $0.name == "caller" }) { scope.set("caller", caller.value) }
        var text = ""
        _ = try execute(macro.body, in: scope, into: &text)
        return .string(text)
    }

    // MARK: Iteration

    /// The items a `for` loop or a filter iterates over: a list's or tuple's items, a string's
    /// characters, a dict's keys; nothing for undefined.
    func iterate(_ value: Value) throws -> [Value] {
        switch value.unmarked {
        case .undefined: return []
        case .list(let items), .tuple(let items): return items
        case .string(let text): return text.unicodeScalars.map { .string(String($0)) }
        case .dict(let dict): return dict.keys
        case .iterator(let iterator): return iterator.iterate()
        default: throw TemplateError(.type, "'\(value.typeName)' object is not iterable")
        }
    }

    /// Python's `len()`.
    func length(_ value: Value) throws -> Int {
        switch value.unmarked {
        case .undefined: return 0
        case .string(let text): return text.unicodeScalars.count
        case .list(let items), .tuple(let items): return items.count
        case .dict(let dict): return dict.count
        case .iterator(let iterator):
            if let count = iterator.length { return count }
        default: break
        }
        throw TemplateError(.type, "object of type '\(value.typeName)' has no len()")
    }
}

extension Value {
    /// None, or an omitted slice bound.
    var isNoneOrMissing: Bool {
        if case .none = self { return true }
        return false
    }
}
