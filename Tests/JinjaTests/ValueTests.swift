// Values as Python prints and compares them: float repr (the shortest round-trip digits, in
// Python's fixed or scientific form), container printing, dict key order and numeric key folding,
// and namespaces shared by reference.

import Jinja
import Testing

@Suite struct ValueTests {
    @Test(arguments: [
        (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (0.1, "0.1"), (100.0, "100.0"),
        (1e22, "1e+22"), (123456789012345680.0, "1.2345678901234568e+17"), (1.0 / 3.0, "0.3333333333333333"),
        (-2.5e-5, "-2.5e-05"), (9999999999999998.0, "9999999999999998.0"), (1e-4, "0.0001"), (12345.678, "12345.678"),
        (9007199254740992.0, "9007199254740992.0"), (0.1 + 0.2, "0.30000000000000004"), (-0.0, "-0.0"),
        (Double.infinity, "inf"), (-Double.infinity, "-inf"),
    ])
    func floatsPrintAsPythonRepr(_ value: Double, _ python: String) {
        #expect(Value.float(value).pythonString == python)
    }

    @Test func containersPrintWithReprOfTheirItems() {
        let value: Value = ["a", 1, 2.0, .none, true, ["k": "it's"], .tuple(["x"])]
        #expect(value.pythonString == #"['a', 1, 2.0, None, True, {'k': "it's"}, ('x',)]"#)
        #expect(Value.string("é\n\u{1}").pythonRepr == #"'é\n\x01'"#)
        #expect(Value.undefined(Undefined(hint: "x")).pythonString == "")
    }

    @Test func dictsKeepInsertionOrderAndFoldNumericKeys() throws {
        var dict = Dict()
        dict["b"] = 1
        dict["a"] = 2
        dict["b"] = 3
        #expect(dict.keys.map(\.pythonString) == ["b", "a"])
        #expect(dict["b"].map(\.pythonString) == "3")
        try dict.set("one", for: .int(1))
        #expect(dict.value(for: .float(1.0))?.pythonString == "one")
        #expect(dict.value(for: .bool(true))?.pythonString == "one")
        #expect(throws: TemplateError.self) { try dict.set(1, for: .list([])) }
    }

    @Test func truthinessIsPythons() {
        let falsy: [Value] = [.none, .bool(false), .int(0), .float(0), "", [], .dict(Dict()), .undefined(Undefined(hint: ""))]
        #expect(falsy.allSatisfy { !$0.isTruthy })
        let truthy: [Value] = [.bool(true), .int(-1), .float(0.5), " ", [.none], ["k": .none]]
        #expect(truthy.allSatisfy { $0.isTruthy })
    }

    @Test func aNamespaceIsSharedByReference() throws {
        let namespace = Namespace()
        let template = try Template("{% set ns.count = ns.count + 1 %}{{ ns.count }}")
        namespace.set("count", 41)
        #expect(try template.render(["ns": .namespace(namespace)]) == "42")
        #expect(namespace.get("count")?.pythonString == "42")
    }
}
