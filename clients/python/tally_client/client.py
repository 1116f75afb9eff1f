"""TallyClient: typed helpers, retries and time-outs over either transport."""

from __future__ import annotations

import random
import time
from typing import Any, Callable, Dict, Optional
from urllib.parse import urlparse

from ._methods import RESEND_SAFE, GeneratedMethods
from .errors import TallyError
from .transport import DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, HttpTransport, TcpTransport, Transport


class TallyClient(GeneratedMethods):
    """A Tally client: `call(method, params)` plus one helper per contract method.

    Helpers are generated (clients/generate.py): method `spend.query` is `spend_query(...)`, its
    params keyword arguments (`from` is `from_`). Each returns the call's `result` (dicts and
    lists; money stays a decimal string) or raises TallyError.

    Retries: an error with `retryable` true (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED,
    INTERNAL, a dropped connection) is retried up to `retries` times with exponential back-off
    and jitter, sending the same params again; `ingest.events` thus re-sends the same event ids
    and the server answers a repeat as `duplicate`, so nothing is counted twice. When the
    request may have reached the server but its answer was lost (a time-out, a connection
    dropped mid-call), only methods that cannot do anything twice are resent: public and read
    methods and `ingest.events` (RESEND_SAFE). Others (tokens.create, ...) raise at once.

    Time-outs: `timeout` seconds per attempt (default 30), overridable per `call`.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 0.2,
        max_backoff: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.transport = transport
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep

    @classmethod
    def tcp(cls, host: str = "127.0.0.1", port: int = 7411, token: Optional[str] = None, *,
            connect_timeout: float = DEFAULT_CONNECT_TIMEOUT, **options: Any) -> "TallyClient":
        """A client over TCP (newline-delimited JSON-RPC; `session.hello` first)."""
        return cls(TcpTransport(host, port, token, connect_timeout=connect_timeout), **options)

    @classmethod
    def http(cls, url: str = "http://127.0.0.1:7412/rpc", token: Optional[str] = None, **options: Any) -> "TallyClient":
        """A client over HTTP (`POST /rpc`, `Authorization: Bearer <token>`)."""
        return cls(HttpTransport(url, token), **options)

    # -- calls --------------------------------------------------------------------------------

    def call(self, method: str, params: Optional[Dict[str, Any]] = None, *,
             timeout: Any = "default", retries: Optional[int] = None, resend_safe: Optional[bool] = None) -> Any:
        """Calls `method` with named `params` and returns its result, retrying retryable errors."""
        attempts = 1 + max(0, self.retries if retries is None else retries)
        per_try = self.timeout if timeout == "default" else timeout
        safe = (method in RESEND_SAFE) if resend_safe is None else resend_safe
        for attempt in range(attempts):
            try:
                return self.transport.request(method, params or None, per_try)
            except TallyError as e:
                if not e.retryable or attempt + 1 >= attempts:
                    raise
                if not e.from_server and e.sent and not safe:
                    raise  # the call may have run; sending it again could do it twice
                delay = min(self.max_backoff, self.backoff * (2 ** attempt))
                self._sleep(delay * (0.5 + random.random() / 2))
        raise AssertionError("unreachable")  # pragma: no cover

    def batcher(self, **options: Any) -> "EventBatcher":
        """An EventBatcher sending through this client (see EventBatcher for the options)."""
        from .batcher import EventBatcher

        return EventBatcher(self, **options)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> "TallyClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def connect(url: str = "tcp://127.0.0.1:7411", token: Optional[str] = None, **options: Any) -> TallyClient:
    """A client for `tcp://HOST:PORT` or `http(s)://HOST:PORT/rpc`."""
    parsed = urlparse(url)
    if parsed.scheme == "tcp":
        return TallyClient.tcp(parsed.hostname or "127.0.0.1", parsed.port or 7411, token, **options)
    if parsed.scheme in ("http", "https"):
        if not parsed.path or parsed.path == "/":
            url = url.rstrip("/") + "/rpc"
        return TallyClient.http(url, token, **options)
    raise ValueError(f"unsupported URL {url!r}: use tcp://HOST:PORT or http://HOST:PORT/rpc")


from .batcher import EventBatcher  # noqa: E402  (the annotation above)
