// Errors name the construct and the template line and column, so that a user whose model ships
// an unusual template can find what failed; `raise_exception` passes the template's own message.

import Jinja
import Testing

@Suite struct ErrorTests {
    private func error(_ source: String, _ context: [String: Value] = [:]) -> TemplateError? {
        do {
            _ = try Template(source).render(context)
            return nil
        } catch let error as TemplateError {
            return error
        } catch {
            return nil
        }
    }

    @Test func syntaxErrorsNameLineAndColumn() throws {
        let failure = try #require(error("line one\n{% if x %}\n  {{ a b }}\n{% endif %}"))
        #expect(failure.kind == .syntax)
        #expect(failure.location == SourceLocation(line: 3, column: 8))
        #expect(failure.description.hasPrefix("template line 3, column 8: syntax error:"))
    }

    @Test func anUnclosedBlockPointsAtItsOpeningTag() throws {
        let failure = try #require(error("a\n  {% for x in xs %}{{ x }}"))
        #expect(failure.kind == .syntax)
        #expect(failure.location?.line == 2)
        #expect(failure.message.contains("'for'") && failure.message.contains("endfor"))
    }

    @Test func unsupportedStatementsNameTheirLine() throws {
        for statement in ["{% include 'other.jinja' %}", "{% extends 'base' %}", "{% import 'm' as m %}", "{% for x in xs recursive %}{% endfor %}"] {
            let failure = try #require(error("\n\n" + statement))
            #expect(failure.kind == .unsupported, "\(statement)")
            #expect(failure.location?.line == 3, "\(statement)")
        }
    }

    @Test func unknownAndMissingFiltersAreUnsupportedAtTheirPlace() throws {
        let unknown = try #require(error("{{ 'a' }}\n{{ x | frobnicate }}", ["x": "y"]))
        #expect(unknown.kind == .unsupported)
        #expect(unknown.location == SourceLocation(line: 2, column: 8))
        #expect(unknown.message.contains("frobnicate"))
        let missing = try #require(error("{{ x | wordwrap(3) }}", ["x": "y"]))
        #expect(missing.kind == .unsupported)
        #expect(missing.message.contains("wordwrap"))
        let test = try #require(error("{% if x is prime %}{% endif %}", ["x": 7]))
        #expect(test.kind == .unsupported)
    }

    @Test func undefinedValuesFailWhereJinjaFails() throws {
        let attribute = try #require(error("ok\n{{ message.content.text }}", ["message": ["role": "user"]]))
        #expect(attribute.kind == .undefined)
        #expect(attribute.location?.line == 2)
        #expect(attribute.message.contains("content"))
        #expect(try #require(error("{{ missing + 'a' }}")).kind == .undefined)
        #expect(try #require(error("{{ missing() }}")).kind == .undefined)
        // ...and print as nothing, test false and iterate as empty where Jinja allows them.
        #expect(try Template("[{{ missing }}{{ missing is defined }}{% for x in missing %}x{% endfor %}{{ missing|length }}]").render([:]) == "[False0]")
    }

    @Test func typeErrorsAreTypeErrors() throws {
        #expect(try #require(error("{{ 'a' + 1 }}")).kind == .type)
        #expect(try #require(error("{% for x in 3 %}{% endfor %}")).kind == .type)
        #expect(try #require(error("{{ [1, 'a'] | sort }}")).kind == .type)
    }

    @Test func raiseExceptionCarriesTheTemplatesMessage() throws {
        let template = "{% if messages[0]['role'] == 'system' %}\n  {{ raise_exception('System role not supported') }}\n{% endif %}"
        let failure = try #require(error(template, ["messages": [["role": "system", "content": "x"]]]))
        #expect(failure.kind == .raised)
        #expect(failure.message == "System role not supported")
        #expect(failure.location?.line == 2)
        #expect(failure.description == "template line 2, column 6: the template raised an exception: System role not supported")
    }

    @Test func mutatingMethodsAreRefusedAsInTheSandbox() throws {
        let failure = try #require(error("{{ xs.append(1) }}", ["xs": [1]]))
        #expect(failure.kind == .unsupported)
        #expect(failure.message.contains("append"))
    }

    @Test func runawayRecursionIsAnErrorNotACrash() throws {
        let failure = try #require(error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"))
        #expect(failure.kind == .type)
        #expect(failure.message.contains("recursed"))
        #expect(try #require(error("{{ range(1000000) | length }}")).message.contains("range too big"))
    }
}
