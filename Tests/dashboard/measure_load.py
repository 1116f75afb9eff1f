#!/usr/bin/env python3
"""Measures the dashboard's load time over an existing data folder (a large ledger), without
seeding or checks: `Tests/dashboard/measure_load.py DATA_DIR [AGENCY]`.

Starts `tally serve` over DATA_DIR (TALLY_BIN, default .build/release/tally), issues a read token
with `tally token create`, signs in through the page in headless Chromium and prints the median
of three loads from navigation to the first full render. Used for the figure with ten million
events (fill a folder with `scripts/bench reports`, whose folder is removed at its end, or with
your own data).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dashboard_test import ROOT, Browser  # noqa: E402


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    data, agency = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "demo")
    binary = os.environ.get("TALLY_BIN") or os.path.join(ROOT, ".build", "release", "tally")
    issued = subprocess.run([binary, "token", "create", "--data", data, "--agency", agency, "--role", "read", "--label", "load time"],
                            capture_output=True, text=True, check=True)
    token = re.search(r"(tly_[A-Za-z0-9_-]+)", issued.stdout + issued.stderr).group(1)
    work = tempfile.mkdtemp(prefix="tally-load.")
    out = open(os.path.join(work, "server.out"), "w+")
    server = subprocess.Popen([binary, "serve", "--data", data, "--rules", os.path.join(ROOT, "rules"), "--rpc", "127.0.0.1:0",
                               "--http", "127.0.0.1:0", "--log-level", "warning"], stdout=out, stderr=subprocess.STDOUT)
    browser = None
    try:
        base = None
        for _ in range(600):
            out.seek(0)
            match = re.search(r"and (http://[^ ]+)/rpc", out.read())
            if match:
                base = match.group(1)
                break
            time.sleep(0.1)
        if not base:
            raise SystemExit("tally serve did not start")
        browser = Browser(work)
        browser.navigate(base + "/")
        browser.wait_for("document.readyState === 'complete' && document.body.dataset.state === 'signed-out'", 60, "the sign-in form")
        browser.sign_in(token, 600)
        loads = browser.reload_times(600)
        events = browser.evaluate("document.getElementById('total-cost').closest('.card').textContent")
        print(f"LOAD TIME: {sorted(loads)[1]} ms median of {loads}; range card: {' '.join(events.split())}")
        artifacts = os.path.join(ROOT, ".build", "artifacts")
        os.makedirs(artifacts, exist_ok=True)
        browser.screenshot(os.path.join(artifacts, "dashboard-large.png"), 1280)
        print("errors:", browser.errors() or "none")
    finally:
        if browser:
            browser.close()
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
