"""The hooks' journal records: one spooled line per allowed call, the row a deny chains with its event.

Apart from ``dos.service.journal`` so that a hook imports only this (and the rows' module it
writes through), not the journal's readers, exporters and compaction.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

OBSERVE_ENV = "DISPATCH_OBSERVE"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
HOOK_SYSCALL = {"pre": "pretool", "post": "posttool", "stop": "stop"}


def env_mode(env: Mapping[str, str] | None = None) -> str:
    """``always`` or ``off`` when DISPATCH_OBSERVE says so, else ''."""
    value = (os.environ if env is None else env).get(OBSERVE_ENV, "").strip().lower()
    if value in _TRUE:
        return "always"
    if value in _FALSE:
        return "off"
    return ""


def hook_row(event: Any, verdict: Any, now_ms: int, env: Mapping[str, str]) -> dict[str, Any]:
    """The journal row of one hook decision (pretool, posttool, stop), built without the full store."""
    from dos.store.journal_rows import make_row

    paths = list(getattr(verdict, "paths", ()) or ())
    subject = event.tool + (f" {paths[0]}" if paths else "") if event.tool else (
        paths[0] if paths else getattr(verdict, "lane", ""))
    detail = {"action": verdict.action, "host": event.host, "tool": event.tool}
    if paths:
        detail["paths"] = ", ".join(paths[:5]) + (f", … ({len(paths)} in all)" if len(paths) > 5 else "")
    if getattr(verdict, "holder", ""):
        detail["blocking_holder"] = verdict.holder
    if getattr(verdict, "expires_ms", None) is not None:
        detail["expires_ms"] = verdict.expires_ms
    return make_row(now_ms, HOOK_SYSCALL.get(event.moment, event.moment), verdict.token,
                    run_id=env.get("CID_RUN_ID", "") or env.get("DISPATCH_RUN_ID", ""), session=event.session,
                    lane=getattr(verdict, "lane", ""), subject=subject, detail=detail, source="sensor")


def hook_mode(settings: Any, env: Mapping[str, str]) -> tuple[str, str]:
    """(record mode, hook_allows) for a hook, from the environment and the compiled settings."""
    observe = getattr(settings, "observe", None) or {}
    found = env_mode(env)
    record_mode = found or str(observe.get("record", "auto"))
    allows = str(observe.get("hook_allows", "writes"))
    if found == "always" and allows == "writes":
        allows = "all"
    return record_mode, allows


def hook_allow(settings: Any, event: Any, verdict: Any, env: Mapping[str, str], *, writes: bool) -> None:
    """Spool one allowed hook call when ``[observe]`` asks for it (one appended line; never raises).

    WRITES: the call writes something (what ``hook_allows = "writes"`` keeps).
    """
    try:
        record_mode, allows = hook_mode(settings, env)
        if record_mode == "off" or allows == "none" or (allows == "writes" and not writes):
            return
        if record_mode == "auto" and not getattr(settings, "store_url", "") and not os.path.exists(
                settings.store_path):
            return
        import time

        from dos.store.journal_rows import spool_append, spool_path as path

        row = hook_row(event, verdict, time.time_ns() // 1_000_000, env)
        spool_append(path(os.path.join(settings.root, ".dos")), row, create_dir=record_mode == "always")
    except Exception:  # noqa: BLE001 - an allow never fails over its record
        return


def hook_deny_row(settings: Any, event: Any, verdict: Any, now_ms: int, env: Mapping[str, str]) -> dict[str, Any] | None:
    """The row a hook's deny or warning journals with its ENFORCE event, or None when journaling is off."""
    try:
        if hook_mode(settings, env)[0] == "off":
            return None
        return hook_row(event, verdict, now_ms, env)
    except Exception:  # noqa: BLE001
        return None
