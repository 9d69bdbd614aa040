"""pretool: may this tool call write where it writes? Reads never touch the store.

The footprint (``kernel.footprint``) is resolved to the regions it really reaches
(``service.paths``), checked against the live leases by the kernel, and every deny or
warning is recorded. A store that cannot be read denies writes: the referee fails closed.
"""

from __future__ import annotations

import os

from dos.kernel.enforce import ALLOW, EnforcePolicy, Verdict, pretool_verdict
from dos.service.events import Decision, identity
from dos.service.hook_journal import hook_allow
from dos.service.live import LiveView, full_store

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping

    from dos.service.events import HookEvent
    from dos.service.settings import Settings


def decide(event: HookEvent, settings: Settings, env: Mapping[str, str]) -> Decision:
    """May this call write where it writes? Reads write nothing, so they never touch the store."""
    from dos.kernel.footprint import footprint

    raw = footprint(event.tool, event.tool_input)
    if raw == ():
        hook_allow(settings, event, ALLOW, env, writes=False)
        return Decision(ALLOW)
    root = settings.root
    paths = outside = None
    unjudged: list[tuple[str, str]] = []
    if raw is not None:
        from dos.service.paths import resolve

        base = event.cwd if event.cwd and os.path.isabs(event.cwd) else root
        where = resolve(raw, root=root, base=base, env=env, allowed_outside=settings.allowed_outside)
        paths, outside, unjudged = where.inside, where.outside, where.unjudged
        from dos.kernel.selfmodify import in_state_dir

        state = [p for p in paths if in_state_dir(p)]
        if state and not outside:
            return _recorded(event, settings, env, Verdict("deny", "STATE_DIR", paths=tuple(state), reason=(
                f"DOS: {state[0]} is inside .dos/, the referee's own state (its store, caches and streams); "
                "change it with `dos` verbs, never by writing files there.")))
    fence = event.fence
    if fence is None:
        text = env.get("DOS_FENCE", "").strip()
        fence = int(text) if text.isdigit() else None
    # Only leases that may reach the paths matter, unless a rule needs every lease of this session
    # (a fence, auto-acquire) or of others (an unjudged path).
    narrow = paths if paths and not unjudged and fence is None and not settings.auto_acquire else None
    view = LiveView(settings, env)
    try:
        view.read(narrow)
    except Exception as exc:  # noqa: BLE001 - cannot judge: a write is denied, and the reason says why
        text = " ".join(str(exc).split())[:240]
        action = "deny" if paths is not None or settings.unknown_footprint == "deny" else "warn"
        if paths is None and settings.unknown_footprint == "allow":
            return Decision(ALLOW, [f"dos-hook: the lease store cannot be read ({text})"])
        return _recorded(event, settings, env, Verdict(action, "STORE_UNREADABLE", paths=tuple(paths or ()), reason=(
            f"DOS cannot read its lease store, so it cannot tell whether this call collides with another "
            f"agent's lane: {text}. Fix the store (`dos store status`), then retry.")))
    policy = EnforcePolicy(unknown_footprint=settings.unknown_footprint, protected=_protected(root),
                           auto_acquire=settings.auto_acquire,
                           lane_trees={lane: tuple(settings.lanes["trees"].get(lane, ()))
                                       for lane in settings.lanes["concurrent"]})
    verdict = pretool_verdict(paths, outside or (), who=identity(event, env), live=view.leases, now_ms=view.now,
                              policy=policy, fence=fence, unjudged=unjudged)
    if verdict.acquire:
        view.close()
        verdict = _auto_acquire(settings, verdict, event, env)
    if verdict.action == "allow":
        view.close()
        hook_allow(settings, event, verdict, env, writes=True)
        return Decision(verdict)
    return _recorded(event, settings, env, verdict, view=view)


def _protected(root: str) -> tuple[str, ...]:
    from dos.kernel.selfmodify import SELF_MODIFY_FILES

    return tuple(rel for rel in SELF_MODIFY_FILES if os.path.exists(os.path.join(root, rel)))


def _recorded(event: HookEvent, settings: Settings, env: Mapping[str, str], verdict: Verdict, *,
              view: LiveView | None = None) -> Decision:
    from dos.service.posture import apply

    shown, kept = apply(settings.posture, event.moment, verdict)  # [hooks] posture; faults are never softened
    view = view or LiveView(settings, env)
    note = view.record(event, kept)
    return Decision(shown, [note] if note else [])


def _auto_acquire(settings: Settings, verdict: Verdict, event: HookEvent, env: Mapping[str, str]) -> Verdict:
    from dos.kernel.lanes import LaneRequest

    from dos.service.journal import hook_mode, lease_journal

    holder = env.get("DOS_HOLDER", "").strip() or event.session or "hook"
    journal = lease_journal(None, "acquire", session=event.session, lane=verdict.acquire, holder=holder,
                            run_id=env.get("CID_RUN_ID", "") or env.get("DISPATCH_RUN_ID", ""),
                            record_mode=hook_mode(settings, env)[0])
    with full_store(settings) as store:
        result = store.acquire(LaneRequest(lane=verdict.acquire, holder=holder), holder=holder,
                               session=event.session, journal=journal)
    if result.lease is not None:
        return verdict
    return Verdict("deny", "AUTO_ACQUIRE_REFUSED", paths=verdict.paths, lane=verdict.acquire, reason=(
        f"DOS: {verdict.paths[0]} needs lane '{verdict.acquire}', which is not free: {result.decision.reason}"))
