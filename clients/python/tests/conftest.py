"""Fixtures: the real server clients/run-tests started (TALLY_TCP, TALLY_HTTP, TALLY_TOKEN)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tally_client without installing it

from tally_client import TallyClient, connect  # noqa: E402

# A fixed range: the tests' events carry timestamps in it, so nothing depends on today's date.
RANGE = {"from_": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}
TS = "2026-11-03T14:05:00Z"


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the tests with clients/run-tests (it starts a real tally serve)")
    return value


@pytest.fixture(scope="session")
def token() -> str:
    return _env("TALLY_TOKEN")


@pytest.fixture(scope="session")
def tcp_url() -> str:
    return _env("TALLY_TCP")


@pytest.fixture(scope="session")
def http_url() -> str:
    return _env("TALLY_HTTP")


@pytest.fixture(params=["tcp", "http"])
def client(request, token, tcp_url, http_url) -> TallyClient:
    c = connect(tcp_url if request.param == "tcp" else http_url, token=token, backoff=0.01)
    yield c
    c.close()


@pytest.fixture
def tcp_client(token, tcp_url) -> TallyClient:
    c = connect(tcp_url, token=token, backoff=0.01)
    yield c
    c.close()


def unique(prefix: str = "py") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def event(client_name: str, event_id: str = "", **extra) -> dict:
    e = {
        "ts": TS,
        "provider": "openai",
        "model": "gpt-4o-mini",
        "usage": {"input_tokens": 1000, "output_tokens": 500},
        "client": client_name,
        "workflow": {"id": "wf-test", "name": "Client tests"},
    }
    if event_id:
        e["id"] = event_id
    e.update(extra)
    return e


def spend_events(c: TallyClient, client_name: str) -> int:
    answer = c.spend_query(group_by=["client"], filter={"client": client_name}, **RANGE)
    return answer["total"]["events"]


ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def swift_typecheck(path: str) -> "subprocess.CompletedProcess[str]":
    """Type-checks a Swift file against the built modules (skips when there are none)."""
    modules = os.path.join(ROOT, ".build", "debug", "Modules")
    swiftc = shutil.which("swiftc")
    if swiftc is None or not os.path.exists(os.path.join(modules, "TallyClient.swiftmodule")):
        pytest.skip("no swiftc or no built TallyClient module (swift build --product tally)")
    command = [swiftc, "-typecheck", "-I", modules, "-module-cache-path",
               os.path.join(ROOT, ".build-clients", "swift-module-cache"), path]
    for pattern in (".build/debug/*.build/module.modulemap", "Sources/C*/module.modulemap",
                    ".build/checkouts/*/Sources/*/include/module.modulemap", ".build/checkouts/*/Sources/*/module.modulemap"):
        for m in sorted(glob.glob(os.path.join(ROOT, pattern))):
            command += ["-Xcc", f"-fmodule-map-file={m}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)
