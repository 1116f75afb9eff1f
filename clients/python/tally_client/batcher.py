"""EventBatcher: buffer usage events and send them with ingest.events in batches."""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

from .errors import BatcherFull, TallyError

if TYPE_CHECKING:  # pragma: no cover
    from .client import TallyClient

MAX_EVENTS_PER_CALL = 10_000  # the server's limit for one ingest.events


class EventBatcher:
    """Buffers usage events and sends them with `ingest.events`, `batch_size` at a time.

    - `add(event)` gives an event without an `id` a random one (`uuid4` hex) *before* it is
      buffered, so every resend carries the same id and the server answers a repeat as
      `duplicate`. Give your own stable ids (e.g. `"<execution id>-<node>"`) to also dedupe
      across process restarts.
    - When `batch_size` events are buffered, `add()` flushes them in the calling thread.
    - The buffer is bounded by `max_buffered` events. **It raises, it never blocks**: when the
      buffer is full, `add()` raises `BatcherFull` (a TallyError, status RESOURCE_EXHAUSTED,
      retryable true) and the event is not taken. That only happens while sending fails.
    - A flush that fails keeps its events buffered, with their ids, for the next flush. An
      automatic flush inside `add()` swallows a retryable failure (the client has already
      retried it; it is kept in `last_error`) and raises any other one; `flush()` always raises.
    - Each event's answer (accepted, duplicate, rejected with `error.field`) is counted in
      `accepted`, `duplicates`, `rejected`, the rejected ones are kept in `rejections` (the last
      1000), and `on_result(event, result)` is called for every event when given.

    Thread-safe. Use it as a context manager to flush on exit.
    """

    def __init__(
        self,
        client: "TallyClient",
        *,
        batch_size: int = 500,
        max_buffered: int = 10_000,
        on_result: Optional[Callable[[Dict[str, Any], Dict[str, Any]], None]] = None,
    ) -> None:
        if not 1 <= batch_size <= MAX_EVENTS_PER_CALL:
            raise ValueError(f"batch_size must be 1...{MAX_EVENTS_PER_CALL}")
        if max_buffered < batch_size:
            raise ValueError("max_buffered must be at least batch_size")
        self.client = client
        self.batch_size = batch_size
        self.max_buffered = max_buffered
        self.on_result = on_result
        self.accepted = 0
        self.duplicates = 0
        self.rejected = 0
        self.rejections: List[Dict[str, Any]] = []
        self.last_error: Optional[TallyError] = None
        self._buffer: List[Dict[str, Any]] = []
        self._lock = threading.Lock()  # the buffer and counters
        self._flushing = threading.Lock()  # one flush at a time

    def __len__(self) -> int:
        with self._lock:
            return len(self._buffer)

    def add(self, event: Dict[str, Any]) -> None:
        """Buffers one event (a dict in the UsageEvent shape); flushes at `batch_size`."""
        if not isinstance(event, dict):
            raise TypeError("an event is a dict")
        event = dict(event)
        if not event.get("id"):
            event["id"] = uuid.uuid4().hex
        with self._lock:
            if len(self._buffer) >= self.max_buffered:
                raise BatcherFull.local(
                    "RESOURCE_EXHAUSTED",
                    f"the batcher holds {len(self._buffer)} events, its bound; the server has not taken them"
                    + (f" (last error: {self.last_error})" if self.last_error else ""),
                    True, sent=False)
            self._buffer.append(event)
            full = len(self._buffer) >= self.batch_size
        if full:
            try:
                self.flush()
            except TallyError as e:
                if not e.retryable:
                    raise

    def flush(self) -> Dict[str, int]:
        """Sends every buffered event; returns this flush's counts.

        Raises TallyError when a call fails; the events not yet taken stay buffered.
        """
        totals = {"accepted": 0, "duplicates": 0, "rejected": 0}
        with self._flushing:
            while True:
                with self._lock:
                    chunk = self._buffer[: self.batch_size]
                if not chunk:
                    return totals
                try:
                    answer = self.client.ingest_events(events=chunk)
                except TallyError as e:
                    self.last_error = e
                    raise
                with self._lock:
                    del self._buffer[: len(chunk)]
                    self.last_error = None
                self._count(chunk, answer, totals)

    def _count(self, chunk: List[Dict[str, Any]], answer: Any, totals: Dict[str, int]) -> None:
        results = answer.get("results", []) if isinstance(answer, dict) else []
        for result in results:
            status = result.get("status")
            index = result.get("index")
            event = chunk[index] if isinstance(index, int) and 0 <= index < len(chunk) else {}
            with self._lock:
                if status == "accepted":
                    self.accepted += 1
                    totals["accepted"] += 1
                elif status == "duplicate":
                    self.duplicates += 1
                    totals["duplicates"] += 1
                elif status == "rejected":
                    self.rejected += 1
                    totals["rejected"] += 1
                    self.rejections.append(result)
                    del self.rejections[:-1000]
            if self.on_result is not None:
                self.on_result(event, result)

    def close(self) -> None:
        self.flush()

    def __enter__(self) -> "EventBatcher":
        return self

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        if exc_type is None:
            self.flush()
