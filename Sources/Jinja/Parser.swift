// Builds the syntax tree from tokens by recursive descent, with Jinja2's grammar and precedence
// (lowest first): `a if c else b`, `or`, `and`, `not`, comparisons and `in`, `+ -`, `~`,
// `* / // %`, `**`, unary `- +`, then primaries with `.attr`, `[key]`, `(args)`, `| filter`
// and `is test`. Statements are the tags chat templates use: if/elif/else, for (with `else`,
// a condition, unpacking), set (also block set and `ns.attr`), macro, call, filter, with,
// break/continue and transformers' `generation`. Any other tag is an error naming its line.

struct Parser {
    private var tokens: [Token]
    private var position = 0
    /// How many `for` bodies enclose the current statement, for `break`/`continue`.
    private var loopDepth = 0

    init(tokens: [Token]) {
        self.tokens = tokens
    }

    /// Parses a whole template.
    mutating func parseTemplate() throws -> [Statement] {
        let (body, _) = try parseBody(until: [], construct: "", opening: current.location)
        return body
    }

    // MARK: Token stream

    private var current: Token { tokens[position] }

    private func peek(_ offset: Int = 1) -> Token {
        tokens[min(position + offset, tokens.count - 1)]
    }

    private mutating func advance() {
        if position < tokens.count - 1 { position += 1 }
    }

    private func failure(_ message: String, at token: Token? = nil) -> TemplateError {
        TemplateError(.syntax, message, at: (token ?? current).location)
    }

    private mutating func expectSymbol(_ symbol: String) throws {
        guard current.isSymbol(symbol) else { throw failure("expected '\(symbol)', got \(current.spelling)") }
        advance()
    }

    private mutating func expectName() throws -> String {
        guard case .name(let name) = current.kind else { throw failure("expected a name, got \(current.spelling)") }
        advance()
        return name
    }

    private mutating func expectBlockEnd() throws {
        guard case .blockEnd = current.kind else { throw failure("expected the end of the statement ('%}'), got \(current.spelling)") }
        advance()
    }

    // MARK: Statements

    /// Statements up to a block tag named in `terminators`; consumes `{%` and that name and
    /// returns it. At the top level (no terminators) reads to the end of the template.
    private mutating func parseBody(until terminators: Set<String>, construct: String, opening: SourceLocation) throws -> ([Statement], String) {
        var body: [Statement] = []
        while true {
            let token = current
            switch token.kind {
            case .text(let text):
                body.append(Statement(kind: .text(text), location: token.location))
                advance()
            case .variableBegin:
                advance()
                let expression = try parseTuple()
                guard case .variableEnd = current.kind else { throw failure("expected the end of the print statement ('}}'), got \(current.spelling)") }
                advance()
                body.append(Statement(kind: .output(expression), location: token.location))
            case .blockBegin:
                if case .name(let name) = peek().kind, terminators.contains(name) {
                    advance()
                    advance()
                    return (body, name)
                }
                advance()
                body.append(try parseStatement(at: token.location))
            case .endOfTemplate:
                if terminators.isEmpty { return (body, "") }
                let expected = terminators.sorted().map { "'\($0)'" }.joined(separator: " or ")
                throw TemplateError(.syntax, "unexpected end of template: the '\(construct)' block is never closed (expected \(expected))", at: opening)
            default:
                throw failure("unexpected \(token.spelling)")
            }
        }
    }

    private mutating func parseStatement(at location: SourceLocation) throws -> Statement {
        let keywordToken = current
        guard case .name(let keyword) = keywordToken.kind else {
            throw failure("expected a statement name after '{%', got \(current.spelling)")
        }
        advance()
        switch keyword {
        case "if": return try parseIf(at: location)
        case "for": return try parseFor(at: location)
        case "set": return try parseSet(at: location)
        case "macro": return try parseMacro(at: location)
        case "call": return try parseCallBlock(at: location)
        case "filter": return try parseFilterBlock(at: location)
        case "with": return try parseWith(at: location)
        case "generation":
            try expectBlockEnd()
            let (body, _) = try parseBody(until: ["endgeneration"], construct: "generation", opening: location)
            try expectBlockEnd()
            return Statement(kind: .generation(body), location: location)
        case "break", "continue":
            guard loopDepth > 0 else { throw failure("'\(keyword)' outside of a loop", at: keywordToken) }
            try expectBlockEnd()
            return Statement(kind: keyword == "break" ? .breakLoop : .continueLoop, location: location)
        case "extends", "include", "import", "from", "block", "autoescape", "do", "print", "trans", "pluralize":
            throw TemplateError(.unsupported, "the '\(keyword)' statement is not supported in chat templates", at: keywordToken.location)
        default:
            throw TemplateError(.syntax, "unknown tag '\(keyword)'", at: keywordToken.location)
        }
    }

    private mutating func parseIf(at location: SourceLocation) throws -> Statement {
        var branches: [(condition: Expression, body: [Statement])] = []
        var otherwise: [Statement] = []
        var condition = try parseTuple(withCondexpr: false)
        while true {
            try expectBlockEnd()
            let (body, terminator) = try parseBody(until: ["elif", "else", "endif"], construct: "if", opening: location)
            branches.append((condition, body))
            if terminator == "elif" {
                condition = try parseTuple(withCondexpr: false)
                continue
            }
            if terminator == "else" {
                try expectBlockEnd()
                (otherwise, _) = try parseBody(until: ["endif"], construct: "if", opening: location)
            }
            try expectBlockEnd()
            return Statement(kind: .ifStatement(branches: branches, otherwise: otherwise), location: location)
        }
    }

    private mutating func parseFor(at location: SourceLocation) throws -> Statement {
        let target = try parseAssignTarget(withNamespace: false)
        guard current.isName("in") else { throw failure("expected 'in' in the for loop, got \(current.spelling)") }
        advance()
        let iterable = try parseTuple(withCondexpr: false, extraEndNames: ["recursive"])
        var condition: Expression? = nil
        if current.isName("if") {
            advance()
            condition = try parseExpression()
        }
        if current.isName("recursive") {
            throw TemplateError(.unsupported, "recursive for loops are not supported", at: current.location)
        }
        try expectBlockEnd()
        loopDepth += 1
        let (body, terminator) = try parseBody(until: ["endfor", "else"], construct: "for", opening: location)
        loopDepth -= 1
        var otherwise: [Statement] = []
        if terminator == "else" {
            try expectBlockEnd()
            (otherwise, _) = try parseBody(until: ["endfor"], construct: "for", opening: location)
        }
        try expectBlockEnd()
        return Statement(kind: .forLoop(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise), location: location)
    }

    private mutating func parseSet(at location: SourceLocation) throws -> Statement {
        let target = try parseAssignTarget(withNamespace: true)
        if current.isSymbol("=") {
            advance()
            let value = try parseTuple()
            try expectBlockEnd()
            return Statement(kind: .set(target: target, value: value), location: location)
        }
        var filters: [FilterCall] = []
        while current.isSymbol("|") {
            advance()
            filters.append(try parseFilterCall())
        }
        try expectBlockEnd()
        let (body, _) = try parseBody(until: ["endset"], construct: "set", opening: location)
        try expectBlockEnd()
        return Statement(kind: .setBlock(target: target, filters: filters, body: body), location: location)
    }

    private mutating func parseMacro(at location: SourceLocation) throws -> Statement {
        let name = try expectName()
        let parameters = try parseSignature()
        try expectBlockEnd()
        let savedDepth = loopDepth
        loopDepth = 0
        let (body, _) = try parseBody(until: ["endmacro"], construct: "macro", opening: location)
        loopDepth = savedDepth
        try expectBlockEnd()
        return Statement(kind: .macro(name: name, parameters: parameters, body: body), location: location)
    }

    private mutating func parseCallBlock(at location: SourceLocation) throws -> Statement {
        let parameters = current.isSymbol("(") ? try parseSignature() : []
        let call = try parseExpression()
        guard case .call = call.kind else { throw failure("expected a call after 'call'", at: nil) }
        try expectBlockEnd()
        let savedDepth = loopDepth
        loopDepth = 0
        let (body, _) = try parseBody(until: ["endcall"], construct: "call", opening: location)
        loopDepth = savedDepth
        try expectBlockEnd()
        return Statement(kind: .callBlock(call: call, parameters: parameters, body: body), location: location)
    }

    private mutating func parseFilterBlock(at location: SourceLocation) throws -> Statement {
        var filters = [try parseFilterCall()]
        while current.isSymbol("|") {
            advance()
            filters.append(try parseFilterCall())
        }
        try expectBlockEnd()
        let (body, _) = try parseBody(until: ["endfilter"], construct: "filter", opening: location)
        try expectBlockEnd()
        return Statement(kind: .filterBlock(filters: filters, body: body), location: location)
    }

    private mutating func parseWith(at location: SourceLocation) throws -> Statement {
        var assignments: [(target: AssignTarget, value: Expression)] = []
        while !isBlockEnd {
            if !assignments.isEmpty { try expectSymbol(",") }
            let target = try parseAssignTarget(withNamespace: false)
            try expectSymbol("=")
            assignments.append((target, try parseExpression()))
        }
        try expectBlockEnd()
        let (body, _) = try parseBody(until: ["endwith"], construct: "with", opening: location)
        try expectBlockEnd()
        return Statement(kind: .with(assignments: assignments, body: body), location: location)
    }

    private var isBlockEnd: Bool {
        if case .blockEnd = current.kind { return true }
        return false
    }

    /// `(a, b=default, ...)` of a macro or call block.
    private mutating func parseSignature() throws -> [Parameter] {
        try expectSymbol("(")
        var parameters: [Parameter] = []
        while !current.isSymbol(")") {
            if !parameters.isEmpty { try expectSymbol(",") }
            if current.isSymbol(")") { break }
            let nameToken = current
            let name = try expectName()
            var defaultValue: Expression? = nil
            if current.isSymbol("=") {
                advance()
                defaultValue = try parseExpression()
            } else if parameters.contains(where: { $0.defaultValue != nil }) {
                throw failure("non-default argument follows default argument", at: nameToken)
            }
            parameters.append(Parameter(name: name, defaultValue: defaultValue))
        }
        advance()
        return parameters
    }

    /// The target of `for` or `set`: a name, `ns.attr` (set only), or names to unpack.
    private mutating func parseAssignTarget(withNamespace: Bool) throws -> AssignTarget {
        if withNamespace, case .name(let namespace) = current.kind, peek().isSymbol(".") {
            advance()
            advance()
            return .attribute(namespace: namespace, attribute: try expectName())
        }
        return try parseTargetTuple()
    }

    private mutating func parseTargetTuple() throws -> AssignTarget {
        var items: [AssignTarget] = []
        var sawComma = false
        while true {
            if current.isSymbol("(") {
                advance()
                items.append(try parseTargetTuple())
                try expectSymbol(")")
            } else if case .name(let name) = current.kind {
                if ["true", "false", "none", "True", "False", "None"].contains(name) {
                    throw failure("cannot assign to '\(name)'")
                }
                items.append(.name(name))
                advance()
            } else {
                throw failure("expected a name to assign to, got \(current.spelling)")
            }
            guard current.isSymbol(",") else { break }
            advance()
            sawComma = true
            if current.isName("in") || current.isSymbol("=") || current.isSymbol(")") || isBlockEnd { break }
        }
        return items.count == 1 && !sawComma ? items[0] : .tuple(items)
    }

    // MARK: Expressions

    /// A comma-separated list of expressions is a tuple (`{{ a, b }}`, `set x = 1, 2`).
    private mutating func parseTuple(withCondexpr: Bool = true, extraEndNames: Set<String> = [], explicitParentheses: Bool = false) throws -> Expression {
        let start = current.location
        var items: [Expression] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectSymbol(",") }
            if isTupleEnd(extraEndNames) { break }
            items.append(withCondexpr ? try parseExpression() : try parseOr())
            if current.isSymbol(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let only = items.first { return only }
            if !explicitParentheses { throw failure("expected an expression, got \(current.spelling)") }
        }
        return Expression(kind: .tuple(items), location: start)
    }

    private func isTupleEnd(_ extraEndNames: Set<String>) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd, .endOfTemplate: return true
        case .symbol(let symbol): return symbol == ")"
        case .name(let name): return extraEndNames.contains(name)
        default: return false
        }
    }

    private mutating func parseExpression() throws -> Expression {
        var expression = try parseOr()
        while current.isName("if") {
            advance()
            let condition = try parseOr()
            var otherwise: Expression? = nil
            if current.isName("else") {
                advance()
                otherwise = try parseExpression()
            }
            expression = Expression(kind: .conditional(condition: condition, then: expression, otherwise: otherwise), location: expression.location)
        }
        return expression
    }

    private mutating func parseOr() throws -> Expression {
        var left = try parseAnd()
        while current.isName("or") {
            advance()
            left = Expression(kind: .or(left, try parseAnd()), location: left.location)
        }
        return left
    }

    private mutating func parseAnd() throws -> Expression {
        var left = try parseNot()
        while current.isName("and") {
            advance()
            left = Expression(kind: .and(left, try parseNot()), location: left.location)
        }
        return left
    }

    private mutating func parseNot() throws -> Expression {
        if current.isName("not") {
            let location = current.location
            advance()
            return Expression(kind: .not(try parseNot()), location: location)
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> Expression {
        let left = try parseMath1()
        var operations: [(ComparisonOperator, Expression)] = []
        while true {
            if case .symbol(let symbol) = current.kind, let operation = ComparisonOperator(rawValue: symbol), operation != .contains {
                advance()
                operations.append((operation, try parseMath1()))
            } else if current.isName("in") {
                advance()
                operations.append((.contains, try parseMath1()))
            } else if current.isName("not") && peek().isName("in") {
                advance()
                advance()
                operations.append((.notContains, try parseMath1()))
            } else {
                break
            }
        }
        return operations.isEmpty ? left : Expression(kind: .compare(left, operations), location: left.location)
    }

    private mutating func parseBinary(_ symbols: [String: BinaryOperator], next: (inout Parser) throws -> Expression) throws -> Expression {
        var left = try next(&self)
        while case .symbol(let symbol) = current.kind, let operation = symbols[symbol] {
            let location = current.location
            advance()
            let right = try next(&self)
            left = Expression(kind: .binary(operation, left, right), location: location)
        }
        return left
    }

    private mutating func parseMath1() throws -> Expression {
        try parseBinary(["+": .add, "-": .subtract]) { try $0.parseConcat() }
    }

    private mutating func parseConcat() throws -> Expression {
        var items = [try parseMath2()]
        while current.isSymbol("~") {
            advance()
            items.append(try parseMath2())
        }
        return items.count == 1 ? items[0] : Expression(kind: .concat(items), location: items[0].location)
    }

    private mutating func parseMath2() throws -> Expression {
        try parseBinary(["*": .multiply, "/": .divide, "//": .floorDivide, "%": .modulo]) { try $0.parsePow() }
    }

    private mutating func parsePow() throws -> Expression {
        try parseBinary(["**": .power]) { try $0.parseUnary() }
    }

    private mutating func parseUnary(withFilter: Bool = true) throws -> Expression {
        let location = current.location
        var node: Expression
        if current.isSymbol("-") {
            advance()
            node = Expression(kind: .negate(try parseUnary(withFilter: false)), location: location)
        } else if current.isSymbol("+") {
            advance()
            node = Expression(kind: .plus(try parseUnary(withFilter: false)), location: location)
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilter { node = try parseFilterExpression(node) }
        return node
    }

    private mutating func parsePrimary() throws -> Expression {
        let token = current
        switch token.kind {
        case .name(let name):
            advance()
            switch name {
            case "true", "True": return Expression(kind: .literal(.bool(true)), location: token.location)
            case "false", "False": return Expression(kind: .literal(.bool(false)), location: token.location)
            case "none", "None": return Expression(kind: .literal(.none), location: token.location)
            default: return Expression(kind: .name(name), location: token.location)
            }
        case .string(var text):
            advance()
            // Adjacent string literals join, as in Python.
            while case .string(let more) = current.kind {
                text += more
                advance()
            }
            return Expression(kind: .literal(.string(text)), location: token.location)
        case .integer(let number):
            advance()
            return Expression(kind: .literal(.int(number)), location: token.location)
        case .float(let number):
            advance()
            return Expression(kind: .literal(.float(number)), location: token.location)
        case .symbol("("):
            advance()
            let inner = try parseTuple(explicitParentheses: true)
            try expectSymbol(")")
            return inner
        case .symbol("["):
            advance()
            var items: [Expression] = []
            while !current.isSymbol("]") {
                if !items.isEmpty { try expectSymbol(",") }
                if current.isSymbol("]") { break }
                items.append(try parseExpression())
            }
            advance()
            return Expression(kind: .list(items), location: token.location)
        case .symbol("{"):
            advance()
            var pairs: [(key: Expression, value: Expression)] = []
            while !current.isSymbol("}") {
                if !pairs.isEmpty { try expectSymbol(",") }
                if current.isSymbol("}") { break }
                let key = try parseExpression()
                try expectSymbol(":")
                pairs.append((key, try parseExpression()))
            }
            advance()
            return Expression(kind: .dict(pairs), location: token.location)
        default:
            throw failure("unexpected \(token.spelling)")
        }
    }

    private mutating func parsePostfix(_ start: Expression) throws -> Expression {
        var node = start
        while true {
            if current.isSymbol(".") || current.isSymbol("[") {
                node = try parseSubscript(node)
            } else if current.isSymbol("(") {
                node = try parseCall(node)
            } else {
                return node
            }
        }
    }

    private mutating func parseFilterExpression(_ start: Expression) throws -> Expression {
        var node = start
        while true {
            if current.isSymbol("|") {
                advance()
                let filter = try parseFilterCall()
                node = Expression(kind: .filter(node, name: filter.name, filter.arguments), location: filter.location)
            } else if current.isName("is") {
                node = try parseTest(node)
            } else if current.isSymbol("(") {
                node = try parseCall(node)
            } else {
                return node
            }
        }
    }

    private mutating func parseSubscript(_ object: Expression) throws -> Expression {
        let token = current
        advance()
        if token.isSymbol(".") {
            let member = current
            switch member.kind {
            case .name(let name):
                advance()
                return Expression(kind: .attribute(object, name), location: token.location)
            case .integer(let number):
                advance()
                return Expression(kind: .item(object, Expression(kind: .literal(.int(number)), location: member.location)), location: token.location)
            default:
                throw failure("expected a name or number after '.', got \(member.spelling)")
            }
        }
        var items: [Expression] = []
        var slice: (Expression?, Expression?, Expression?)? = nil
        while !current.isSymbol("]") {
            if !items.isEmpty || slice != nil { try expectSymbol(",") }
            let (item, sliceParts) = try parseSubscribed()
            if let sliceParts {
                guard items.isEmpty && slice == nil else {
                    throw TemplateError(.unsupported, "subscripts with several slices", at: token.location)
                }
                slice = sliceParts
            } else if let item {
                guard slice == nil else { throw TemplateError(.unsupported, "subscripts with several slices", at: token.location) }
                items.append(item)
            }
        }
        advance()
        if let (start, stop, step) = slice {
            let constant = object.isConstant && [start, stop, step].allSatisfy { $0?.isConstant ?? true }
            return Expression(kind: .slice(object, start: start, stop: stop, step: step, constant: constant), location: token.location)
        }
        guard !items.isEmpty else { throw failure("expected a subscript inside '[]'", at: token) }
        let key = items.count == 1 ? items[0] : Expression(kind: .tuple(items), location: items[0].location)
        return Expression(kind: .item(object, key), location: token.location)
    }

    /// One element between `[` and `]`: an expression, or the parts of a slice `a:b:c`.
    private mutating func parseSubscribed() throws -> (Expression?, (Expression?, Expression?, Expression?)?) {
        var start: Expression? = nil
        if current.isSymbol(":") {
            advance()
        } else {
            let node = try parseExpression()
            guard current.isSymbol(":") else { return (node, nil) }
            advance()
            start = node
        }
        var stop: Expression? = nil
        if !current.isSymbol(":") && !current.isSymbol("]") && !current.isSymbol(",") {
            stop = try parseExpression()
        }
        var step: Expression? = nil
        if current.isSymbol(":") {
            advance()
            if !current.isSymbol("]") && !current.isSymbol(",") { step = try parseExpression() }
        }
        return (nil, (start, stop, step))
    }

    private mutating func parseCall(_ callee: Expression) throws -> Expression {
        let arguments = try parseCallArguments()
        return Expression(kind: .call(callee, arguments), location: callee.location)
    }

    private mutating func parseCallArguments() throws -> [Argument] {
        try expectSymbol("(")
        var arguments: [Argument] = []
        while !current.isSymbol(")") {
            if !arguments.isEmpty { try expectSymbol(",") }
            if current.isSymbol(")") { break }
            if current.isSymbol("*") || current.isSymbol("**") {
                let kind: Argument.Kind = current.isSymbol("*") ? .unpackedSequence : .unpackedDict
                advance()
                arguments.append(Argument(kind: kind, value: try parseExpression()))
            } else if case .name(let name) = current.kind, peek().isSymbol("=") {
                advance()
                advance()
                arguments.append(Argument(kind: .keyword(name), value: try parseExpression()))
            } else {
                if arguments.contains(where: { $0.kind != .positional && $0.kind != .unpackedSequence }) {
                    throw failure("a positional argument follows a keyword argument")
                }
                arguments.append(Argument(kind: .positional, value: try parseExpression()))
            }
        }
        advance()
        return arguments
    }

    /// `name(arguments)` or `name` after `|` (names may be dotted).
    private mutating func parseFilterCall() throws -> FilterCall {
        let location = current.location
        var name = try expectName()
        while current.isSymbol(".") {
            advance()
            name += "." + (try expectName())
        }
        let arguments = current.isSymbol("(") ? try parseCallArguments() : []
        return FilterCall(name: name, arguments: arguments, location: location)
    }

    private mutating func parseTest(_ subject: Expression) throws -> Expression {
        advance()
        var negated = false
        if current.isName("not") {
            advance()
            negated = true
        }
        let location = current.location
        var name = try expectName()
        while current.isSymbol(".") {
            advance()
            name += "." + (try expectName())
        }
        var arguments: [Argument] = []
        if current.isSymbol("(") {
            arguments = try parseCallArguments()
        } else if startsBareTestArgument {
            if current.isName("is") { throw failure("tests cannot be chained with 'is'") }
            let argument = try parsePostfix(try parsePrimary())
            arguments = [Argument(kind: .positional, value: argument)]
        }
        let test = Expression(kind: .test(subject, name: name, arguments), location: location)
        return negated ? Expression(kind: .not(test), location: location) : test
    }

    /// Whether the token after a test's name is its one argument (`divisibleby 3`, `sameas x`).
    private var startsBareTestArgument: Bool {
        switch current.kind {
        case .name(let name): return !["else", "or", "and"].contains(name)
        case .string, .integer, .float: return true
        case .symbol(let symbol): return symbol == "(" || symbol == "[" || symbol == "{"
        default: return false
        }
    }
}
