"""The two transports: TCP (newline-delimited JSON-RPC, pipelined) and HTTP (POST /rpc)."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import urllib.error
import urllib.request
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Dict, Optional

from .errors import TallyError

DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 10.0
# The server's default --max-message-bytes; a larger message is refused before it is sent.
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024


def _encode(message: Dict[str, Any]) -> bytes:
    # Compact JSON never holds a raw newline (json escapes control characters in strings).
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


class Transport:
    """What TallyClient needs from a transport."""

    def request(self, method: str, params: Optional[Dict[str, Any]], timeout: Optional[float]) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        pass


class TcpTransport(Transport):
    """One TCP connection, newline-delimited JSON-RPC 2.0.

    Thread-safe: calls from many threads are pipelined on the one connection and answers are
    matched by id. The connection opens on first use and authenticates with
    `session.hello {token}` first; if it drops, the next call opens a new one (and says hello
    again). Calls waiting when it drops fail with a retryable UNAVAILABLE TallyError.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 7411,
        token: Optional[str] = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    ) -> None:
        self.host = host
        self.port = port
        self.token = token
        self.connect_timeout = connect_timeout
        self.max_message_bytes = max_message_bytes
        self.hello: Optional[Dict[str, Any]] = None  # the last session.hello answer
        self._lock = threading.Lock()  # guards the fields below and writes
        self._ids = itertools.count(1)
        self._sock: Optional[socket.socket] = None
        self._pending: Dict[int, "Future[Any]"] = {}
        self._generation = 0
        self._closed = False

    # -- connection ---------------------------------------------------------------------------

    def _connect_locked(self) -> Optional["Future[Any]"]:
        """Opens the connection (with the lock held); returns the pending hello, if any."""
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as e:
            raise TallyError.local("UNAVAILABLE", f"cannot connect to {self.host}:{self.port}: {e}", True, sent=False) from None
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._generation += 1
        reader = threading.Thread(target=self._read_loop, args=(sock, self._generation), name="tally-tcp-reader", daemon=True)
        reader.start()
        if self.token is None:
            return None
        # The hello goes first; calls written after it wait for it on the server.
        return self._send_locked("session.hello", {"token": self.token})

    def _send_locked(self, method: str, params: Optional[Dict[str, Any]]) -> "Future[Any]":
        request_id = next(self._ids)
        message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params:
            message["params"] = params
        line = _encode(message)
        if len(line) + 1 > self.max_message_bytes:
            raise TallyError.local(
                "RESOURCE_EXHAUSTED",
                f"the request is {len(line) + 1} bytes, over the limit of {self.max_message_bytes}; split it",
                False, sent=False, field=None)
        future: "Future[Any]" = Future()
        future.request_id = request_id  # type: ignore[attr-defined]
        self._pending[request_id] = future
        assert self._sock is not None
        try:
            self._sock.sendall(line + b"\n")
        except OSError as e:
            self._pending.pop(request_id, None)
            self._drop_locked(f"write failed: {e}")
            raise TallyError.local("UNAVAILABLE", f"connection lost while sending: {e}", True, sent=False) from None
        return future

    def _drop_locked(self, reason: str) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(TallyError.local("UNAVAILABLE", f"connection closed before the answer ({reason})", True))

    def _read_loop(self, sock: socket.socket, generation: int) -> None:
        reason = "closed by the server"
        try:
            with sock.makefile("rb") as stream:
                for line in stream:
                    if not line.strip():
                        continue
                    try:
                        message = json.loads(line)
                    except ValueError:
                        continue
                    self._deliver(message)
        except OSError as e:
            reason = str(e)
        with self._lock:
            if self._generation == generation and self._sock is sock:
                self._drop_locked(reason)

    def _deliver(self, message: Any) -> None:
        if isinstance(message, list):  # a batch answer (this client sends none, but be lenient)
            for item in message:
                self._deliver(item)
            return
        if not isinstance(message, dict):
            return
        request_id = message.get("id")
        if not isinstance(request_id, int):
            return  # a notification, or an error about a line the server could not read
        with self._lock:
            future = self._pending.pop(request_id, None)
        if future is None or future.done():
            return
        if "error" in message:
            future.set_exception(TallyError.from_error_object(message["error"]))
        else:
            future.set_result(message.get("result"))

    # -- calls --------------------------------------------------------------------------------

    def request(self, method: str, params: Optional[Dict[str, Any]], timeout: Optional[float]) -> Any:
        with self._lock:
            if self._closed:
                raise TallyError.local("UNAVAILABLE", "the client is closed", False, sent=False)
            hello = None
            if self._sock is None:
                hello = self._connect_locked()
            future = self._send_locked(method, params)
        if hello is not None:
            # Raises UNAUTHENTICATED for a bad token (the call behind it then fails too); the
            # connection is dropped so that the next call says hello again.
            try:
                self.hello = self._wait(hello, timeout, "session.hello")
            except TallyError:
                with self._lock:
                    self._drop_locked("session.hello failed")
                raise
        return self._wait(future, timeout, method)

    def _wait(self, future: "Future[Any]", timeout: Optional[float], method: str) -> Any:
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            with self._lock:
                self._pending.pop(getattr(future, "request_id", None), None)  # type: ignore[arg-type]
            raise TallyError.local("DEADLINE_EXCEEDED", f"no answer to {method} within {timeout} s", True) from None

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop_locked("closed by the client")


class HttpTransport(Transport):
    """JSON-RPC over HTTP: `POST <url>` with `Authorization: Bearer <token>` (urllib, one request per call)."""

    def __init__(self, url: str = "http://127.0.0.1:7412/rpc", token: Optional[str] = None,
                 max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self.url = url
        self.token = token
        self.max_message_bytes = max_message_bytes
        self._ids = itertools.count(1)
        self._ids_lock = threading.Lock()

    def request(self, method: str, params: Optional[Dict[str, Any]], timeout: Optional[float]) -> Any:
        with self._ids_lock:
            request_id = next(self._ids)
        message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params:
            message["params"] = params
        body = _encode(message)
        if len(body) > self.max_message_bytes:
            raise TallyError.local("RESOURCE_EXHAUSTED",
                                   f"the request is {len(body)} bytes, over the limit of {self.max_message_bytes}; split it",
                                   False, sent=False)
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as e:
            raise self._http_error(e) from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, (socket.timeout, TimeoutError)):
                raise TallyError.local("DEADLINE_EXCEEDED", f"no answer to {method} within {timeout} s", True) from None
            # Refused or unreachable: the request never got there.
            raise TallyError.local("UNAVAILABLE", f"cannot reach {self.url}: {e.reason}", True, sent=False) from None
        except (socket.timeout, TimeoutError):
            raise TallyError.local("DEADLINE_EXCEEDED", f"no answer to {method} within {timeout} s", True) from None
        except (ConnectionError, OSError) as e:
            raise TallyError.local("UNAVAILABLE", f"connection to {self.url} failed: {e}", True) from None
        try:
            answer = json.loads(raw)
        except ValueError:
            raise TallyError.local("INTERNAL", f"the server's answer is not JSON: {raw[:200]!r}", False) from None
        if not isinstance(answer, dict):
            raise TallyError.local("INTERNAL", "the server's answer is not a JSON-RPC response", False)
        if "error" in answer:
            raise TallyError.from_error_object(answer["error"])
        return answer.get("result")

    @staticmethod
    def _http_error(e: urllib.error.HTTPError) -> TallyError:
        try:
            detail = json.loads(e.read() or b"{}").get("error") or e.reason
        except (ValueError, AttributeError, OSError):
            detail = e.reason
        code = e.code
        if code == 413:
            status, retryable = "RESOURCE_EXHAUSTED", False  # the same body will be too large again
        elif code == 429:
            status, retryable = "RESOURCE_EXHAUSTED", True
        elif code in (502, 503, 504):
            status, retryable = "UNAVAILABLE", True
        elif code == 401:
            status, retryable = "UNAUTHENTICATED", False
        elif code == 403:
            status, retryable = "PERMISSION_DENIED", False
        elif code == 404:
            status, retryable = "NOT_FOUND", False
        elif code >= 500:
            status, retryable = "INTERNAL", True
        else:
            status, retryable = "INVALID_ARGUMENT", False
        return TallyError.local(status, f"HTTP {code}: {detail}", retryable, http_status=code)
