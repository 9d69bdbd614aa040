"""Lanes and leases for every surface: arbitrate, acquire, release, beat, adopt, and the journal.

Each decision is one store transaction (read the live set, arbitrate, append, update the
view); these functions add what every surface needs around it: the caller-given leases
of ``--leases``, the run id from the environment, the archive lock's retries.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

from dos.errors import InputError, UsageError
from dos.kernel.lanes import LaneDecision, LaneRequest
from dos.kernel.lease import Event, Lease
from dos.kernel.tree import LockMode
from dos.service.context import Context
from dos.store.leases import AcquireResult


def request(lane: str = "", kind: str = "", tree: Sequence[str] = (), *, holder: str = "",
            mode: str = "exclusive") -> LaneRequest:
    """A lane request from surface arguments; a bad mode is a usage error."""
    try:
        lock = LockMode(mode)
    except ValueError:
        raise UsageError(f"mode must be 'exclusive' or 'shared', got {mode!r}") from None
    return LaneRequest(lane=lane or "", kind=kind or "", tree=tuple(tree or ()), holder=holder, mode=lock)


def given_leases(text: str, now_ms: int, *, what: str = "--leases") -> list[Lease]:
    """A JSON array of lease objects (the reference's shape accepted) as live kernel Leases."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} is not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(raw, list):
        raise InputError(f"{what} must be a JSON array of lease objects, e.g. '[{{\"lane\": \"api\", "
                         f"\"tree\": [\"api/**\"]}}]'")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise InputError(f"{what} item {i}: must be an object, got {type(item).__name__}")
        tree = item.get("tree") or []
        if not isinstance(tree, list) or not all(isinstance(t, str) for t in tree):
            raise InputError(f"{what} item {i}: 'tree' must be a list of strings")
        for key in ("lane", "lane_kind", "holder", "loop_ts", "session"):
            if not isinstance(item.get(key, ""), (str, type(None))):
                raise InputError(f"{what} item {i}: '{key}' must be a string")
        mode = item.get("mode") or "exclusive"
        if mode not in ("shared", "exclusive"):
            raise InputError(f"{what} item {i}: 'mode' must be 'shared' or 'exclusive'")
        out.append(Lease(lease_id=str(item.get("lease_id") or f"given-{i}"), fence=0,
                         lane=item.get("lane") or "", lane_kind=item.get("lane_kind") or "",
                         tree=tuple(tree), holder=item.get("holder") or "", acquired_ms=now_ms,
                         heartbeat_ms=now_ms, ttl_ms=10**12, mode=LockMode(mode),
                         session=item.get("session") or "", loop_ts=item.get("loop_ts") or ""))
    return out


@dataclass(frozen=True)
class Arbitration:
    """A dry-run decision and the live leases it was made against (nothing was reserved)."""

    decision: LaneDecision
    live: tuple[Lease, ...]
    now_ms: int
    holder: str = ""

    @property
    def blocking(self) -> list[Lease]:
        ids = set(self.decision.blocking)
        return [x for x in self.live if x.lease_id in ids]

    @property
    def own(self) -> list[Lease]:
        """Blocking leases the asking holder itself holds (a lane you hold is not granted twice)."""
        return [x for x in self.blocking if self.holder and x.holder == self.holder]


def arbitrate(ctx: Context, req: LaneRequest, *, leases: str | None = None, force: bool = False) -> Arbitration:
    """Would REQ be granted now? LEASES (a JSON array) replaces the store's live set."""
    from dos.kernel.arbiter import arbitrate as decide

    store = ctx.store
    now = store.now_ms()
    live = given_leases(leases, now) if leases is not None else store.live_leases()
    decision = decide(req, live, store.taxonomy, predicates=store.predicates, force=force)
    from dos.service.journal import record

    record(ctx, "arbitrate", decision, lane=decision.lane or req.lane, subject=req.holder,
           detail={"dry_run": True, "given_leases": leases is not None})
    return Arbitration(decision, tuple(live), now, req.holder)


def run_id_from_env(given: str | None) -> str:
    """GIVEN, else ``$CID_RUN_ID``, else ``$DISPATCH_RUN_ID``, else ''."""
    if given is not None:
        return given
    return os.environ.get("CID_RUN_ID") or os.environ.get("DISPATCH_RUN_ID") or ""


def acquire(ctx: Context, req: LaneRequest, *, holder: str, session: str = "", ttl_ms: int | None = None,
            pid: int | None = None, run_id: str = "", loop_ts: str = "", force: bool = False,
            leases: str | None = None) -> AcquireResult:
    """Arbitrate and, if admitted, grant REQ to HOLDER, in one transaction."""
    from dos.service.journal import lease_journal

    store = ctx.store
    now = store.now_ms()
    extra = given_leases(leases, now) if leases is not None else ()
    return store.acquire(req, holder=holder, session=session, ttl_ms=ttl_ms, pid=pid, run_id=run_id,
                         loop_ts=loop_ts or iso(now), force=force, extra_live=extra,
                         journal=lease_journal(ctx, "acquire", run_id=run_id, session=session, lane=req.lane,
                                               holder=holder))


def release(ctx: Context, *, holder: str | None, lane: str = "", lease_id: str = "") -> Lease | None:
    from dos.service.journal import lease_journal

    return ctx.store.release(lease_id=lease_id or None, lane=lane or None, holder=holder,
                             journal=lease_journal(ctx, "release", lane=lane, holder=holder or ""))


def heartbeat(ctx: Context, *, holder: str, lane: str = "", lease_id: str = "", coalesce_ms: int = 0) -> Lease | None:
    from dos.service.journal import lease_journal

    return ctx.store.heartbeat(lease_id=lease_id or None, lane=lane or None, holder=holder, coalesce_ms=coalesce_ms,
                               journal=lease_journal(ctx, "heartbeat", lane=lane, holder=holder))


def adopt(ctx: Context, *, lane: str, holder: str, lease_id: str = "", session: str = "",
          pid: int | None = None) -> Lease | None:
    from dos.service.journal import lease_journal

    return ctx.store.adopt(lane=lane, new_holder=holder, lease_id=lease_id or None, session=session, pid=pid,
                           journal=lease_journal(ctx, "adopt", session=session, lane=lane, holder=holder))


def spawn(ctx: Context, lane: str, *, holder: str = "", run_id: str = "", reason: str = "", loop_ts: str = "") -> Event:
    from dos.service.journal import lease_journal

    return ctx.store.spawn(lane, holder=holder, run_id=run_id, reason=reason, loop_ts=loop_ts,
                           journal=lease_journal(ctx, "spawn", run_id=run_id, lane=lane, holder=holder))


def halt(ctx: Context, handle: str, **kw: Any) -> Event:
    from dos.service.journal import lease_journal

    return ctx.store.halt(handle, **kw, journal=lease_journal(ctx, "halt", run_id=kw.get("run_id", ""),
                                                              lane=kw.get("lane", ""), holder=kw.get("holder", "")))


def leases(ctx: Context, *, include_expired: bool = False) -> list[tuple[Lease, bool]]:
    """Leases with their liveness under the one expiry rule (expired ones only when asked)."""
    if include_expired:
        return ctx.store.leases()
    return [(x, True) for x in ctx.store.live_leases()]


# --------------------------------------------------------------------------- the archive lock and ids


def lock_acquire(ctx: Context, owner: str, *, ttl_ms: int, retries: int = 0, retry_interval_s: float = 0.0) -> Any:
    """Take the archive lock, retrying while it is busy; the last LockState."""
    from dos.store import locks

    if ttl_ms <= 0 or retries < 0:
        raise UsageError("--ttl-seconds must be positive and --retries not negative")
    for attempt in range(retries + 1):
        state = locks.lock_acquire(ctx.store, owner, ttl_ms=ttl_ms)
        if state.status != "busy" or attempt == retries:
            return state
        time.sleep(retry_interval_s)
    return state  # pragma: no cover - the loop always returns


def lock_release(ctx: Context, owner: str, *, force: bool = False) -> Any:
    from dos.store import locks

    return locks.lock_release(ctx.store, owner, force=force)


def lock_status(ctx: Context) -> Any:
    from dos.store import locks

    return locks.lock_status(ctx.store)


def allocate_id(ctx: Context, scope: str, *, start: int = 1) -> int:
    from dos.store import locks

    return locks.allocate(ctx.store, scope, start=start)


def peek_id(ctx: Context, scope: str) -> int | None:
    from dos.store import locks

    return locks.peek(ctx.store, scope)


# --------------------------------------------------------------------------- the journal


def ref_lease(lease: Lease) -> dict[str, Any]:
    """A lease in the reference's record shape (what `lease-lane live` and `journal replay` print)."""
    from dos.store import jsonl

    return jsonl.ref_lease(lease)


def record_line(rec: dict[str, Any]) -> str:
    """One journal record as the reference's JSONL line."""
    from dos.store import jsonl

    return jsonl.dumps(rec)


def iso(ms: int) -> str:
    """Milliseconds since the epoch as the reference's UTC timestamp."""
    from dos.store import jsonl

    return jsonl.iso(ms)


def journal_tail(ctx: Context, n: int) -> Iterator[dict[str, Any]]:
    """The last N events, the hooks' spooled denies folded in first."""
    from dos.service.journal import flush_quietly
    from dos.store import jsonl

    flush_quietly(ctx)
    return jsonl.export_records(ctx.store.tail(n))


def journal_replay(ctx: Context) -> list[dict[str, Any]]:
    from dos.store import jsonl

    return [jsonl.ref_lease(x) for x in ctx.store.replay().values()]


def journal_export(ctx: Context) -> Iterator[str]:
    """The whole log as reference lane-journal JSONL lines, the hooks' spooled denies folded in first."""
    from dos.service.journal import flush_quietly
    from dos.store import jsonl

    flush_quietly(ctx)
    return (jsonl.dumps(r) + "\n" for r in jsonl.export_records(ctx.store.iter_events()))


def journal_import(ctx: Context, raw: bytes) -> dict[str, Any]:
    """Append a reference lane-journal (or our export), all or nothing."""
    from dos.store import jsonl

    report = ctx.store.import_events(jsonl.parse_journal(raw))
    return {**report, "live_leases": len(ctx.store.live_leases())}


def write_atomically(path: str, lines: Iterable[str]) -> None:
    """Write LINES to PATH through a temporary file, so a failure leaves nothing half-written."""
    tmp = f"{path}.{os.getpid()}.{time.monotonic_ns()}.tmp"
    try:
        with open(tmp, "w", encoding="ascii") as f:
            f.writelines(lines)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
