"""Gather the evidence for one hook event, ask the pure kernel, and record what it enforced.

pretool reads the live leases once (a read-only call never touches the store); stop reads
the session's claim and asks the truth oracle; posttool keeps a one-line stream per session
under ``.dos/streams/``. Every deny and warning is appended as an ENFORCE event.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from dos.hooks.cache import Settings
from dos.hooks.event import POST, PRE, HookEvent
from dos.hooks.fast import read_json as _read_json, stream_path, write_json
from dos.hooks.footprint import footprint
from dos.kernel.enforce import Identity, Verdict, relative_path

ALLOW = Verdict("allow", "ALLOW")


def decide(event: HookEvent, settings: Settings, env: Mapping[str, str]) -> Verdict:
    """The verdict for EVENT in the workspace SETTINGS describe."""
    if event.moment == PRE:
        return pretool(event, settings, env)
    if event.moment == POST:
        return posttool(event, settings, env)
    return stop(event, settings, env)


# --------------------------------------------------------------------------- pretool


def resolve_paths(raw: tuple[str, ...], root: str, cwd: str, settings: Settings,
                  env: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Workspace-relative paths, and the raw paths that land outside the workspace."""
    inside, outside = [], []
    home = env.get("HOME", "")
    base = cwd if cwd and os.path.isabs(cwd) else root
    for path in raw:
        p = path.strip()
        if p == "~" or p.startswith("~/"):
            p = home + p[1:] if home else p
        rel = relative_path(p, root, base)
        absolute = os.path.normpath(p if os.path.isabs(p) else os.path.join(base, p))
        if rel is None and "\0" not in absolute:
            rel = relative_path(os.path.realpath(absolute), root, root)  # reached through a symlink
        if rel is None:
            if not any(absolute == d.rstrip("/") or absolute.startswith(d.rstrip("/") + "/")
                       for d in settings.allowed_outside if d):
                outside.append(path)
        elif rel:
            inside.append(rel)
    return inside, outside


def pretool(event: HookEvent, settings: Settings, env: Mapping[str, str]) -> Verdict:
    raw = footprint(event.tool, event.tool_input)
    if raw == ():
        return ALLOW  # reads nothing we guard: no store read at all
    from dos.kernel.enforce import EnforcePolicy, pretool_verdict

    root = settings.root
    paths, outside = (None, []) if raw is None else resolve_paths(raw, root, event.cwd, settings, env)
    store = open_hook_store(settings)
    try:
        live = store.live_leases()
        now = store.now_ms()
        policy = EnforcePolicy(
            unknown_footprint=settings.unknown_footprint, protected=store.taxonomy.protected,
            auto_acquire=settings.auto_acquire,
            lane_trees={lane: tuple(settings.lanes["trees"].get(lane, ()))
                        for lane in settings.lanes["concurrent"]})
        fence = event.fence if event.fence is not None else _int(env.get("DOS_FENCE", ""))
        verdict = pretool_verdict(paths, outside, who=identity(event, env), live=live, now_ms=now,
                                  policy=policy, fence=fence)
        if verdict.acquire:
            verdict = _auto_acquire(store, verdict, event, env)
        if verdict.action != "allow":
            _record(store, event, verdict)
        return verdict
    finally:
        store.close()


def identity(event: HookEvent, env: Mapping[str, str]) -> Identity:
    return Identity(session=event.session, holder=env.get("DOS_HOLDER", "").strip())


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def _auto_acquire(store: Any, verdict: Verdict, event: HookEvent, env: Mapping[str, str]) -> Verdict:
    from dos.kernel.lanes import LaneRequest

    holder = env.get("DOS_HOLDER", "").strip() or event.session or "hook"
    result = store.acquire(LaneRequest(lane=verdict.acquire, holder=holder), holder=holder,
                           session=event.session)
    if result.lease is not None:
        return verdict
    return Verdict("deny", "AUTO_ACQUIRE_REFUSED", paths=verdict.paths, lane=verdict.acquire, reason=(
        f"DOS: {verdict.paths[0]} needs lane '{verdict.acquire}', which is not free: "
        f"{result.decision.reason}"))


def _record(store: Any, event: HookEvent, verdict: Verdict) -> None:
    from dos.kernel.lease import Op

    store.record(Op.ENFORCE, lane=verdict.lane, lease_id=(verdict.blocking or ("",))[0],
                 holder=event.session, reason=verdict.reason,
                 data={"host": event.host, "moment": event.moment, "tool": event.tool,
                       "session": event.session, "intervention": verdict.action.upper(),
                       "token": verdict.token, "paths": list(verdict.paths),
                       "blocking_holder": verdict.holder, "expires_ms": verdict.expires_ms})


def open_hook_store(settings: Settings) -> Any:
    """The workspace's store from the compiled settings (PostgreSQL goes through the full config)."""
    from pathlib import Path

    url = os.environ.get("DOS_STORE_URL", "").strip() or settings.store_url
    if url:
        from dos.config import Workspace, load_config
        from dos.store import open_store

        root = Path(settings.root)
        return open_store(Workspace(root, "--workspace"), load_config(root))
    from dos.kernel.lanes import Taxonomy
    from dos.plugins import protected_files
    from dos.store.leases import Store
    from dos.store.sqlite import SqliteEngine

    root = Path(settings.root)
    lanes = settings.lanes
    tax = Taxonomy(concurrent=tuple(lanes["concurrent"]), exclusive=tuple(lanes["exclusive"]),
                   autopick=tuple(lanes["autopick"]), aliases=dict(lanes["aliases"]),
                   trees={k: tuple(v) for k, v in lanes["trees"].items()},
                   protected=protected_files(root))
    path = Path(settings.store_path)

    def on_create() -> None:
        from dos.config import ensure_state_dir

        if path.parent == root / ".dos":
            ensure_state_dir(root)

    engine = SqliteEngine(path, busy_timeout_ms=settings.busy_timeout_ms, on_create=on_create)
    return Store(engine, tax, default_ttl_ms=settings.lease_ttl_ms, predicates=_predicates)


def _predicates() -> tuple[Any, ...]:
    from dos.store import load_predicates

    return load_predicates()


# --------------------------------------------------------------------------- streams


# --------------------------------------------------------------------------- posttool


def posttool(event: HookEvent, settings: Settings, env: Mapping[str, str]) -> Verdict:
    """Advisory: REPEATING / STALLED when the same call keeps returning the same result."""
    from dos.kernel.digest import next_run, step_digest
    from dos.kernel.enforce import stall_verdict

    if not event.session:
        return ALLOW
    digest = step_digest(event.tool, event.tool_input, event.tool_response)
    path = stream_path(settings.root, event.session, "stream.json")
    prev = _read_json(path)
    n = prev.get("n", 0)
    run = next_run(prev.get("d"), n if isinstance(n, int) else 0, digest)
    write_json(settings.root, path, {"d": digest, "n": run, "tool": event.tool})
    verdict = stall_verdict(event.tool, run, ignore=tuple(settings.stall_ignore))
    if verdict.action != "allow":
        store = open_hook_store(settings)
        try:
            _record(store, event, verdict)
        finally:
            store.close()
    return verdict


# --------------------------------------------------------------------------- stop


def stop(event: HookEvent, settings: Settings, env: Mapping[str, str]) -> Verdict:
    """Refuse a stop while the session's claimed phase is not verified (at most the cap in a row)."""
    from dos.kernel.enforce import stop_verdict

    if not event.session:
        return ALLOW
    store = open_hook_store(settings)
    try:
        claim = store.claim_for(event.session)
        if claim is None:
            return ALLOW
        count_path = stream_path(settings.root, event.session, "stop.json")
        kept_blocks = _read_json(count_path).get("blocks", 0)
        blocks = kept_blocks if event.stop_hook_active and isinstance(kept_blocks, int) else 0
        shipped, detail = _shipped(settings.root, *claim)
        verdict = stop_verdict(claim, shipped, detail, stop_hook_active=event.stop_hook_active,
                               blocks=blocks, cap=settings.stop_block_cap)
        kept = blocks + 1 if verdict.action == "deny" else (blocks if verdict.token == "CAP_REACHED" else 0)
        write_json(settings.root, count_path, {"blocks": kept})
        if verdict.action != "allow" or verdict.token == "CAP_REACHED":
            _record(store, event, verdict)
        return verdict
    finally:
        store.close()


def _shipped(root: str, plan: str, phase: str) -> tuple[bool, str]:
    from pathlib import Path

    from dos.config import load_config
    from dos.truth import verify

    verdict = verify(Path(root), load_config(Path(root)), plan, phase)
    if verdict.shipped or verdict.source in ("", "none"):
        return bool(verdict.shipped), ""
    return False, f"the evidence found says {verdict.source}"
