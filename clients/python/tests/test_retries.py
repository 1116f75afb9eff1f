"""Retries (same event ids, never double-counted), time-outs and connection failures."""

from __future__ import annotations

import socket
import threading

import pytest

from conftest import event, spend_events, unique
from tally_client import TallyClient, TallyError, connect
from tally_client.transport import HttpTransport, TcpTransport, Transport


class LoseAnswers(Transport):
    """Forwards to the real server, then drops the first `lose` answers (as a time-out would)."""

    def __init__(self, inner: Transport, lose: int = 1) -> None:
        self.inner = inner
        self.lose = lose
        self.sent = []

    def request(self, method, params, timeout):
        self.sent.append((method, params))
        result = self.inner.request(method, params, timeout)
        if self.lose > 0:
            self.lose -= 1
            raise TallyError.local("DEADLINE_EXCEEDED", "answer lost (test)", True)
        return result

    def close(self):
        self.inner.close()


class FailFirst(Transport):
    """Answers the first `fail` calls with a server error, without forwarding them."""

    def __init__(self, inner: Transport, fail: int, status: str = "UNAVAILABLE", retryable: bool = True) -> None:
        self.inner = inner
        self.fail = fail
        self.status = status
        self.retryable = retryable
        self.calls = 0

    def request(self, method, params, timeout):
        self.calls += 1
        if self.fail > 0:
            self.fail -= 1
            raise TallyError(-32004, "down (test)", self.status, self.retryable, data={"status": self.status})
        return self.inner.request(method, params, timeout)

    def close(self):
        self.inner.close()


def real(kind, token, tcp_url, http_url) -> Transport:
    if kind == "tcp":
        host, port = tcp_url[len("tcp://"):].rsplit(":", 1)
        return TcpTransport(host, int(port), token)
    return HttpTransport(http_url, token)


@pytest.mark.parametrize("kind", ["tcp", "http"])
def test_lost_answer_retry_resends_same_ids_and_is_counted_once(kind, token, tcp_url, http_url):
    transport = LoseAnswers(real(kind, token, tcp_url, http_url), lose=1)
    client = TallyClient(transport, backoff=0.001)
    name = unique("retry")
    events = [event(name, unique()), event(name, unique())]
    answer = client.ingest_events(events=events)
    # The first attempt was stored; the retry carried the same ids and got "duplicate".
    assert len(transport.sent) == 2
    assert transport.sent[0] == transport.sent[1]
    assert [r["status"] for r in answer["results"]] == ["duplicate", "duplicate"]
    assert [r["id"] for r in answer["results"]] == [e["id"] for e in events]
    assert spend_events(client, name) == 2
    client.close()


def test_retryable_server_error_is_retried(token, tcp_url, http_url):
    transport = FailFirst(real("http", token, tcp_url, http_url), fail=2)
    client = TallyClient(transport, backoff=0.001, retries=3)
    assert client.health_check()["status"] == "SERVING"
    assert transport.calls == 3


def test_retries_run_out(token, tcp_url, http_url):
    transport = FailFirst(real("http", token, tcp_url, http_url), fail=5)
    client = TallyClient(transport, backoff=0.001, retries=2)
    with pytest.raises(TallyError) as caught:
        client.health_check()
    assert caught.value.status == "UNAVAILABLE" and transport.calls == 3


def test_non_retryable_error_is_not_retried(token, tcp_url, http_url):
    transport = FailFirst(real("http", token, tcp_url, http_url), fail=1, status="INVALID_ARGUMENT", retryable=False)
    client = TallyClient(transport, backoff=0.001)
    with pytest.raises(TallyError):
        client.health_check()
    assert transport.calls == 1


def test_lost_answer_of_an_admin_call_is_not_resent(token, tcp_url, http_url):
    transport = LoseAnswers(real("http", token, tcp_url, http_url), lose=1)
    client = TallyClient(transport, backoff=0.001)
    with pytest.raises(TallyError) as caught:
        client.tokens_create(role="read", label=unique("not-twice"))
    assert caught.value.status == "DEADLINE_EXCEEDED"
    assert len(transport.sent) == 1  # tokens.create may have run; it is not sent twice
    # A caller who knows better may say so.
    transport.lose = 1
    created = client.call("tokens.list", None, resend_safe=True)
    assert "tokens" in created


class SilentServer:
    """Accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self) -> None:
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.mark.parametrize("kind", ["tcp", "http"])
def test_time_out(kind):
    server = SilentServer()
    try:
        url = f"tcp://127.0.0.1:{server.port}" if kind == "tcp" else f"http://127.0.0.1:{server.port}/rpc"
        client = connect(url, token="tly_x", timeout=0.2, retries=1, backoff=0.001)
        with pytest.raises(TallyError) as caught:
            client.health_check()
        e = caught.value
        assert (e.code, e.status, e.retryable, e.from_server) == (-32002, "DEADLINE_EXCEEDED", True, False)
        client.close()
    finally:
        server.close()


@pytest.mark.parametrize("kind", ["tcp", "http"])
def test_connection_refused_is_unavailable_and_never_sent(kind):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    url = f"tcp://127.0.0.1:{port}" if kind == "tcp" else f"http://127.0.0.1:{port}/rpc"
    client = connect(url, token="tly_x", retries=1, backoff=0.001)
    with pytest.raises(TallyError) as caught:
        client.tokens_create(role="read")  # even an admin call: it certainly never arrived
    e = caught.value
    assert (e.code, e.status, e.retryable, e.sent) == (-32004, "UNAVAILABLE", True, False)
