"""Gather what DOS sees in a workspace: config, lanes, grammar, git, store, wired hosts.

Read-only: it creates no ``.dos/`` and changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dos._version import __version__
from dos.config import Config, Workspace
from dos.service.context import Context


def gather(ctx: Context, *, check: bool = False) -> dict[str, Any]:
    """The doctor report (``dos doctor --json``); creates nothing and changes nothing."""
    from dos.exitcodes import EXIT_CODES

    ws, cfg = ctx.workspace, ctx.config

    report: dict[str, Any] = {
        "dos_version": __version__,
        "workspace": str(ws.root),
        "found_by": ws.found_by,
        "config": str(cfg.source) if cfg.source else None,
        "lanes": {
            "concurrent": list(cfg.lanes.concurrent),
            "exclusive": list(cfg.lanes.exclusive),
            "autopick": list(cfg.lanes.autopick),
            "trees": {k: list(v) for k, v in cfg.lanes.trees.items()},
            "aliases": dict(cfg.lanes.aliases),
        },
        "paths": {"root": str(ws.root), "plans_glob": cfg.paths.plans_glob},
        "stamp": _stamp(cfg),
        "git": _git(ws),
        "store": describe_store(ws, cfg),
        "hooks_wired": _hooks(ws),
        "exit_codes": {v: dict(c) for v, c in EXIT_CODES.items()},
    }
    if check:
        report["findings"] = [dict(f.to_dict(), line=f.line()) for f in collect_findings(cfg)]
    return report


def _stamp(cfg: Config) -> dict[str, Any]:
    st = cfg.stamp
    d: dict[str, Any] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(st).items()}
    dirs = "/".join(st.subject_dirs)
    d["summary"] = (f"prefix required ({dirs}/)" if dirs else "generic (any or no dir prefix)") + (
        ", trailer stamps on" if st.trailer_stamp else "") + f"  [style={st.style}]"
    return d


def _git(ws: Workspace) -> dict[str, Any]:
    from dos.git import find_git_top, head_sha

    top = find_git_top(ws.root)
    if top is None:
        return {"repo": False, "top": None, "head": None}
    try:
        head = head_sha(ws.root)
    except Exception:  # noqa: BLE001 - doctor reports, never fails on a broken repo
        head = None
    return {"repo": True, "top": str(top), "head": head}


def describe_store(ws: Workspace, cfg: Config) -> dict[str, Any]:
    """engine, location, ok, detail, events, live_leases; never creates the store, never raises."""
    from dos.errors import DosError
    from dos.service.context import open_store
    from dos.store import store_url

    url = store_url(cfg.store)
    info: dict[str, Any] = {"engine": "postgres" if url else "sqlite", "location": "", "ok": False,
                            "detail": "", "events": None, "live_leases": None}
    try:
        store = open_store(ws, cfg)
        try:
            info["location"] = store.engine.location
            if not url and not Path(store.engine.location).exists():
                info.update(ok=True, detail="not created yet (the first write creates it)", events=0, live_leases=0)
                return info
            info["events"] = store.count_events()
            info["live_leases"] = len(store.live_leases())
            info.update(ok=True, detail=f"{info['events']} event(s), {info['live_leases']} live lease(s)")
        finally:
            store.close()
    except DosError as exc:
        info["detail"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - describe reports; it never raises
        info["detail"] = f"{type(exc).__name__}: {exc}"
    return info


def _hooks(ws: Workspace) -> dict[str, list[str]]:
    try:
        from dos.service.wiring import wired_hosts
    except ImportError:
        return {}
    return wired_hosts(ws.root)


def collect_findings(cfg) -> list:
    """Lint findings for a loaded config (lanes and reasons)."""
    from dos.kernel.lint import lint_lanes, lint_reasons

    lanes = cfg.lanes
    out = lint_lanes(lanes.concurrent, lanes.exclusive, lanes.autopick, lanes.trees, lanes.aliases)
    known = set(cfg.reasons.custom) | _builtin_reasons()
    out += lint_reasons({k: v.see_also for k, v in cfg.reasons.custom.items()}, known)
    return out


def _builtin_reasons() -> set[str]:
    try:
        from dos.kernel.reasons import BUILTIN_REASONS
    except ImportError:
        return set()
    return set(BUILTIN_REASONS)
