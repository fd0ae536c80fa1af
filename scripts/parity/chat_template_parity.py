#!/usr/bin/env python3
"""Chat-template parity: the expected outputs of the Swift Jinja interpreter, rendered by
transformers' own chat-template renderer (jinja2 in an ImmutableSandboxedEnvironment with
trim_blocks, lstrip_blocks, raise_exception, strftime_now and transformers' tojson).

Usage: chat_template_parity.py [--fixtures DIR] [--check]

DIR (default Tests/JinjaTests/Fixtures) holds the inputs, which are committed:

  chat_templates.json   real models' chat templates with their special tokens
  conversations.json    conversations (messages, optional tools) to render them with
  feature_cases.json    small templates, one Jinja feature each, and a shared context
  hfjs_templates.json   the templates and contexts of huggingface.js' jinja end-to-end tests
  llamacpp_templates.json  the 70 chat templates of llama.cpp's models/templates

and receives the outputs the Swift tests (JinjaTests) compare against, also committed:

  chat_templates.expected.json   every template x conversation x add_generation_prompt, through
                                 transformers.utils.chat_template_utils.render_jinja_template; each
                                 case records the exact context the template saw (checked by
                                 rendering the compiled template with it again)
  feature_cases.expected.json    each feature case, compiled with transformers' environment
  hfjs_templates.expected.json   each huggingface.js case, likewise
  llamacpp_templates.expected.json  each llama.cpp template with three conversations (one user
                                 turn with the generation prompt, system + multi-turn without it,
                                 tool calls with it) and generic special tokens

A case the peer refuses records the exception's type and message instead of an output.
`strftime_now` sees the fixed local time in FIXED_NOW, so outputs do not depend on the day.
With --check nothing is written: the committed expected files must equal a fresh rendering.
Exits 0 when written or equal, 1 when --check finds a difference, 2 on bad usage.
"""

import argparse
import copy
import datetime as real_datetime
import json
import os
import sys

FIXED_NOW = "2024-07-26T10:30:00"


class FixedDatetime(real_datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return cls.fromisoformat(FIXED_NOW)


def load(directory, name):
    with open(os.path.join(directory, name), encoding="utf-8") as file:
        return json.load(file)


def dumps(value):
    return json.dumps(value, ensure_ascii=False, indent=1) + "\n"


def outcome(render):
    """{"expected": text} or {"error": {"type", "message"}} for one rendering."""
    try:
        return {"expected": render()}
    except Exception as error:  # the peer's refusal is part of what we record
        return {"error": {"type": type(error).__name__, "message": str(error)}}


# The conversations each llama.cpp template is rendered with, and whether with the generation prompt.
LLAMACPP_CONVERSATIONS = [("single_user", True), ("system_multi_turn", False), ("tool_calls", True)]
LLAMACPP_SPECIAL_TOKENS = {"bos_token": "<s>", "eos_token": "</s>"}


def chat_template_cases(directory, utils, templates_file="chat_templates.json", selection=None):
    templates = load(directory, templates_file)
    conversations = {conversation["name"]: conversation for conversation in load(directory, "conversations.json")}
    runs = selection or [(name, flag) for name in conversations for flag in (False, True)]
    cases = []
    for template_name, template in templates.items():
        for conversation_name, add_generation_prompt in runs:
            conversation = conversations[conversation_name]
            tools = conversation.get("tools")
            kwargs = dict(template.get("special_tokens", LLAMACPP_SPECIAL_TOKENS))
            kwargs.update(conversation.get("kwargs", {}))
            result = outcome(lambda: utils.render_jinja_template(
                conversations=[conversation["messages"]], tools=tools, documents=None,
                chat_template=template["template"], add_generation_prompt=add_generation_prompt,
                **kwargs)[0][0])
            context = {"messages": conversation["messages"], "tools": tools, "documents": None,
                       "add_generation_prompt": add_generation_prompt, **kwargs}
            again = outcome(lambda: utils._compile_jinja_template(template["template"]).render(**copy.deepcopy(context)))
            if again != result:
                raise SystemExit(f"{template_name} x {conversation['name']}: the recorded context does not "
                                 f"reproduce render_jinja_template's output")
            cases.append({"template": template_name, "conversation": conversation["name"],
                          "add_generation_prompt": add_generation_prompt, "context": context, **result})
    return {"now": FIXED_NOW, "cases": cases}


def feature_cases(directory, utils):
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    features = load(directory, "feature_cases.json")
    results = []
    for case in features["cases"]:
        # A fresh copy each time: Python filters can change a context list in place (indent's +=).
        context = copy.deepcopy(features["context"])
        context.update(copy.deepcopy(case.get("context", {})))
        if case.get("options") == "jinja":
            # Jinja2's own defaults (no trim_blocks, no lstrip_blocks), for the lexer's rules.
            compile_template = ImmutableSandboxedEnvironment().from_string
        else:
            compile_template = utils._compile_jinja_template
        result = outcome(lambda: compile_template(case["template"]).render(**context))
        results.append({"name": case["name"], **result})
    return {"now": FIXED_NOW, "cases": results}


def hfjs_cases(directory, utils):
    results = []
    for name, case in load(directory, "hfjs_templates.json").items():
        result = outcome(lambda: utils._compile_jinja_template(case["chat_template"]).render(**copy.deepcopy(case["data"])))
        results.append({"name": name, **result})
    return {"now": FIXED_NOW, "cases": results}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--fixtures", default=os.path.join(root, "Tests", "JinjaTests", "Fixtures"))
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    arguments = parser.parse_args()

    import jinja2
    import transformers
    from transformers.utils import chat_template_utils as utils

    utils.datetime = FixedDatetime
    print(f"transformers {transformers.__version__}, jinja2 {jinja2.__version__}, now {FIXED_NOW}")

    outputs = {
        "chat_templates.expected.json": chat_template_cases(arguments.fixtures, utils),
        "feature_cases.expected.json": feature_cases(arguments.fixtures, utils),
        "hfjs_templates.expected.json": hfjs_cases(arguments.fixtures, utils),
        "llamacpp_templates.expected.json": chat_template_cases(arguments.fixtures, utils, "llamacpp_templates.json",
                                                                LLAMACPP_CONVERSATIONS),
    }
    differences = 0
    for name, value in outputs.items():
        path = os.path.join(arguments.fixtures, name)
        text = dumps(value)
        errors = sum(1 for case in value["cases"] if "error" in case)
        summary = f"{name}: {len(value['cases'])} cases ({errors} refused by the peer)"
        if arguments.check:
            with open(path, encoding="utf-8") as file:
                same = file.read() == text
            differences += 0 if same else 1
            print(f"{summary}: {'same' if same else 'DIFFERENT from the committed file'}")
        else:
            with open(path, "w", encoding="utf-8") as file:
                file.write(text)
            print(f"{summary}: written")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
