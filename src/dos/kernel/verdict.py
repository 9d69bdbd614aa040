"""The verdict protocol every kernel verdict follows, so every surface renders them alike.

A verdict has a ``token`` (the upper-case word its exit code and JSON are keyed by), a
one-line ``reason`` for a person, the ``evidence`` it was judged from, and ``to_dict()``
(the JSON a surface prints; it always carries ``verdict`` or the verb's own reference
field for the token). The journal records verdicts through this protocol alone.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    class Verdict(Protocol):
        @property
        def token(self) -> str: ...
        @property
        def reason(self) -> str: ...
        @property
        def evidence(self) -> Any: ...
        def to_dict(self) -> dict[str, Any]: ...


def conforms(v: object) -> bool:
    """Does V follow the protocol: a non-empty str token, a str reason, evidence, a dict from to_dict()?"""
    token = getattr(v, "token", None)
    if not isinstance(token, str) or not token:
        return False
    if not isinstance(getattr(v, "reason", None), str) or not hasattr(v, "evidence"):
        return False
    to_dict = getattr(v, "to_dict", None)
    return callable(to_dict) and isinstance(to_dict(), dict)


def scalar_detail(v: object) -> dict[str, Any]:
    """The scalar fields of V's JSON (not its token or reason): what the journal keeps as detail."""
    out = {}
    for key, value in v.to_dict().items():  # type: ignore[attr-defined]
        if key in ("verdict", "reason") or not (value is None or isinstance(value, (str, int, float, bool))):
            continue
        out[key] = value
    return out
