"""The pre-dispatch gates that read state: lane health ("should I start?") and scout ("what should I start?").

Health gathers the lane's tree (``--tree``, else the lane's declared tree), the live leases
(``--leases-json``, else the store's live set) and the lane's recent runs from the store: each
ACQUIRE of the lane is a run that started, each REFUSE a run that was blocked (its cause is
the refusal's leading token or clause), and each recorded ``gate`` verdict for the lane a run
whose packet drained or was blocked. Scout reads a state object and, when asked for a lane
and given no health, computes the lane's health first.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from dos.errors import InputError, UsageError
from dos.service import journal
from dos.service.context import Context

_GATE_CAUSES = {"DRAIN": "lane_drained", "BLOCKED": "blocked", "STALE-STAMP": "stale_stamp"}


def _runs(ctx: Context, lane: str) -> list[Any]:
    from dos.kernel.health import Run, cause_key_of
    from dos.kernel.lease import Op
    from dos.store.jsonl import parse_ts

    want = ctx.store.taxonomy.canonical(lane).casefold()
    timed: list[tuple[int, int, Any]] = []
    for e in ctx.store.events(ops=[Op.ACQUIRE, Op.REFUSE]):
        if ctx.store.taxonomy.canonical(e.lane).casefold() != want:
            continue
        run = str((e.data or {}).get("run_id") or "") or f"seq{e.seq}"
        blocked = e.op == Op.REFUSE
        timed.append((e.ts_ms, e.seq, Run(run, blocked, cause_key_of(e.reason) if blocked else "")))
    for rec in journal.query(ctx, syscall="gate", lane=lane):
        token = str(rec.get("verdict", ""))
        if token == "RACE":
            continue  # a lost lock race says nothing about the lane
        ms = rec.get("ts_ms")
        if not isinstance(ms, int):
            try:
                ms = parse_ts(str(rec.get("ts", "")))
            except ValueError:
                continue
        cause = _GATE_CAUSES.get(token, "")
        timed.append((ms, int(rec.get("seq") or 0), Run(str(rec.get("run_id") or f"gate{rec.get('seq')}"),
                                                        bool(cause), cause)))
    timed.sort(key=lambda t: (t[0], t[1]))
    return [r for _, _, r in timed]


def health(ctx: Context, lane: str, *, tree: Sequence[str] | None = None, leases_json: str | None = None,
           own_lease_ts: str = "", window: int = 12) -> Any:
    """PROCEED, OVERLAP_BLOCK, ROUTE_UNSTICK or ROUTE_REPLAN for starting a run on LANE now."""
    from dos.kernel.health import HealthEvidence, LiveLease, check_health
    from dos.service.leases import given_leases

    if not lane.strip():
        raise UsageError("health needs --lane LANE")
    if window < 1:
        raise UsageError("--window must be 1 or more runs")
    store = ctx.store
    lane = store.taxonomy.canonical(lane.strip())  # an alias names its lane
    own_tree = tuple(t for t in (tree or ()) if t.strip()) or store.taxonomy.tree_for(lane)
    live = given_leases(leases_json, store.now_ms(), what="--leases-json") if leases_json is not None \
        else store.live_leases()
    ev = HealthEvidence(lane, tuple(own_tree), tuple(LiveLease(x.lane, tuple(x.tree), x.loop_ts, x.lease_id)
                                                     for x in live),
                        tuple(_runs(ctx, lane)), own_loop_ts=own_lease_ts, window=window)
    v = check_health(ev)
    journal.record(ctx, "health", v, lane=lane, subject=v.cause_key or v.overlap_lane)
    return v


def scout(ctx: Context, state_json: str | None = None, *, lane: str = "") -> tuple[Any, list[str]]:
    """(the next activity, the state keys it ignored). With LANE and no ``health`` in the state, health is computed."""
    from dos.kernel.scout import choose, state_of

    try:
        obj = json.loads(state_json) if state_json and state_json.strip() else {}
    except json.JSONDecodeError as exc:
        raise InputError(f"--state-json is not valid JSON ({exc.msg} at char {exc.pos})") from None
    if not isinstance(obj, dict):
        raise InputError(f"--state-json must be a JSON object, not {type(obj).__name__}; e.g. "
                         f"'{{\"health\": {{\"action\": \"proceed\"}}}}'")
    if lane and "health" not in obj:
        obj = {**obj, "health": health(ctx, lane).to_dict()}
    try:
        state, ignored = state_of(obj)
    except ValueError as exc:
        raise InputError(f"--state-json: {exc}") from None
    v = choose(state)
    journal.record(ctx, "scout", v, lane=lane, subject=v.cause_key)
    return v, ignored
