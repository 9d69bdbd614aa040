"""The stall reader's step digest and thresholds: cheap to import (it runs after every tool call).

A step is (tool, input, result); identical digests in a row mean no new information.
"""

from __future__ import annotations

from dos.kernel.jsonc import dumps

try:  # the bare C hash: hashlib would load OpenSSL (about 2.5 ms) for one sha256
    from _sha256 import sha256
except ImportError:  # pragma: no cover - Python 3.12+ renamed the module; hashlib works everywhere
    from hashlib import sha256  # type: ignore[no-redef]

REPEAT_N = 3
STALL_N = 5


def step_digest(tool, tool_input, result) -> str | None:
    """The digest of one step; None when there is no result (it breaks any run)."""
    if result is None:
        return None
    args = _canon({"tool": tool, "input": tool_input})
    res = result.encode("utf-8", "surrogatepass") if isinstance(result, str) else _canon(result)
    h = sha256(args)
    h.update(b"\0")
    h.update(res)
    return h.hexdigest()[:16]


def _canon(obj) -> bytes:
    return dumps(obj, sort_keys=True, ensure_ascii=False, default=repr).encode("utf-8", "surrogatepass")


def next_run(prev_digest: str | None, prev_run: int, digest: str | None) -> int:
    """How many identical steps in a row after this one (0 when the step has no result)."""
    if digest is None:
        return 0
    return prev_run + 1 if prev_digest == digest else 1
