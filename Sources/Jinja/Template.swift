// The module's entry point: parse a template once, render it with a context.
//
//     let template = try Template(chatTemplate)                 // transformers' settings
//     let prompt = try template.render([
//         "messages": [["role": "user", "content": "Hi"]],
//         "add_generation_prompt": true, "bos_token": "<s>", "tools": nil,
//     ])
//
// This is an interpreter for the Jinja2 subset that chat templates use, rendering what
// transformers' `apply_chat_template` renders: trim_blocks and lstrip_blocks on, no
// autoescaping, Jinja's default Undefined, transformers' globals and `tojson`, and the Python
// types that show through (Markup from `|safe`, one-pass generators from `map`/`select`, dict
// views, ranges). It is not a full Jinja: no template inheritance, includes or imports, no
// recursive loops, no `loop.changed`, and a few rarely used filters (groupby, wordwrap, urlize,
// ...) are missing; those are errors that name the template line. Printing a generator or a
// method cannot show CPython's memory address, so that text differs.

import Foundation

/// A parsed Jinja template, ready to render any number of times from any thread.
public struct Template: Sendable {
    /// The lexer's whitespace settings.
    public struct Options: Sendable, Hashable {
        /// Remove the first newline after a block tag (`%}`).
        public var trimBlocks: Bool
        /// Remove spaces and tabs before a block tag that starts a line.
        public var lstripBlocks: Bool
        /// Keep one trailing newline of the template (Jinja drops it by default).
        public var keepTrailingNewline: Bool

        public init(trimBlocks: Bool, lstripBlocks: Bool, keepTrailingNewline: Bool = false) {
            self.trimBlocks = trimBlocks
            self.lstripBlocks = lstripBlocks
            self.keepTrailingNewline = keepTrailingNewline
        }

        /// What transformers uses for chat templates: trim_blocks and lstrip_blocks.
        public static let chatTemplate = Options(trimBlocks: true, lstripBlocks: true)
        /// Jinja2's own defaults.
        public static let jinjaDefaults = Options(trimBlocks: false, lstripBlocks: false)
    }

    public let source: String
    let statements: [Statement]

    /// Parses `source`; a syntax error or an unsupported statement throws `TemplateError` with
    /// the line and column.
    public init(_ source: String, options: Options = .chatTemplate) throws {
        self.source = source
        var lexer = Lexer(source, options: Lexer.Options(trimBlocks: options.trimBlocks, lstripBlocks: options.lstripBlocks,
                                                         keepTrailingNewline: options.keepTrailingNewline))
        var parser = Parser(tokens: try lexer.tokenize())
        statements = try parser.parseTemplate()
    }

    /// Renders the template with `context` as its variables, over the environment's globals.
    public func render(_ context: [String: Value], environment: Environment = Environment()) throws -> String {
        var globals = Globals.make(environment)
        for (name, value) in environment.globals { globals[name] = value }
        let root = Scope(parent: Scope(parent: nil, variables: globals), variables: context)
        var output = ""
        _ = try Interpreter(environment: environment).execute(statements, in: root, into: &output)
        return output
    }
}

/// What a render sees besides its context: extra globals, and the clock and time zone behind
/// `strftime_now` (pin them for reproducible prompts).
public struct Environment: Sendable {
    /// Globals added to (or replacing) the built-in ones.
    public var globals: [String: Value]
    public var clock: @Sendable () -> Date
    public var timeZone: TimeZone

    public init(globals: [String: Value] = [:], clock: @escaping @Sendable () -> Date = { Date() }, timeZone: TimeZone = .current) {
        self.globals = globals
        self.clock = clock
        self.timeZone = timeZone
    }
}
