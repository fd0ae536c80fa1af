#!/usr/bin/env python3
"""Differential fuzzing of the Swift Jinja interpreter against transformers' renderer.

Usage: jinja_fuzz.py KIND SEED COUNT OUT.json
       JINJA_FUZZ_FILE=OUT.json swift test --filter JinjaTests.FuzzReplayTests

KIND is one of:
  expressions  `{{ expression }}` over random literals, operators, filters, tests, methods,
               subscripts and slices, with a small context (lists, dicts, None, undefined)
  whitespace   random text and nested if/for/set/raw/comment/output tags with every whitespace
               control (`-`, `+`), under transformers' options and Jinja's defaults
  scoping      random set/for-else/if/with/macro/namespace/break/continue programs that print
               their variables

Each generated template is rendered by transformers' chat-template environment (and, for
`whitespace`, also by a plain jinja2 sandbox with Jinja's defaults); OUT.json records the
output or the exception, in the format of Tests/JinjaTests/Fixtures/feature_cases.json plus
the expected results, so that the Swift test FuzzReplayTests can compare case by case. Cases
whose Python output contains a memory address are dropped. Exits 2 on bad usage.
"""

import copy
import json
import random
import sys


def expressions(count):
    atoms = ["1", "0", "-3", "2.5", "0.1", "1e3", "'a'", "'Hello World'", "' x '", "''", "none", "true", "false",
             "[1, 2, 3]", "[]", "['b', 'A', 'c']", "{'k': 1, 'j': 'v'}", "{}", "(1, 'a')", "xs", "d", "s", "n", "f",
             "missing", "users", "'a,b'"]
    filters = ["length", "upper", "lower", "trim", "join", "join(', ')", "first", "last", "list", "sort", "reverse|list",
               "unique|list", "tojson", "string", "int", "float", "abs", "round", "round(1)", "default('z')", "items|list",
               "dictsort", "map('string')|list", "select('odd')|list", "sum", "min", "max", "capitalize", "title",
               "replace('a', 'b')", "indent(2)", "center(7)", "wordcount", "count", "batch(2)|list", "e", "safe",
               "list|length", "tojson(indent=1)", "selectattr('age')|list", "map(attribute='name')|list"]
    tests = ["defined", "undefined", "none", "string", "number", "mapping", "iterable", "sequence", "odd", "even",
             "integer", "float", "boolean", "true", "false", "lower", "upper", "in [1, 'a']", "eq 1", "gt 0",
             "divisibleby 2"]
    operators = ["+", "-", "*", "/", "//", "%", "**", "~", "and", "or", "==", "!=", "<", ">", "<=", ">=", "in", "not in"]
    methods = ["upper()", "lower()", "strip()", "split()", "split(',')", "title()", "startswith('a')", "endswith('a')",
               "replace('a', 'z')", "items()", "keys()", "values()", "get('k')", "get('zz', 0)", "count(1)", "index(1)",
               "find('a')", "capitalize()", "format(1)"]
    subscripts = ["0", "-1", "1:", "::-1", "'k'", "1:2", ":-1"]

    def expression(depth):
        r = random.random()
        if depth <= 0 or r < 0.3:
            return random.choice(atoms)
        if r < 0.5:
            return f"({expression(depth - 1)} {random.choice(operators)} {expression(depth - 1)})"
        if r < 0.65:
            return f"{expression(depth - 1)}|{random.choice(filters)}"
        if r < 0.72:
            return f"({expression(depth - 1)} is {random.choice(['', 'not '])}{random.choice(tests)})"
        if r < 0.8:
            return f"{expression(depth - 1)}.{random.choice(methods)}"
        if r < 0.86:
            return f"{expression(depth - 1)}[{random.choice(subscripts)}]"
        if r < 0.92:
            return f"({expression(depth - 1)} if {expression(depth - 1)} else {expression(depth - 1)})"
        if r < 0.96:
            return f"(not {expression(depth - 1)})"
        return f"(-{expression(depth - 1)})"

    return [("{{ " + expression(3) + " }}", "chat") for _ in range(count)]


def whitespace(count):
    texts = [" ", "  ", "\t", "\n", "\n\n", " \n", "\n  ", "a", "b c", "\n\t x", "  \n  ", "\r\n", "y\n"]

    def sign():
        return random.choice(["", "", "-", "+"])

    def text():
        return "".join(random.choice(texts) for _ in range(random.randint(0, 3)))

    def tag(body):
        return "{%" + sign() + " " + body + " " + sign() + "%}"

    def block(depth):
        parts = []
        for _ in range(random.randint(1, 4)):
            r = random.random()
            parts.append(text())
            if r < 0.3 and depth > 0:
                parts.append(tag("if " + random.choice(["true", "false", "x"])) + block(depth - 1))
                if random.random() < 0.4:
                    parts.append(text() + tag("else") + block(depth - 1))
                parts.append(text() + tag("endif"))
            elif r < 0.45 and depth > 0:
                parts.append(tag("for i in [1, 2]") + block(depth - 1) + text() + tag("endfor"))
            elif r < 0.65:
                parts.append("{{" + random.choice(["", "-", "+"]) + " 'v' " + random.choice(["", "-"]) + "}}")
            elif r < 0.75:
                parts.append("{#" + random.choice(["", "-", "+"]) + " c " + random.choice(["", "-", "+"]) + "#}")
            elif r < 0.82:
                parts.append(tag("set z = 1"))
            elif r < 0.87:
                parts.append(tag("raw") + text() + "{{ r }}" + text() + tag("endraw"))
        return "".join(parts) + text()

    cases = []
    for _ in range(count):
        template = block(3)
        cases += [(template, "chat"), (template, "jinja")]
    return cases


def scoping(count):
    names = ["a", "b", "i"]

    def value():
        return random.choice(["1", "'s'", "a", "b", "i", "ns.c", "loop.index", "(a ~ b)", "[a, i]", "2"])

    def statement(depth, in_loop, in_macro):
        r = random.random()
        if r < 0.25:
            return "{% set " + random.choice(names) + " = " + value() + " %}"
        if r < 0.35:
            return "{% set ns.c = " + value() + " %}"
        if r < 0.55:
            return "[{{ " + value() + " }}]"
        if depth > 0 and r < 0.7:
            otherwise = "{% else %}E" if random.random() < 0.2 else ""
            return "{% for i in [1, 2] %}" + body(depth - 1, True, in_macro) + otherwise + "{% endfor %}"
        if depth > 0 and r < 0.8:
            return "{% if " + random.choice(["true", "false", "a", "i"]) + " %}" + body(depth - 1, in_loop, in_macro) + "{% endif %}"
        if depth > 0 and r < 0.86:
            return "{% with a = " + value() + " %}" + body(depth - 1, in_loop, in_macro) + "{% endwith %}"
        if depth > 0 and r < 0.92 and not in_macro:
            return "{% macro m(b) %}" + body(depth - 1, False, True) + "{% endmacro %}{{ m(" + value() + ") }}"
        if in_loop and r < 0.96:
            return random.choice(["{% if i == 2 %}{% break %}{% endif %}", "{% if i == 1 %}{% continue %}{% endif %}"])
        return "x"

    def body(depth, in_loop, in_macro):
        return "".join(statement(depth, in_loop, in_macro) for _ in range(random.randint(1, 4)))

    prefix = "{% set ns = namespace(c=0) %}"
    return [(prefix + body(3, False, False) + "|{{ a }}|{{ b }}|{{ i }}|{{ ns.c }}", "chat") for _ in range(count)]


CONTEXT = {"xs": [1, 2, 3], "d": {"a": 1, "b": [1, 2]}, "s": "héllo", "n": None, "f": 1.5, "x": True,
           "users": [{"name": "b", "age": 30}, {"name": "A", "age": 25}]}


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("expressions", "whitespace", "scoping"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    kind, seed, count, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    random.seed(seed)
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from transformers.utils import chat_template_utils as utils

    plain = ImmutableSandboxedEnvironment()
    cases = []
    for index, (template, options) in enumerate(globals()[kind](count)):
        compile_template = utils._compile_jinja_template if options == "chat" else plain.from_string
        try:
            result = {"expected": compile_template(template).render(**copy.deepcopy(CONTEXT))}
        except Exception as error:
            result = {"error": {"type": type(error).__name__, "message": str(error)}}
        if " at 0x" in result.get("expected", ""):
            continue
        case = {"name": f"{kind} {seed}/{index}", "template": template, **result}
        if options == "jinja":
            case["options"] = "jinja"
        cases.append(case)
    with open(out, "w", encoding="utf-8") as file:
        json.dump({"context": CONTEXT, "cases": cases}, file, ensure_ascii=False, indent=1)
    print(f"{kind} seed {seed}: {len(cases)} cases ({sum(1 for case in cases if 'error' in case)} refused by the peer) in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
