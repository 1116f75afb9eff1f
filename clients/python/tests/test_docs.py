"""docs/calling.md: its `tested` Python and sh blocks run against the real server (the JS block
runs in clients/js/test/docs.test.js); its Swift block is the CallingExample program of the package, run
against the same server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
GUIDE = os.path.join(ROOT, "docs", "calling.md")
EXPECTED_TOTAL = "docs-demo: 2 events, 0.0006 USD"


def blocks(language: str, marker: str = "tested"):
    with open(GUIDE, encoding="utf-8") as f:
        text = f.read()
    found = re.findall(r"^```" + re.escape(language) + r" " + marker + r"\n(.*?)^```", text, re.S | re.M)
    assert found, f"docs/calling.md has no ```{language} {marker} block"
    return found


def run_env(url: str) -> dict:
    env = dict(os.environ)
    env["TALLY_URL"] = url
    env["PYTHONPATH"] = os.path.join(ROOT, "clients", "python") + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.mark.parametrize("transport", ["tcp", "http"])
def test_python_snippets_run(transport, tcp_url, http_url, token, tmp_path):
    for i, code in enumerate(blocks("python")):
        path = tmp_path / f"snippet{i}.py"
        path.write_text(code)
        run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60,
                             env=run_env(tcp_url if transport == "tcp" else http_url))
        assert run.returncode == 0, run.stdout + run.stderr
        assert EXPECTED_TOTAL in run.stdout, run.stdout
        assert re.search(r"^doc-call-1 (accepted|duplicate) 0\.00036$", run.stdout, re.M), run.stdout


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_snippet_runs(http_url, token):
    (code,) = blocks("sh")
    env = dict(os.environ, TALLY_HTTP=http_url)
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 0, run.stderr
    assert '"status":"' in run.stdout.replace(" ", "") and '"events":2' in run.stdout.replace(" ", ""), run.stdout
    assert '"cost":"0.0006"' in run.stdout.replace(" ", ""), run.stdout


def test_swift_snippet_is_the_example_program_and_runs():
    (code,) = blocks("swift", "tested")
    with open(os.path.join(ROOT, "Sources", "CallingExample", "main.swift")) as f:
        assert code == f.read(), "docs/calling.md's Swift block must equal Sources/CallingExample/main.swift"
    binary = os.path.join(ROOT, ".build", "debug", "calling-example")
    assert os.access(binary, os.X_OK), "build it first: swift build --product calling-example (scripts/test does)"
    host, port = os.environ["TALLY_TCP"].removeprefix("tcp://").rsplit(":", 1)
    env = dict(os.environ, TALLY_HOST=host, TALLY_PORT=port)
    run = subprocess.run([binary], capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 0, run.stderr
    assert "doc-call-1" in run.stdout and "doc-call-2" in run.stdout, run.stdout
    assert EXPECTED_TOTAL in run.stdout, run.stdout
