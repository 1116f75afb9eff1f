"""The generator: naming, picking up new methods, refusing clashes (no server needed)."""

from __future__ import annotations

import copy
import json
import os
import sys
import types

import pytest

CLIENTS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, CLIENTS)

import generate  # noqa: E402
from conftest import swift_typecheck  # noqa: E402


def load_contract() -> dict:
    with open(generate.CONTRACT, encoding="utf-8") as f:
        return json.load(f)


def test_names():
    assert generate.py_method_name("a.b_c") == "a_b_c"
    assert generate.js_method_name("a.b_c") == "aBC"
    assert generate.swift_method_name("a.b_c") == "aBC"
    assert generate.py_method_name("ingest.events") == "ingest_events"
    assert generate.js_method_name("ingest.events") == "ingestEvents"
    assert generate.js_method_name("attribution.replay") == "attributionReplay"
    assert generate.py_param_name("from") == "from_"
    assert generate.swift_param_name("group_by") == "groupBy"


def test_generated_files_are_fresh():
    assert generate.stale_files() == []


# Methods the contract does not have (yet): the generator must pick them up when they come.
FUTURE_METHODS = [
    ("quotas.check", [{"name": "client", "required": True, "schema": {"type": "string"}},
                      {"name": "estimated_cost", "required": False, "schema": {"$ref": "#/components/schemas/Money"}}],
     "quotas_check", "quotasCheck"),
    ("anomalies.list", [], "anomalies_list", "anomaliesList"),
    ("webhooks.create", [{"name": "url", "required": True, "schema": {"type": "string"}},
                         {"name": "events", "schema": {"type": "array", "items": {"type": "string"}}}],
     "webhooks_create", "webhooksCreate"),
    ("clients.set_budget", [{"name": "limit", "schema": {"type": "integer"}}], "clients_set_budget", "clientsSetBudget"),
    ("reports.generate", [{"name": "from", "schema": {"type": "string"}},
                          {"$ref": "#/components/contentDescriptors/ReportFormat"},
                          {"name": "params", "schema": {"type": "object"}},
                          {"name": "default", "schema": {"type": "boolean"}}],
     "reports_generate", "reportsGenerate"),
]


def test_rerunning_picks_up_new_methods(tmp_path):
    doc = load_contract()
    doc["components"].setdefault("contentDescriptors", {})["ReportFormat"] = {
        "name": "format", "required": True, "schema": {"type": "string", "enum": ["pdf", "csv"]}}
    for name, params, _, _ in FUTURE_METHODS:
        doc["methods"].append({"name": name, "summary": f"{name} (test)", "x-role": "admin", "params": params,
                               "result": {"name": "r", "schema": {}}})
    contract = tmp_path / "openrpc.json"
    contract.write_text(json.dumps(doc))
    # The committed files are stale for this contract...
    assert sorted(generate.stale_files(contract_path=str(contract))) == sorted(
        [generate.PY_OUT, generate.JS_OUT, generate.SWIFT_OUT])
    # ...and a run writes helpers for the new methods.
    assert generate.main(["--contract", str(contract), "--out", str(tmp_path)]) == 0
    assert generate.main(["--check", "--contract", str(contract), "--out", str(tmp_path)]) == 0
    py = (tmp_path / generate.PY_OUT).read_text()
    js = (tmp_path / generate.JS_OUT).read_text()
    swift = (tmp_path / generate.SWIFT_OUT).read_text()
    for name, _, py_name, js_name in FUTURE_METHODS:
        assert f"def {py_name}(" in py
        assert f"  {js_name}(params = {{}}, options = {{}}) {{" in js
        assert f"public func {js_name}(" in swift
        assert json.dumps(name) in py and json.dumps(name) in js and json.dumps(name) in swift
    assert "public func quotasCheck(client: String, estimatedCost: JSONValue? = nil)" in swift or \
        "public func quotasCheck(client: String, estimatedCost: String? = nil)" in swift
    # The Python module works: the helper sends the wire names.
    module = types.ModuleType("tally_client._methods_test")
    module.__package__ = "tally_client"
    sys.path.insert(0, os.path.join(CLIENTS, "python"))
    exec(compile(py, "_methods.py", "exec"), module.__dict__)

    class Recorder(module.GeneratedMethods):
        def call(self, method, params=None, **options):
            return method, params

    assert Recorder().quotas_check(client="acme", estimated_cost="0.10") == (
        "quotas.check", {"client": "acme", "estimated_cost": "0.10"})
    assert Recorder().reports_generate(format="pdf", from_="2026-11-01T00:00:00Z", params={"a": 1}) == (
        "reports.generate", {"format": "pdf", "from": "2026-11-01T00:00:00Z", "params": {"a": 1}})
    assert Recorder().reports_generate(format="csv") == ("reports.generate", {"format": "csv"})
    # The Swift extension for the grown contract compiles against the TallyClient module.
    check = tmp_path / "Future.swift"
    check.write_text(swift.replace("public static let generatedMethods", "public static let futureMethods")
                     .replace("import TallyJSON", "import TallyClient\nimport TallyJSON"))
    run = swift_typecheck(str(check))
    assert run.returncode == 0, run.stderr


def test_removed_methods_disappear(tmp_path):
    doc = load_contract()
    doc["methods"] = [m for m in doc["methods"] if m["name"] != "rules.put"]
    contract = tmp_path / "openrpc.json"
    contract.write_text(json.dumps(doc))
    out = generate.render_all(str(contract))
    assert "rules_put" not in out[generate.PY_OUT]
    assert "rulesPut" not in out[generate.JS_OUT]
    assert "rulesPut" not in out[generate.SWIFT_OUT]


@pytest.mark.parametrize("names", [["a.b_c", "a_b.c"], ["call"]])
def test_clashes_are_refused(names):
    doc = copy.deepcopy(load_contract())
    doc["methods"] = [{"name": n, "params": [], "result": {"name": "r", "schema": {}}} for n in names]
    with pytest.raises(generate.GenerationError):
        generate.load_methods(doc)
