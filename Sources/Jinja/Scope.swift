// Variable scopes and macros. Jinja's scoping, which chat templates rely on without saying so:
// each iteration of a `for` loop starts from a fresh scope over the enclosing one (a `set` inside
// the loop is gone at the next iteration and after the loop), `if` makes no scope (a `set` inside
// it is seen after it), and macros run in a scope over the one they were defined in. Only
// `namespace()` objects carry changes out of a loop.

/// One level of variables. Scopes live only while one render runs, on the thread running it.
final class Scope {
    private var variables: [String: Value] = [:]
    let parent: Scope?

    init(parent: Scope?, variables: [String: Value] = [:]) {
        self.parent = parent
        self.variables = variables
    }

    func lookup(_ name: String) -> Value? {
        var scope: Scope? = self
        while let current = scope {
            if let value = current.variables[name] { return value }
            scope = current.parent
        }
        return nil
    }

    func set(_ name: String, _ value: Value) {
        variables[name] = value
    }
}

/// A macro defined by `{% macro %}`, or the body of a `{% call %}` block passed as `caller`.
///
/// It keeps the scope it was defined in, which is not thread-safe; that is sound because a macro
/// value never outlives the render that created it and a render runs on one thread.
final class Macro: @unchecked Sendable {
    let name: String
    let parameters: [Parameter]
    let body: [Statement]
    let scope: Scope

    init(name: String, parameters: [Parameter], body: [Statement], scope: Scope) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.scope = scope
    }
}
