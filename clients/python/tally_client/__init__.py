"""Tally client: JSON-RPC 2.0 over TCP or HTTP, standard library only (Python 3.9+).

    from tally_client import connect
    client = connect("tcp://127.0.0.1:7411", token="tly_...")
    client.ingest_events(events=[{...}])
    client.spend_query(group_by=["client"])
"""

from __future__ import annotations

from ._common import OMIT
from ._methods import METHODS, RESEND_SAFE, ROLES
from .batcher import EventBatcher
from .client import TallyClient, connect
from .errors import BatcherFull, TallyError
from .transport import HttpTransport, TcpTransport, Transport

__version__ = "0.1.0"

__all__ = [
    "OMIT", "METHODS", "ROLES", "RESEND_SAFE", "EventBatcher", "TallyClient", "connect",
    "BatcherFull", "TallyError", "HttpTransport", "TcpTransport", "Transport",
]
