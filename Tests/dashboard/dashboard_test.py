#!/usr/bin/env python3
"""Drives the real dashboard in headless Chromium against a real `tally serve` with seeded data.

Python 3 standard library only: the Chrome DevTools Protocol over a minimal websocket client.

Checks: the page loads with no console errors or exceptions; signing in with a read token works
and the token never reaches the URL; the figures on the page equal `spend.query` and
`budgets.status` for the page's own range; an event ingested during the test shows up within
15 s without a reload; the filters are mirrored in the URL's hash; the alert feed is filled.
Saves screenshots to .build/artifacts/ (dashboard.png, dashboard-narrow.png) and prints the
page's load time.

Environment: TALLY_BIN (default .build/debug/tally), CHROME (default: chromium-headless-shell
or chromium on PATH), DASHBOARD_EVENTS (events to seed, default 400; the load-time figure in
docs/dashboard.md was measured with 100000), ARTIFACTS (default .build/artifacts).
"""
import base64
import datetime as dt
import decimal
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FAILURES = []


def check(condition, message):
    if condition:
        print("  ok   " + message)
    else:
        print("  FAIL " + message)
        FAILURES.append(message)
    return condition


# -- the server ---------------------------------------------------------------------------------
class Server:
    def __init__(self, work, rules):
        binary = os.environ.get("TALLY_BIN") or os.path.join(ROOT, ".build", "debug", "tally")
        self.out = open(os.path.join(work, "server.out"), "w+")
        self.err = open(os.path.join(work, "server.err"), "w+")
        self.process = subprocess.Popen(
            [binary, "serve", "--data", os.path.join(work, "data"), "--rules", rules,
             "--rpc", "127.0.0.1:0", "--http", "127.0.0.1:0", "--log-level", "info"],
            stdout=self.out, stderr=self.err)
        deadline = time.time() + 60
        text = ""
        while time.time() < deadline:
            self.out.seek(0)
            text = self.out.read()
            if "JSON-RPC on tcp://" in text:
                break
            if self.process.poll() is not None:
                raise SystemExit("tally serve exited at start:\n" + open(self.err.name).read())
            time.sleep(0.1)
        match = re.search(r"and (http://[^ ]+)/rpc", text)
        token = re.search(r"^\s+(tly_[A-Za-z0-9_-]+)\s*$", text, re.M)
        if not match or not token:
            raise SystemExit("tally serve did not print its address and first token:\n" + text)
        self.base = match.group(1)
        self.admin = token.group(1)

    def rpc(self, method, params=None, token=None, headers=None):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}).encode()
        request = urllib.request.Request(self.base + "/rpc", data=body, method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", "Bearer " + (token or self.admin))
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        with urllib.request.urlopen(request, timeout=120) as response:
            reply = json.loads(response.read())
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self):
        self.out.seek(0)
        self.err.seek(0)
        return self.out.read() + self.err.read()


# -- a minimal websocket client (RFC 6455), enough for the DevTools protocol --------------------
class WebSocket:
    def __init__(self, url):
        match = re.match(r"ws://([^/:]+):(\d+)(/.*)", url)
        host, port, path = match.group(1), int(match.group(2)), match.group(3)
        self.sock = socket.create_connection((host, port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("websocket handshake: connection closed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise ConnectionError("websocket handshake refused: " + head.decode(errors="replace"))

    def _exactly(self, n):
        data = bytearray()
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("websocket closed")
            data += chunk
        return bytes(data)

    def send(self, text):
        payload = text.encode()
        header = bytearray([0x81])
        n = len(payload)
        if n < 126:
            header.append(0x80 | n)
        elif n < 65536:
            header.append(0x80 | 126)
            header += struct.pack(">H", n)
        else:
            header.append(0x80 | 127)
            header += struct.pack(">Q", n)
        mask = os.urandom(4)
        header += mask
        self.sock.sendall(bytes(header) + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def receive(self):
        message = bytearray()
        while True:
            first, second = self._exactly(2)
            opcode, n = first & 0x0F, second & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._exactly(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._exactly(8))[0]
            mask = self._exactly(4) if second & 0x80 else None
            payload = self._exactly(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x8:
                raise ConnectionError("websocket closed by the browser")
            if opcode == 0x9:  # ping: answer with pong
                continue
            message += payload
            if first & 0x80:
                return message.decode()


class Browser:
    """Headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, work):
        chrome = os.environ.get("CHROME") or shutil.which("chromium-headless-shell") or shutil.which("chromium")
        if not chrome:
            raise SystemExit("no Chromium: install chromium-headless-shell (scripts/install-deps does)")
        self.profile = tempfile.mkdtemp(prefix="profile.", dir=work)
        env = dict(os.environ, TZ="UTC")
        self.process = subprocess.Popen(
            [chrome, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", f"--user-data-dir={self.profile}",
             "--window-size=1280,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        endpoint = None
        deadline = time.time() + 60
        while time.time() < deadline and endpoint is None:
            line = self.process.stderr.readline().decode(errors="replace")
            if not line and self.process.poll() is not None:
                raise SystemExit("Chromium exited at start")
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            if match:
                endpoint = match.group(1)
        if endpoint is None:
            raise SystemExit("Chromium did not print its DevTools address within 60 s")
        port = re.match(r"ws://[^:]+:(\d+)/", endpoint).group(1)
        # Keep reading stderr so that Chromium never blocks on a full pipe.
        import threading
        threading.Thread(target=lambda: [None for _ in iter(self.process.stderr.readline, b"")], daemon=True).start()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            targets = json.loads(response.read())
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"])
        self.next_id = 0
        self.events = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(domain + ".enable")

    def call(self, method, **params):
        self.next_id += 1
        ident = self.next_id
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError("evaluate failed: " + json.dumps(result["exceptionDetails"])[:500])
        return result["result"].get("value")

    def wait_for(self, expression, timeout, what):
        deadline = time.time() + timeout
        last_error = None
        while time.time() < deadline:
            try:
                value = self.evaluate(expression)
            except RuntimeError as error:  # the page is between documents (a navigation)
                value, last_error = None, error
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"waited {timeout} s for {what}" + (f" (last error: {last_error})" if last_error else ""))

    def navigate(self, url):
        self.call("Page.navigate", url=url)

    def sign_in(self, token, timeout):
        """Pastes the token into the sign-in form, as a person would, and waits for the first render."""
        self.evaluate(f"document.getElementById('token').value = {json.dumps(token)};"
                      "document.querySelector('#token-form button[type=submit]').click(); true")
        self.wait_for("document.body.dataset.state === 'ready'", timeout, "the first render")

    def reload_times(self, timeout, count=3):
        """Reloads the page `count` times (the session keeps its token) and returns each load time
        in ms, from navigation to the first full render, as the page measures it."""
        loads = []
        for _ in range(count):
            self.evaluate("document.body.dataset.state = 'reloading'; true")
            self.call("Page.reload", ignoreCache=True)
            self.wait_for("document.body && document.body.dataset.state === 'ready'", timeout, "the render after a reload")
            loads.append(int(self.evaluate("document.body.dataset.loadMs")))
        return loads

    def errors(self):
        """Console errors, uncaught exceptions and failed loads the page reported so far."""
        found = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append("exception: " + json.dumps(params.get("exceptionDetails", {}))[:400])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console." + params["type"] + ": " + json.dumps(params.get("args", []))[:400])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append("log: " + params["entry"].get("text", "") + " " + params["entry"].get("url", ""))
        return found

    def screenshot(self, path, width, height=900):
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=width < 600)
        time.sleep(0.5)
        full = self.evaluate("Math.ceil(document.documentElement.scrollHeight)")
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=min(int(full), 6000), deviceScaleFactor=1, mobile=width < 600)
        time.sleep(0.5)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))
        self.call("Emulation.clearDeviceMetricsOverride")

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- seed data ----------------------------------------------------------------------------------
CLIENTS = ["acme", "globex", "initech", "umbrella", "hooli"]
MODELS = [("openai", "gpt-4o-mini"), ("openai", "gpt-4o"), ("anthropic", "claude-haiku-4-5-20251001"),
          ("anthropic", "claude-sonnet-4-5-20250929"), ("google", "gemini-2.0-flash")]


def seed(server, count):
    now = dt.datetime.now(dt.timezone.utc)
    rng = random.Random(7)
    batch, started, runs = [], time.time(), {}
    for i in range(count):
        ts = now - dt.timedelta(seconds=rng.randint(60, 40 * 86400))
        provider, model = MODELS[i % len(MODELS)]
        event = {"id": f"seed-{i}", "ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "provider": provider, "model": model,
                 "usage": {"input_tokens": rng.randint(100, 20000), "output_tokens": rng.randint(10, 2000)},
                 "status": "error" if i % 17 == 0 else "success", "instance": "n8n-main", "execution_id": f"exec-{i // 3}"}
        if i % 23 == 0:      # unattributed: no client and a workflow name without the "Client - " convention
            event["workflow"] = {"id": "wf-nightly", "name": "nightly cleanup"}
        else:
            client = CLIENTS[i % len(CLIENTS)]
            event["client"] = client
            event["workflow"] = {"id": f"wf-{client}-{i % 3}", "name": f"{client.title()} - Flow {i % 3}"}
        if i % 41 == 0:      # a model without a price: stored unpriced, never $0
            event["model"] = "mystery-model-x"
        batch.append(event)
        runs.setdefault(event["execution_id"], {"instance": "n8n-main", "id": event["execution_id"],
                                                "workflow": event["workflow"]["id"], "started_at": event["ts"],
                                                "status": "error" if (i // 3) % 11 == 0 else "success"})
        if len(batch) == 5000 or i == count - 1:
            result = server.rpc("ingest.events", {"events": batch})
            rejected = [r for r in result.get("results", result.get("events", [])) if r.get("status") == "rejected"]
            if rejected:
                raise SystemExit("seed events rejected: " + json.dumps(rejected[:3]))
            batch = []
    executions = list(runs.values())
    for start in range(0, len(executions), 5000):
        result = server.rpc("ingest.executions", {"executions": executions[start:start + 5000]})
        if result["rejected"]:
            raise SystemExit("seed executions rejected: " + json.dumps([r for r in result["results"] if r["status"] == "rejected"][:3]))
    print(f"seeded {count} events and {len(executions)} executions in {time.time() - started:.1f} s")


def D(text):
    return decimal.Decimal(text if text is not None else "0")


# -- the test -----------------------------------------------------------------------------------
def main():
    events = int(os.environ.get("DASHBOARD_EVENTS", "400"))
    artifacts = os.environ.get("ARTIFACTS") or os.path.join(ROOT, ".build", "artifacts")
    os.makedirs(artifacts, exist_ok=True)
    work = tempfile.mkdtemp(prefix="tally-dashboard.")
    server = browser = None
    try:
        rules = os.path.join(work, "rules")
        shutil.copytree(os.path.join(ROOT, "rules"), rules)
        server = Server(work, rules)
        print(f"tally serve at {server.base}")
        read_token = server.rpc("tokens.create", {"role": "read", "label": "dashboard test"})
        read_token = read_token.get("token") or read_token.get("secret")
        seed(server, events)
        server.rpc("budgets.set", {"client": "acme", "amount": "2", "period": "month", "policy": "block", "id": "acme-monthly"})
        server.rpc("budgets.set", {"client": "globex", "amount": "500", "period": "month", "id": "globex-monthly"})
        # A late event on the acme budget makes its thresholds fire, so the alert feed has entries.
        server.rpc("ingest.events", {"events": [{"id": "budget-push", "provider": "openai", "model": "gpt-4o",
                                                 "usage": {"input_tokens": 300000, "output_tokens": 100000}, "client": "acme"}]})

        browser = Browser(work)
        started = time.time()
        browser.navigate(server.base + "/")
        browser.wait_for("document.readyState === 'complete' && document.body.dataset.state === 'signed-out'", 30, "the sign-in form")
        print(f"sign-in form shown in {time.time() - started:.2f} s")

        # Sign in through the form, as a person would.
        browser.sign_in(read_token, 60)
        check(read_token not in browser.evaluate("location.href"), "the token is not in the URL")
        check(browser.evaluate("sessionStorage.getItem('tally.read-token')") == read_token, "the token is kept in sessionStorage")

        # A reload keeps the session's token: this is the load time a user sees (three loads, reported, never judged).
        loads = browser.reload_times(120)
        print(f"LOAD TIME: {sorted(loads)[1]} ms median of {loads} from navigation to the first full render, {events} seeded events")

        compare_figures(server, browser, read_token)

        # Live: an event ingested now shows up without a reload.
        before = browser.evaluate("document.getElementById('total-cost').dataset.usd")
        server.rpc("ingest.events", {"events": [{"id": "live-1", "provider": "openai", "model": "gpt-4o",
                                                 "usage": {"input_tokens": 1000000, "output_tokens": 0}, "client": "initech"}]})
        frm, to = browser.evaluate("[document.body.dataset.from, document.body.dataset.to]")
        expected = server.rpc("spend.query", {"from": frm, "to": to}, token=read_token)["total"]["cost"]
        check(D(expected) != D(before), "the ingested event changes the total")
        ingested = time.time()
        try:
            browser.wait_for(f"document.getElementById('total-cost').dataset.usd === {json.dumps(expected)}", 15, "the live update")
            check(True, f"the ingested event shows up live, after {time.time() - ingested:.1f} s")
        except TimeoutError:
            check(False, "the ingested event shows up within 15 s (page shows "
                  + str(browser.evaluate("document.getElementById('total-cost').dataset.usd")) + f", expected {expected})")
        compare_figures(server, browser, read_token)

        # Filters are mirrored in the URL (never the token), and a shared URL opens that view.
        browser.evaluate("const s = document.getElementById('f-client'); s.value = 'acme';"
                         "s.dispatchEvent(new Event('change', {bubbles: true})); true")
        browser.wait_for("location.hash.includes('client=acme')", 10, "the hash")
        browser.wait_for("document.querySelectorAll('#table-client tbody tr').length === 1", 15, "the filtered view")
        shared = browser.evaluate("location.href")
        check(read_token not in shared, "the shared URL carries no token")
        browser.navigate(server.base + "/")
        browser.wait_for("document.body.dataset.state === 'ready' && document.getElementById('f-client').value === ''", 30, "the unfiltered view")
        browser.navigate(shared)
        browser.wait_for("document.body.dataset.state === 'ready' && document.getElementById('f-client').value === 'acme'", 30, "the shared view")
        acme = server.rpc("spend.query", {"from": frm, "to": to, "filter": {"client": "acme"}}, token=read_token)["total"]["cost"]
        browser.wait_for(f"document.getElementById('total-cost').dataset.usd === {json.dumps(acme)}", 15, "the acme total")
        check(True, "a shared URL opens the filtered view with the same figures")

        # Back to everything for the screenshots.
        browser.navigate(server.base + "/#range=30d")
        browser.wait_for("document.body.dataset.state === 'ready' && document.querySelectorAll('#table-client tbody tr').length > 1", 30, "the full view")
        check(browser.evaluate("document.querySelectorAll('#alert-feed li').length") > 0, "the alert feed lists the fired alerts")
        # Sorting: a header is a button; the order and aria-sort follow it.
        browser.evaluate("document.querySelector('#table-client thead th:nth-child(3) button').click(); true")
        order = browser.evaluate("""[...document.querySelectorAll('#table-client tbody tr')].map(tr => +tr.children[2].textContent.replace(/,/g, ''))""")
        check(order == sorted(order, reverse=True) and
              browser.evaluate("document.querySelector('#table-client thead th:nth-child(3)').getAttribute('aria-sort')") == "descending",
              f"sorting by events orders the rows ({order})")
        check(browser.evaluate("document.activeElement.textContent") == "Events", "the sort button keeps the focus")
        # Client reports: the Report button prepares acme's HTML report (reports.client) and opens it.
        browser.evaluate("document.querySelector('#table-client tbody tr[data-key=acme] button').click(); true")
        try:
            browser.wait_for("document.getElementById('report-status').textContent.startsWith('Open the report of acme')", 10, "the report link")
            check(True, "the Report button opens acme's report (reports.client, html)")
        except TimeoutError:
            check(False, "report link: " + str(browser.evaluate("document.getElementById('report-status').textContent")))
        # Executions: the panel shows reports.agency's figures for the page's range.
        frm, to = browser.evaluate("[document.body.dataset.from, document.body.dataset.to]")
        agency = server.rpc("reports.agency", {"from": frm, "to": to}, token=read_token)
        shown = browser.evaluate("(document.getElementById('exec-total') || {}).textContent")
        check(shown is not None and int(shown.replace(",", "")) == agency["executions"]["total"] and agency["executions"]["total"] > 0,
              f"executions: page {shown} == reports.agency {agency['executions']['total']}")
        spots = browser.evaluate("document.querySelectorAll('#table-hotspots tbody tr').length")
        check(spots == len(agency["failure_hotspots"]) and spots > 0, f"failure hotspots: page {spots} rows == reports.agency {len(agency['failure_hotspots'])}")
        check("admin token" in browser.evaluate("document.getElementById('rules').textContent"),
              "rule status says it needs an admin token for a read token")
        browser.screenshot(os.path.join(artifacts, "dashboard.png"), 1280)
        browser.screenshot(os.path.join(artifacts, "dashboard-narrow.png"), 390)
        check(browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "no horizontal scrolling of the page at 1280 px")
        print(f"screenshots: {artifacts}/dashboard.png, dashboard-narrow.png")

        # An admin token also sees the rule set: its version, and a load error when a file breaks.
        browser.evaluate("document.getElementById('forget').click(); true")
        browser.wait_for("document.body.dataset.state === 'signed-out'", 10, "signing out")
        check(browser.evaluate("sessionStorage.getItem('tally.read-token')") is None, "Forget token clears sessionStorage")
        browser.sign_in(server.admin, 30)
        browser.wait_for("!!document.getElementById('rules-table')", 30, "the rules panel")
        version = server.rpc("rules.list")["current"]["version"]
        check(version in browser.evaluate("document.getElementById('rules-table').textContent"), f"the rules panel shows the serving version {version}")
        with open(os.path.join(rules, "demo", "attribution.lua"), "a") as file:
            file.write("\nthis is not lua (\n")
        try:
            browser.wait_for("!!document.getElementById('rules-failure')", 20, "the rule load error")
            text = browser.evaluate("document.getElementById('rules-failure').textContent")
            check("attribution.lua" in text and version in browser.evaluate("document.getElementById('rules-table').textContent"),
                  f"a broken rule file shows as a load error while {version} goes on serving: {text[:160]}")
        except TimeoutError:
            check(False, "a broken rule file shows up in the rules panel within 20 s")

        errors = browser.errors()
        check(not errors, "no console errors or exceptions" + ("" if not errors else ": " + "; ".join(errors[:5])))
        check(read_token not in server.log(), "the server's log never shows the token")
    finally:
        if browser:
            browser.close()
        if server:
            server.stop()
            if FAILURES:
                print("server log (last 30 lines):\n" + "\n".join(server.log().splitlines()[-30:]))
        shutil.rmtree(work, ignore_errors=True)
    if FAILURES:
        print(f"dashboard test: {len(FAILURES)} FAILED")
        sys.exit(1)
    print("dashboard test: all passed")


def compare_figures(server, browser, token):
    """The page's figures equal spend.query and budgets.status for the page's own range."""
    frm, to = browser.evaluate("[document.body.dataset.from, document.body.dataset.to]")
    total = server.rpc("spend.query", {"from": frm, "to": to}, token=token)["total"]
    shown = browser.evaluate("document.getElementById('total-cost').dataset.usd")
    check(D(shown) == D(total["cost"]), f"total in the range: page {shown} == spend.query {total['cost']}")
    for dimension in ("client", "provider", "model", "workflow"):
        rows = server.rpc("spend.query", {"from": frm, "to": to, "group_by": [dimension]}, token=token)["rows"]
        expected = {(r[dimension] if r[dimension] is not None else "(unattributed)" if dimension == "client" else "(none)"): D(r["cost"]) for r in rows}
        page = browser.evaluate(f"""[...document.querySelectorAll('#table-{dimension} tbody tr')].map(tr =>
            [tr.dataset.key, tr.querySelector('td [data-usd]').dataset.usd])""")
        page = {k: D(v) for k, v in page}
        check(page == expected, f"spend by {dimension}: {len(page)} rows equal spend.query" + ("" if page == expected else f" (page {page}, rpc {expected})"))
    unpriced = browser.evaluate("document.getElementById('unpriced').dataset.count")
    check(int(unpriced) == total["unpriced"], f"unpriced events called out: page {unpriced} == spend.query {total['unpriced']}")
    statuses = server.rpc("budgets.status", {}, token=token)["budgets"]
    page = browser.evaluate("""[...document.querySelectorAll('#budget-list li')].map(li =>
        [li.dataset.budgetId, li.dataset.spent, li.dataset.amount])""")
    page = {k: (D(s), D(a)) for k, s, a in page}
    expected = {s["budget"]["id"]: (D(s["spent"]), D(s["budget"]["amount"])) for s in statuses}
    check(page == expected and len(expected) == 2, f"budgets: page {page} == budgets.status {expected}")


if __name__ == "__main__":
    main()
