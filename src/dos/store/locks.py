"""Named locks and never-reused counters, kept in the same store as the leases.

The archive lock (``dos lease``) is a row in ``locks``: one owner at a time, the same
owner re-enters (and refreshes), a holder older than its TTL may be stolen. id-alloc
counters are rows in ``counters``: the increment commits with the transaction, so an
id is never handed out twice, even after a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from dos.errors import UsageError
from dos.store.leases import Store

ARCHIVE = "archive"


@dataclass(frozen=True, slots=True)
class LockState:
    """What a lock verb saw or did. ``age_ms`` is the previous holder's age where relevant."""

    status: Literal["acquired", "re-entrant", "stole-stale", "busy", "released", "no-lock",
                    "mismatch", "force-released", "free", "held", "stale"]
    owner: str = ""
    age_ms: int = 0
    prev_acquired_ms: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "owner": self.owner, "age_ms": self.age_ms,
                "prev_acquired_ms": self.prev_acquired_ms}


def _row(tx: Any, name: str) -> tuple[str, int, int] | None:
    rows = tx.execute("SELECT owner, acquired_ms, ttl_ms FROM locks WHERE name = ?", (name,))
    return (rows[0][0], int(rows[0][1]), int(rows[0][2])) if rows else None


def lock_acquire(store: Store, owner: str, *, ttl_ms: int, name: str = ARCHIVE) -> LockState:
    """Take lock NAME for OWNER: acquired, re-entrant (same owner), stole-stale, or busy."""
    if not owner.strip():
        raise UsageError("the lock owner must be a non-empty name")
    with store.engine.write() as tx:
        now = tx.now_ms()
        row = _row(tx, name)
        if row is None:
            tx.execute("INSERT INTO locks (name, owner, acquired_ms, ttl_ms) VALUES (?, ?, ?, ?)",
                       (name, owner, now, ttl_ms))
            return LockState("acquired", owner)
        held_by, since, ttl = row
        age = max(0, now - since)
        if held_by == owner:
            status = "re-entrant"
        elif age >= ttl:
            status = "stole-stale"
        else:
            return LockState("busy", held_by, age)
        tx.execute("UPDATE locks SET owner = ?, acquired_ms = ?, ttl_ms = ? WHERE name = ?",
                   (owner, now, ttl_ms, name))
        return LockState(status, owner if status == "re-entrant" else held_by, age, since)


def lock_release(store: Store, owner: str, *, force: bool = False, name: str = ARCHIVE) -> LockState:
    """Release lock NAME if OWNER holds it (or anyone does, with FORCE)."""
    with store.engine.write() as tx:
        now = tx.now_ms()
        row = _row(tx, name)
        if row is None:
            return LockState("no-lock")
        held_by, since, _ = row
        if held_by != owner and not force:
            return LockState("mismatch", held_by, max(0, now - since))
        tx.execute("DELETE FROM locks WHERE name = ?", (name,))
        return LockState("released" if held_by == owner else "force-released", held_by, max(0, now - since))


def lock_status(store: Store, *, name: str = ARCHIVE) -> LockState:
    """free, held (by whom, for how long) or stale (older than its TTL)."""
    with store.engine.read() as tx:
        now = tx.now_ms()
        row = _row(tx, name)
    if row is None:
        return LockState("free")
    held_by, since, ttl = row
    age = max(0, now - since)
    return LockState("stale" if age >= ttl else "held", held_by, age)


def _counter(scope: str) -> str:
    if not scope.strip():
        raise UsageError("id-alloc needs a non-empty SCOPE")
    return f"id:{scope}"


def allocate(store: Store, scope: str, *, start: int = 1) -> int:
    """The next id in SCOPE: START the first time, then one more than the last, never reused."""
    with store.engine.write() as tx:
        rows = tx.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
            (_counter(scope), int(start)))
        return int(rows[0][0])


def peek(store: Store, scope: str) -> int | None:
    """The last id handed out in SCOPE, or None if none was."""
    with store.engine.read() as tx:
        rows = tx.execute("SELECT value FROM counters WHERE name = ?", (_counter(scope),))
    return int(rows[0][0]) if rows else None
