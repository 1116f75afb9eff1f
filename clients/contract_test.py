#!/usr/bin/env python3
"""The contract test shared by all clients (run by clients/run-tests; no server needed).

Fails when
  - a generated file is missing or stale relative to proto/openrpc.json
    (fix: python3 clients/generate.py, and commit);
  - a method of proto/openrpc.json has no helper in the Python client (an attribute of
    tally_client.TallyClient), the JS client (a function on TallyClient.prototype, checked by
    importing the module in node) or the Swift client (a `public func` in the TallyClient
    target's generated extension, which `swift build --product tally` compiles);
  - a client holds a helper (or a METHODS entry) for a method the contract no longer has.

Standard library only. Exit status 0 when all holds, 1 otherwise.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "python"))

import generate  # noqa: E402


def contract_methods() -> List[generate.Method]:
    with open(generate.CONTRACT, encoding="utf-8") as f:
        return generate.load_methods(json.load(f))


def check_fresh() -> List[str]:
    return [f"{rel} is stale or missing relative to proto/openrpc.json; run python3 clients/generate.py"
            for rel in generate.stale_files()]


def check_python(methods: List[generate.Method]) -> List[str]:
    problems = []
    try:
        import tally_client
    except Exception as e:  # noqa: BLE001
        return [f"python: cannot import tally_client: {e!r}"]
    for m in methods:
        helper = getattr(tally_client.TallyClient, m.py, None)
        if not callable(helper):
            problems.append(f"python: no helper TallyClient.{m.py} for {m.name}")
    extra = set(tally_client.METHODS) - {m.name for m in methods}
    problems += [f"python: helper for {name}, which the contract does not have" for name in sorted(extra)]
    return problems


def check_js(methods: List[generate.Method]) -> List[str]:
    script = (
        "const m = await import(process.argv[1]);"
        "const proto = m.TallyClient.prototype;"
        "const out = {};"
        "for (const [method, helper] of Object.entries(JSON.parse(process.argv[2]))) out[method] = typeof proto[helper] === 'function';"
        "console.log(JSON.stringify({helpers: out, methods: Object.keys(m.METHODS)}));"
    )
    wanted = {m.name: m.js for m in methods}
    index = "file://" + os.path.join(HERE, "js", "src", "index.js")
    try:
        run = subprocess.run(["node", "--input-type=module", "-e", script, index, json.dumps(wanted)],
                             capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        return ["js: node is not installed"]
    if run.returncode != 0:
        return [f"js: cannot import clients/js/src/index.js: {run.stderr.strip()}"]
    answer: Dict[str, object] = json.loads(run.stdout)
    problems = [f"js: no helper TallyClient.prototype.{wanted[name]} for {name}"
                for name, ok in answer["helpers"].items() if not ok]  # type: ignore[union-attr]
    extra = set(answer["methods"]) - set(wanted)  # type: ignore[arg-type]
    problems += [f"js: helper for {name}, which the contract does not have" for name in sorted(extra)]
    return problems


def check_swift(methods: List[generate.Method]) -> List[str]:
    path = os.path.join(ROOT, generate.SWIFT_OUT)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return [f"swift: {generate.SWIFT_OUT} is missing"]
    problems = []
    if not re.search(r"^extension TallyClient \{", text, re.M):
        problems.append("swift: the generated file does not extend TallyClient")
    funcs = set(re.findall(r"^    public func ([A-Za-z0-9_]+)\(", text, re.M))
    table = dict(re.findall(r'^        "([^"]+)": "([^"]+)",$', text, re.M))
    for m in methods:
        if m.swift not in funcs:
            problems.append(f"swift: no helper TallyClient.{m.swift} for {m.name}")
        if table.get(m.name) != m.swift:
            problems.append(f"swift: generatedMethods lacks {m.name}")
    extra = set(table) - {m.name for m in methods}
    problems += [f"swift: helper for {name}, which the contract does not have" for name in sorted(extra)]
    return problems


def main() -> int:
    methods = contract_methods()
    problems = check_fresh() + check_python(methods) + check_js(methods) + check_swift(methods)
    for p in problems:
        print(f"contract test: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"contract test: {len(methods)} methods in proto/openrpc.json, each with a helper in Python, JS and Swift; "
          "generated files are fresh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
