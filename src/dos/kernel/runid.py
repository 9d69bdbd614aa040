"""Run ids: ``RID-`` + 9 Crockford base-32 chars of epoch ms + 6 chars of 30-bit entropy.

Lexicographic order is millisecond order. Pure: the caller supplies the time and the
entropy (the shell mixes a counter, the pid and a monotonic clock, as the reference does).
"""

from __future__ import annotations

from dos.kernel.table import table

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "RID-"
TS_CHARS, ENTROPY_CHARS = 9, 6
LENGTH = len(PREFIX) + TS_CHARS + ENTROPY_CHARS
ENTROPY_MASK = (1 << 30) - 1
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}


def _encode(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        out.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def mint_run_id(ts_ms: int, entropy: int) -> str:
    """The run id for TS_MS (0 <= ts < 32**9) with ENTROPY masked to 30 bits."""
    if not 0 <= ts_ms < 32 ** TS_CHARS:
        raise ValueError(f"timestamp {ts_ms} ms is outside the run-id range")
    return PREFIX + _encode(ts_ms, TS_CHARS) + _encode(entropy & ENTROPY_MASK, ENTROPY_CHARS)


def is_run_id(text: str) -> bool:
    """True for a well-formed run id (uppercase alphabet, exact length)."""
    return (isinstance(text, str) and len(text) == LENGTH and text.startswith(PREFIX)
            and all(ch in _VALUES for ch in text[len(PREFIX):]))


def ts_ms_of(text: str) -> int | None:
    """The epoch ms a run id encodes, or None if TEXT is not a run id."""
    if not is_run_id(text):
        return None
    value = 0
    for ch in text[len(PREFIX):len(PREFIX) + TS_CHARS]:
        value = value * 32 + _VALUES[ch]
    return value


@table
class RunId:
    """A run's identity and lineage: a root is its own root; a child names its parent and root."""

    run_id: str
    process_id: str
    parent_id: str | None
    root_id: str
    ts_ms: int

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "process_id": self.process_id, "parent_id": self.parent_id,
                "root_id": self.root_id, "ts_ms": self.ts_ms}


def _process(process_id: str) -> str:
    process_id = process_id.strip()
    if not process_id:
        raise ValueError("a process id is required")
    return process_id if process_id.startswith("PROC-") else f"PROC-{process_id}"


def mint(process_id: str, now_ms: int, entropy: int = 0, *, pid: int = 0, parent: str | None = None,
         root: str | None = None) -> RunId:
    """A root run (no PARENT) or a child of PARENT; ROOT defaults to the parent, else itself.

    A PARENT that is not a run id is recorded as given (as the reference does) but gives no
    lineage: the run is its own root. The id's entropy is ENTROPY mixed with PID, so processes
    minting in one millisecond differ.
    """
    if root is not None and not is_run_id(root):
        raise ValueError(f"--root {root!r} is not a run id (RID- + 15 base-32 chars)")
    rid = mint_run_id(now_ms, entropy ^ (pid << 13))
    root_id = root or (parent if parent is not None and is_run_id(parent) else None) or rid
    return RunId(rid, _process(process_id), parent, root_id, now_ms)
