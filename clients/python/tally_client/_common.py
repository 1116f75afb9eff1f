"""Small shared pieces."""

from __future__ import annotations

from typing import Any


class _Omitted:
    """The default of optional helper params: the param is left out of the call."""

    _instance = None

    def __new__(cls) -> "_Omitted":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "OMIT"

    def __bool__(self) -> bool:
        return False


OMIT: Any = _Omitted()
