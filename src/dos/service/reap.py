"""``dos reap``: carry out the supervisor's REAP plans as SCAVENGE events (a dry run unless asked).

The plan is the one ``dos loop`` prints (``dos.service.progress.supervise_plan``). Each
scavenge is its own store transaction that re-checks the lease is still expired, so a
worker that beat in the meantime keeps its lease. With ``journal``, the event log is also
compacted when it holds more than ``COMPACT_AFTER`` events.
"""

from __future__ import annotations

from dos.errors import UsageError
from dos.kernel.reap import REASON, ReapVerdict, plan_reap, reap_verdict
from dos.service.journal import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dos.service.context import Context

COMPACT_AFTER = 5000  # the reference's default journal_max_entries


def policy_of(ctx: Context, target: int | None = None):
    """The ``[supervise]`` policy, as ``dos loop`` builds it."""
    from dos.kernel.supervise import SupervisePolicy

    sv = ctx.config.supervise
    halt_ms = sv.spin_halt_after_ms or (int(sv.spin_halt_after_minutes * 60_000) if sv.spin_halt_after_minutes else 0)
    try:
        return SupervisePolicy(target=sv.target if target is None else target,
                               count_spinning_as_alive=sv.count_spinning_as_alive, reap_stalled=True,
                               spin_halt_after_ms=halt_ms or None, worker_launch_template=sv.worker_launch_template,
                               max_concurrency=sv.max_concurrency or None)
    except ValueError as exc:
        raise UsageError(f"{exc} ([supervise] in dos.toml)") from None


def reap(ctx: Context, *, apply: bool = False, journal: bool = False, now: int | None = None) -> ReapVerdict:
    """Scavenge the leases the supervisor would reap (APPLIED), or say which it would (PLANNED)."""
    from dos.service.intents import ledger
    from dos.service.progress import supervise_plan

    plan, _ = supervise_plan(ctx, policy_of(ctx), now)
    store = ctx.store
    leases = {lease.lease_id: (lease, live) for lease, live in store.leases()}
    parked = [run.run_id for run, state in ledger(ctx).runs() if state.suspended]
    items = plan_reap(plan.reap, leases, parked, apply=apply)
    if apply:
        kept = []
        for item in items:
            if item.action == "reaped" and store.scavenge(lease_id=item.lease_id, reason=REASON) is None:
                item = item.replace(action="held", why="it was beaten or taken since the plan was made")
            kept.append(item)
        items = kept
    notes = {}
    if journal:
        count = store.count_events()
        due = count > COMPACT_AFTER
        notes = {"events": count, "compact_after": COMPACT_AFTER, "due": due}
        if due and apply:
            notes["compacted"] = store.compact()
    verdict = reap_verdict(items, apply=apply, journal=notes)
    record(ctx, "reap", verdict)
    return verdict
