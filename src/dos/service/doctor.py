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

    from dos.plugins import protected_files
    from dos.service.wiring import SPECS

    ws, cfg = ctx.workspace, ctx.config
    git_detail = _git(ws)
    hooks = _hooks(ws)
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
        "paths": _paths(ws, cfg),
        "stamp": _stamp(cfg),
        "git": git_detail["repo"],  # the reference's bool; the detail is beside it
        "git_detail": git_detail,
        "store": describe_store(ws, cfg),
        "hooks_wired": hooks,
        "hooks_health": _health(ws) if hooks or _user_wired() else {},
        "runtime_hooks": {host: hooks.get(host, []) for host in SPECS},
        "exit_codes": {v: dict(c) for v, c in EXIT_CODES.items()},
        "admission_predicates": _predicates(),
        "cooldown": {"window_ms": cfg.cooldown.window, "error_window_ms": cfg.cooldown.error_window},
        "enumerate": {**_plain(cfg.enumerate), "series": ""},
        "env": _env(),
        "home": _home(),
        "projects_indexed": 0,
        "lifecycle": _plain(cfg.lifecycle),
        "overlap_policy": {"active": cfg.overlap.policy, "available": ["prefix"], "floor": "prefix",
                           "ratio_max": cfg.overlap.ratio_max},
        "supervise": _supervise(cfg),
        "workspace_facts": {"is_kernel_repo": (ws.root / "src" / "dos" / "kernel").is_dir(),
                            "kernel_runtime_files_present": len(protected_files(ws.root))},
    }
    if check:
        findings = collect_findings(cfg) + _health_findings(report["hooks_health"])
        report["findings"] = [dict(f.to_dict(), line=f.line()) for f in findings]
    return report


def _plain(value: Any) -> Any:
    """A config table as plain JSON values (``from_`` spelled ``from``)."""
    from dos.kernel import table as tables

    if tables.is_table(value):
        return {f.metadata.get("key", f.name): _plain(getattr(value, f.name)) for f in tables.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _paths(ws: Workspace, cfg: Config) -> dict[str, Any]:
    from dos.service.truth import state_path

    return {"root": str(ws.root), "plans_glob": cfg.paths.plans_glob, "style": "dos",
            "execution_state": str(state_path(ws.root, cfg)), "next_packets": str(ws.state_dir / "verdicts"),
            "runs": str(ws.state_dir / "runs")}


def _supervise(cfg: Config) -> dict[str, Any]:
    sv = cfg.supervise
    halt = sv.spin_halt_after_ms or (int(sv.spin_halt_after_minutes * 60_000) if sv.spin_halt_after_minutes else 0)
    return {"target": sv.target, "count_spinning_as_alive": sv.count_spinning_as_alive,
            "reap_stalled": sv.reap_stalled, "spin_halt_after_ms": halt or None,
            "worker_launch_template": sv.worker_launch_template, "max_concurrency": sv.max_concurrency or None}


def _predicates() -> list[str]:
    from dos.plugins import discover, names

    return ["disjointness", "self-modify", *names(discover())]


def _env() -> dict[str, Any]:
    import platform
    import sys

    import hashlib
    import json

    env: dict[str, Any] = {"kernel_version": __version__, "kernel_sha": None, "python": platform.python_version(),
                           "platform": f"{sys.platform}-{platform.machine()}", "tools": []}
    # The digest names this exact environment (what a verdict was computed under): 12 base-32 characters
    # of the SHA-256 of its canonical JSON. kernel_sha stays null: an installed package has no commit.
    raw = int.from_bytes(hashlib.sha256(json.dumps(env, sort_keys=True).encode()).digest()[:8], "big")
    env["digest"] = "".join(_CROCKFORD[(raw >> (5 * i)) & 31] for i in reversed(range(12)))
    env["schema"] = {"family": "env-print", "version": 1}
    return env


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _home() -> str:
    import os

    return os.environ.get("DISPATCH_HOME") or os.path.join(os.path.expanduser("~"), ".dos")


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


def _user_wired() -> bool:
    """Is any host wired in the user's own config (hooks that act in every workspace)?"""
    try:
        from dos.service.wiring import wired_hosts

        return bool(wired_hosts(Path.home(), scope="user"))
    except Exception:  # noqa: BLE001 - the doctor describes; it never raises
        return False


def _health(ws: Workspace) -> dict[str, Any]:
    """Whether each wired host's hooks would really run and deny (``dos.service.wiring.hook_health``)."""
    from dos.service.wiring import hook_health

    return hook_health(ws.root)


def _health_findings(health: dict[str, Any]) -> list:
    from dos.kernel.lint import Finding

    return [Finding("HOOK_NOT_RUNNING", "warn", host, h.get("problem") or "the hook would not run",
                    h.get("fix") or f"dos init --hooks {host} --force")
            for host, h in health.items() if not h.get("runs")]


def collect_findings(cfg) -> list:
    """Lint findings for a loaded config (lanes and reasons)."""
    from dos.kernel.lint import lint_lanes, lint_reasons

    lanes = cfg.lanes
    out = lint_lanes(lanes.concurrent, lanes.exclusive, lanes.autopick, lanes.trees, lanes.aliases)
    known = set(cfg.reasons.custom) | _builtin_reasons()
    out += lint_reasons({k: v.see_also for k, v in cfg.reasons.custom.items()}, known)
    from dos.config import unused_keys
    from dos.kernel.lint import Finding

    out += [Finding("CONFIG_KEY_UNUSED", "info", key, "accepted for compatibility with dos-kernel; DOS does not "
                    "act on it", "keep it for dos-kernel, or remove it") for key in unused_keys(cfg)]
    return out


def _builtin_reasons() -> set[str]:
    try:
        from dos.kernel.reasons import BUILTIN_REASONS
    except ImportError:
        return set()
    return set(BUILTIN_REASONS)
