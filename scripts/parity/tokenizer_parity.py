#!/usr/bin/env python3
"""Tokenizer parity: the engine's byte-level BPE against Hugging Face.

Usage: tokenizer_parity.py DIR CASES.jsonl

DIR is a Hugging Face tokenizer directory exported by the engine (tokenizer.json,
tokenizer_config.json); CASES.jsonl holds the engine's own results (written by
`TokenizerParityCases.write(to:)`, i.e. `iopo-exp model tokenizer-cases --out DIR` or the
EngineTests test run with IOPO_PARITY_OUT=DIR). Every case is checked with both the `tokenizers`
library (tokenizer.json loaded verbatim) and `transformers.AutoTokenizer` (the class named in
tokenizer_config.json):

  text    encode(text) == ids (no special tokens added), decode(ids) == NFC(text), and, where
          given, the pre-tokenizer pieces of the normalised text (tokenizers only)
  chat    apply_chat_template(messages) == text, and encoding that text == ids
  decode  decode(ids) == text, for arbitrary ids (split characters, out-of-range ids)

Prints every mismatch (up to a limit) and a summary; exits 1 on any mismatch, 2 on bad usage.
"""

import json
import sys
import unicodedata


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    directory, cases_path = sys.argv[1], sys.argv[2]

    from tokenizers import Tokenizer
    from transformers import AutoTokenizer
    import tokenizers
    import transformers

    raw = Tokenizer.from_file(f"{directory}/tokenizer.json")
    auto = AutoTokenizer.from_pretrained(directory)
    print(f"tokenizers {tokenizers.__version__}, transformers {transformers.__version__}: "
          f"{type(auto).__name__}, vocabulary {len(auto)}")

    with open(cases_path, encoding="utf-8") as handle:
        cases = [json.loads(line) for line in handle if line.strip()]

    mismatches = []
    counts = {"text": 0, "chat": 0, "decode": 0}

    def report(kind, index, what, expected, actual, detail=""):
        mismatches.append(f"[{kind} #{index}] {what}: expected {expected!r}, got {actual!r} {detail}".rstrip())

    for index, case in enumerate(cases):
        kind = case["kind"]
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "text":
            text, ids = case["text"], case["ids"]
            got_raw = raw.encode(text, add_special_tokens=False).ids
            if got_raw != ids:
                report(kind, index, "tokenizers ids", ids, got_raw, f"for {text!r}")
            got_auto = auto.encode(text, add_special_tokens=False)
            if got_auto != ids:
                report(kind, index, "transformers ids", ids, got_auto, f"for {text!r}")
            if "pieces" in case:
                normalized = raw.normalizer.normalize_str(text) if raw.normalizer else text
                pieces = [piece for piece, _ in raw.pre_tokenizer.pre_tokenize_str(normalized)]
                if pieces != case["pieces"]:
                    report(kind, index, "pre-tokenizer pieces", case["pieces"], pieces, f"for {text!r}")
            expected_text = unicodedata.normalize("NFC", text)
            for name, decoded in (("tokenizers", raw.decode(ids, skip_special_tokens=False)),
                                  ("transformers", auto.decode(ids, skip_special_tokens=False))):
                if decoded != expected_text:
                    report(kind, index, f"{name} decode", expected_text, decoded)
        elif kind == "chat":
            rendered = auto.apply_chat_template(case["messages"], tokenize=False,
                                                add_generation_prompt=case["add_generation_prompt"])
            if rendered != case["text"]:
                report(kind, index, "apply_chat_template", case["text"], rendered)
            got = auto.encode(rendered, add_special_tokens=False)
            if got != case["ids"]:
                report(kind, index, "chat ids", case["ids"], got)
        elif kind == "decode":
            ids, text = case["ids"], case["text"]
            for name, decoded in (("tokenizers", raw.decode(ids, skip_special_tokens=False)),
                                  ("transformers", auto.decode(ids, skip_special_tokens=False))):
                if decoded != text:
                    report(kind, index, f"{name} decode of {ids}", text, decoded)
        else:
            report(kind, index, "case kind", "text|chat|decode", kind)

    limit = 40
    for line in mismatches[:limit]:
        print(line)
    if len(mismatches) > limit:
        print(f"... and {len(mismatches) - limit} more")
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items()))
    if mismatches:
        print(f"FAIL: {len(mismatches)} mismatches over {len(cases)} cases ({summary})")
        return 1
    print(f"OK: {len(cases)} cases identical ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
