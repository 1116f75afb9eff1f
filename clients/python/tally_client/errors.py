"""TallyError: every failure a client call can raise."""

from __future__ import annotations

from typing import Any, Dict, Optional

# The server's error table (docs/api.md): status -> code.
CODES: Dict[str, int] = {
    "INVALID_ARGUMENT": -32007,
    "INTERNAL": -32603,
    "UNAUTHENTICATED": -32001,
    "DEADLINE_EXCEEDED": -32002,
    "PERMISSION_DENIED": -32003,
    "UNAVAILABLE": -32004,
    "RESOURCE_EXHAUSTED": -32005,
    "NOT_FOUND": -32006,
    "FAILED_PRECONDITION": -32008,
    "ALREADY_EXISTS": -32009,
}


class TallyError(Exception):
    """A failed call.

    Attributes:
        code: the JSON-RPC error code (-32602, -32001, ...). Failures found by the client itself
            (time-out, connection lost) use the code of the matching row of the server's table
            (-32002 DEADLINE_EXCEEDED, -32004 UNAVAILABLE, -32005 RESOURCE_EXHAUSTED).
        message: the error message.
        status: the gRPC-style status name (error.data.status), e.g. "INVALID_ARGUMENT".
        retryable: whether the same call may succeed if sent again (error.data.retryable).
        field: the param at fault (error.data.field), or None.
        data: the whole error.data object ({} when absent).
        from_server: False when the client raised it without an answer (time-out, lost
            connection, message too large to send); the call may or may not have run then.
        http_status: the HTTP status when the HTTP transport got a non-JSON-RPC answer.
    """

    def __init__(
        self,
        code: int,
        message: str,
        status: Optional[str] = None,
        retryable: bool = False,
        field: Optional[str] = None,
        data: Optional[Dict[str, Any]] = None,
        from_server: bool = True,
        http_status: Optional[int] = None,
        sent: bool = True,
    ) -> None:
        super().__init__(f"{status or 'ERROR'} ({code}): {message}")
        self.code = code
        self.message = message
        self.status = status
        self.retryable = retryable
        self.field = field
        self.data: Dict[str, Any] = data or {}
        self.from_server = from_server
        self.http_status = http_status
        # False when the request certainly never reached the server (so resending is always safe).
        self.sent = sent

    @classmethod
    def from_error_object(cls, error: Any) -> "TallyError":
        if not isinstance(error, dict):
            return cls(-32603, f"malformed error object: {error!r}", "INTERNAL", False)
        data = error.get("data")
        if not isinstance(data, dict):
            data = {}
        code = error.get("code")
        return cls(
            code if isinstance(code, int) else -32603,
            str(error.get("message", "")),
            data.get("status") if isinstance(data.get("status"), str) else None,
            bool(data.get("retryable", False)),
            data.get("field") if isinstance(data.get("field"), str) else None,
            data,
        )

    @classmethod
    def local(cls, status: str, message: str, retryable: bool, sent: bool = True, **kw: Any) -> "TallyError":
        return cls(CODES.get(status, -32603), message, status, retryable, data={"status": status, "retryable": retryable},
                   from_server=False, sent=sent, **kw)

    def __reduce__(self):  # picklable despite the keyword-rich __init__
        return (_rebuild, (self.__dict__.copy(),))


def _rebuild(state: Dict[str, Any]) -> TallyError:
    err = TallyError.__new__(TallyError)
    Exception.__init__(err, f"{state.get('status') or 'ERROR'} ({state.get('code')}): {state.get('message')}")
    err.__dict__.update(state)
    return err


class BatcherFull(TallyError):
    """EventBatcher.add() found its buffer at its bound (the server has been failing or slow)."""
