// The functions every chat template can call, as transformers provides them: Jinja's `range`,
// `dict` and `namespace` (names starting with `_` refused, as transformers refuses them), and
// transformers' `raise_exception(message)` and `strftime_now(format)`. The clock behind
// `strftime_now` comes from the `Environment`, so a render can be made reproducible.

import Foundation

enum Globals {
    /// Jinja's sandbox refuses ranges longer than this.
    static let maximumRange = 100_000

    static func make(_ environment: Environment) -> [String: Value] {
        let clock = environment.clock
        let timeZone = environment.timeZone
        return [
            "range": .callable(Callable(name: "range", range)),
            "dict": .callable(Callable(name: "dict", dict)),
            "namespace": .callable(Callable(name: "namespace", namespace)),
            "raise_exception": .callable(Callable(name: "raise_exception") { arguments in
                throw TemplateError(.raised, arguments.value(0, "message")?.pythonString ?? "")
            }),
            "strftime_now": .callable(Callable(name: "strftime_now") { arguments in
                guard case .string(let format)? = arguments.value(0, "format") else {
                    throw TemplateError(.type, "strftime_now() needs a format string")
                }
                return .string(try Strftime.format(format, date: clock(), timeZone: timeZone))
            }),
        ]
    }

    private static func range(_ arguments: Arguments) throws -> Value {
        guard arguments.keywords.isEmpty else { throw TemplateError(.type, "range() takes no keyword arguments") }
        var bounds: [Int] = []
        for value in arguments.positional {
            guard let number = Operators.integer(value) else {
                throw TemplateError(.type, "'\(value.typeName)' object cannot be interpreted as an integer")
            }
            bounds.append(number)
        }
        let (start, stop, step): (Int, Int, Int)
        switch bounds.count {
        case 1: (start, stop, step) = (0, bounds[0], 1)
        case 2: (start, stop, step) = (bounds[0], bounds[1], 1)
        case 3: (start, stop, step) = (bounds[0], bounds[1], bounds[2])
        default: throw TemplateError(.type, "range expected 1 to 3 arguments, got \(bounds.count)")
        }
        guard step != 0 else { throw TemplateError(.type, "range() arg 3 must not be zero") }
        let numbers = stride(from: start, to: stop, by: step)
        guard numbers.underestimatedCount <= maximumRange else {
            throw TemplateError(.type, "range too big, maximum size for range is \(maximumRange)")
        }
        return .iterator(IteratorValue(.range(start: start, stop: stop, step: step), numbers.map(Value.int)))
    }

    /// `dict(mapping_or_pairs, **keywords)`.
    private static func dict(_ arguments: Arguments) throws -> Value {
        var result = Dict()
        if arguments.positional.count > 1 { throw TemplateError(.type, "dict expected at most 1 argument, got \(arguments.positional.count)") }
        if let source = arguments.positional.first {
            switch source {
            case .dict(let dict): result = dict
            case .list(let pairs), .tuple(let pairs):
                for pair in pairs {
                    guard case .list(let parts) = pair, parts.count == 2 else {
                        guard case .tuple(let parts) = pair, parts.count == 2 else {
                            throw TemplateError(.type, "dictionary update sequence element has the wrong length")
                        }
                        try result.set(parts[1], for: parts[0])
                        continue
                    }
                    try result.set(parts[1], for: parts[0])
                }
            default:
                throw TemplateError(.type, "'\(source.typeName)' object is not iterable as dict pairs")
            }
        }
        for keyword in arguments.keywords { result[keyword.name] = keyword.value }
        return .dict(result)
    }

    private static func namespace(_ arguments: Arguments) throws -> Value {
        guard case .dict(let attributes) = try dict(arguments) else { return .none }
        for key in attributes.keys {
            if case .string(let name) = key, name.hasPrefix("_") {
                throw TemplateError(.type, "Chat templates cannot store underscore-prefixed attributes on a namespace, but got '\(name)'")
            }
        }
        return .namespace(Namespace(attributes))
    }
}
