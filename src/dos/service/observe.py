"""``dos observe`` and ``dos helped``: what the verdict journal and the enforcement records say.

``observe`` folds the journal into counts per dimension with one grouped query (a million
rows stay a million rows in the store, never in memory) and lists raw history on request.
``helped`` folds the hooks' ENFORCE records into "what DOS caught". Both are read-only apart
from folding the spool of hook decisions into the journal first.
"""

from __future__ import annotations

from typing import Any, Sequence

from dos.service.context import Context

DIMENSIONS = ("syscall", "verdict", "run_id", "lane", "source", "session")
KNOWN_SYSCALLS = ("verify", "liveness", "productivity", "efficiency", "arbitrate", "reward", "breaker", "hook_exit",
                  "pretool", "posttool", "stop")
EMPTY_LABEL = {"run_id": "(unattributed)"}
EVENTS_CAP = 1000  # events a JSON rollup carries (the newest); --tail N asks for another number


def _order(by: str, keys: Sequence[str]) -> list[str]:
    if by == "syscall":
        known = [k for k in KNOWN_SYSCALLS if k in keys]
        return known + sorted(k for k in keys if k not in KNOWN_SYSCALLS)
    return sorted(keys)


def parse_since(text: str | None) -> tuple[int, int | None]:
    """``--since``: a seq (``N``) or an ISO-8601 time; (since_seq, since_ms)."""
    from dos.errors import UsageError

    if text is None or text == "":
        return 0, None
    text = text.strip()
    if text.isdigit():
        return int(text), None
    try:
        from datetime import datetime, timezone

        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return 0, int(when.timestamp() * 1000)
    except ValueError:
        raise UsageError(f"--since {text!r} is neither a journal seq (an integer) nor an ISO-8601 time "
                         f"(e.g. 2026-01-31T09:00:00Z)") from None


def observe(ctx: Context, *, run: str = "", syscall: str = "", by: str = "syscall", tail: int | None = None,
            since: str | None = None, events_cap: int = EVENTS_CAP) -> dict[str, Any]:
    """The rollup ``{dimension: {token: n}}`` of the journal (filtered), and its newest events.

    The reference's JSON shape: ``{run, syscall_filter, corrupt, rollup: {by, total, corrupt,
    dimensions, counts}, events}``, plus ``compacted`` (rows folded into checkpoints) and
    ``events_total``/``events_shown``.
    """
    from dos.service import journal
    from dos.store import journal as js

    if by not in DIMENSIONS:
        from dos.errors import UsageError

        raise UsageError(f"--by must be one of {', '.join(DIMENSIONS)}, got {by!r}")
    since_seq, since_ms = parse_since(since)
    journal.flush_quietly(ctx)
    store = ctx.store
    filters = {"run_id": run, "syscall": syscall}
    counts: dict[str, dict[str, int]] = {}
    total = corrupt = compacted = 0
    events: list[tuple[Any, ...]] = []
    want = events_cap if tail is None else max(0, tail)
    with store.engine.read() as tx:
        if js.present(tx, store.engine.name):
            clause, params = js.where(since_seq=since_seq, since_ms=since_ms, **filters)
            for key, token, n in tx.execute(f"SELECT {by}, verdict, count(*) FROM verdicts{clause} "
                                            f"GROUP BY {by}, verdict", params):
                counts.setdefault(key or "", {})[token] = int(n)
                total += int(n)
            bad = tx.execute("SELECT detail FROM verdicts WHERE syscall = 'journal' AND verdict = 'SPOOL_CORRUPT'")
            corrupt = sum(int(_loads(d).get("lines", 1)) for (d,) in bad)
            compacted = int(tx.execute("SELECT coalesce(sum(dropped), 0) FROM verdict_checkpoints")[0][0])
            if want:
                events = js.select(tx, limit=want, newest=True, since_seq=since_seq, since_ms=since_ms, **filters)
    dims = _order(by, list(counts))
    label = EMPTY_LABEL.get(by, "(none)")
    rollup = {"by": by, "total": total, "corrupt": corrupt, "dimensions": [d or label for d in dims],
              "counts": {(d or label): dict(sorted(counts[d].items())) for d in dims}}
    return {"run": run, "syscall_filter": syscall, "corrupt": corrupt, "rollup": rollup,
            "events": [journal.to_record(r) for r in events], "events_total": total,
            "events_shown": len(events), "compacted": compacted}


def _loads(text: str) -> dict[str, Any]:
    from dos.kernel.jsonc import JSONError, loads

    try:
        value = loads(text)
    except JSONError:
        return {}
    return value if isinstance(value, dict) else {}


def printable(text: Any) -> str:
    """Agents' text for a terminal: control characters (newlines, escapes) shown as '?'."""
    return "".join(c if c >= " " and c != "\x7f" else "?" for c in str(text))


def render_rollup(report: dict[str, Any], *, syscall: str = "") -> str:
    """The text form: ``# observe``, the count line, then one row per dimension value."""
    rollup = report["rollup"]
    head = "# observe" + (f" · syscall {printable(syscall)}" if syscall else "")
    count = f"  {rollup['total']} verdict event(s) recorded"
    if rollup["by"] != "syscall":
        count += f", folded by {rollup['by']}"
    lines = [head, count]
    if report["corrupt"]:
        lines.append(f"  ⚠ {report['corrupt']} corrupt/unreadable journal line(s) (integrity breach — "
                     f"not a torn tail)")
    if report.get("compacted"):
        lines.append(f"  ({report['compacted']} older verdict(s) folded into checkpoints by retention; "
                     f"`dos journal verify` checks them)")
    if not rollup["total"]:
        lines.append("  (no verdicts recorded yet — verdicts are journaled once the store exists, or with "
                     "DISPATCH_OBSERVE=1)")
        return "\n".join(lines) + "\n"
    lines.append("")
    for dim in rollup["dimensions"]:
        tokens = rollup["counts"][dim]
        n = sum(tokens.values())
        detail = " ".join(f"{printable(k)}={v}" for k, v in tokens.items())
        lines.append(f"  {printable(dim):<16}{n:>5}  {detail}")
    return "\n".join(lines) + "\n"


def _detail_text(detail: dict[str, Any]) -> str:
    if not detail:
        return ""
    return " {" + ", ".join(f"{k}={v}" for k, v in detail.items()) + "}"


def render_history(events: Sequence[dict[str, Any]], *, run: str = "") -> str:
    """``# observe · history``: one line per event, oldest first."""
    lines = ["# observe · history" + (f" · run {printable(run)}" if run else "")]
    if not events:
        lines.append("  (no matching verdict events)")
        return "\n".join(lines) + "\n"
    lines.append("  ts                   syscall      verdict        subject / detail")
    lines.append("  " + "-" * 65)
    for e in events:
        rid = f"  [{e['run_id']}]" if e.get("run_id") else ""
        lines.append(printable(f"  {e['ts']:<20} {e['syscall']:<12} {e['verdict']:<14} "
                               f"{e['subject']}{_detail_text(e['detail'])}{rid}"))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- helped

GLOSSARY = {
    "COLLISION": "a write into a region another session's live lease holds",
    "UNKNOWN_REGION": "a write into a live lease whose tree is empty (an unknown blast radius)",
    "UNJUDGEABLE_PATH": "a write whose path DOS could not resolve while other sessions hold lanes",
    "OUTSIDE_WORKSPACE": "a write outside the workspace (and outside [hooks] allowed_outside)",
    "SELF_MODIFY": "an edit of the referee's own files (its config, hooks or kernel)",
    "STATE_DIR": "a write into .dos/, the referee's own state",
    "STALE_FENCE": "a write under a fence that is no longer the live grant for its lane",
    "STORE_UNREADABLE": "a write refused because the lease store could not be read (fail closed)",
    "AUTO_ACQUIRE_REFUSED": "a write that needed a lane the session could not take",
    "PAYLOAD_UNREADABLE": "a tool call DOS could not read while other sessions hold lanes",
    "UNKNOWN_FOOTPRINT": "a call whose writes DOS cannot tell, while other sessions hold lanes",
    "UNVERIFIED_CLAIM": "a stop refused: the phase the session claimed has not verifiably shipped",
    "CAP_REACHED": "a stop let through after refusing it as many times in a row as [hooks] stop_block_cap",
    "REPEATING": "the same tool call returning the same result three times in a row",
    "STALLED": "the same tool call returning the same result five times in a row",
    "WAIT_MARKER": "a stop held open by the wait-marker budget",
    "HOOK_ERROR": "a call refused because the hook failed and [hooks] on_error = \"deny\"",
}
RUNG = {"DENY": "BLOCK", "BLOCK": "BLOCK", "WARN": "WARN", "DEFER": "DEFER"}


def _clause(text: str, n: int = 160) -> str:
    """The first clause of a reason: up to ' — ', trimmed to N characters."""
    head = text.removeprefix("DOS: ").split(" — ")[0].strip()
    return head if len(head) <= n else head[: n - 1] + "…"


def helped(ctx: Context, *, session: str = "", since: str | None = None, examples: int = 3) -> dict[str, Any]:
    """Fold the ENFORCE records (every deny and warning the hooks recorded) into "DOS caught N things".

    The reference's JSON keys: ``total, enforced, withheld, blocked, warned, deferred, by_rung,
    by_reason, by_tool, since, latest, examples, glossary``.
    """
    from dos.kernel.lease import Op

    _, since_ms = parse_since(since) if since and not since.strip().isdigit() else (0, None)
    if since and since.strip().isdigit():
        from dos.errors import UsageError

        raise UsageError(f"--since {since!r}: give an ISO-8601 time, e.g. 2026-01-31T09:00:00Z")
    from dos.service import journal

    journal.flush_quietly(ctx)  # the hooks' spooled denies are ENFORCE records too
    store = ctx.store
    sql = ("SELECT seq, ts_ms, lane, holder, reason, data FROM events WHERE op = ?"
           + (" AND holder = ?" if session else "") + (" AND ts_ms >= ?" if since_ms is not None else "")
           + " ORDER BY seq")
    params: list[Any] = [str(Op.ENFORCE)]
    if session:
        params.append(session)
    if since_ms is not None:
        params.append(since_ms)
    with store.engine.read() as tx:
        rows = tx.execute(sql, params)
    from dos.service.journal import iso

    by_rung: dict[str, int] = {}
    by_reason: dict[str, int] = {}
    by_tool: dict[str, int] = {}
    rungs_by_reason: dict[str, dict[str, int]] = {}
    picked: dict[str, list[dict[str, Any]]] = {}
    first = last = None
    for seq, ts_ms, lane, holder, reason, data in rows:
        d = _loads(data)
        rung = RUNG.get(str(d.get("intervention", "")).upper(), str(d.get("intervention", "")).upper() or "WARN")
        token = str(d.get("token") or d.get("reason_class") or d.get("handler") or "unclassified")
        tool = str(d.get("tool") or "?")
        by_rung[rung] = by_rung.get(rung, 0) + 1
        by_reason[token] = by_reason.get(token, 0) + 1
        by_tool[tool] = by_tool.get(tool, 0) + 1
        rungs_by_reason.setdefault(token, {})[rung] = rungs_by_reason.setdefault(token, {}).get(rung, 0) + 1
        first = ts_ms if first is None else first
        last = ts_ms
        bucket = picked.setdefault(token, [])
        if len(bucket) < examples:
            paths = d.get("paths") or []
            bucket.append({"target": str(paths[0]) if isinstance(paths, list) and paths else "", "tool": tool,
                           "ts": iso(ts_ms), "reason": _clause(str(reason or "")), "session": str(holder or ""),
                           "lane": str(lane or "")})
    total = sum(by_rung.values())
    blocked = by_rung.get("BLOCK", 0)
    out = {"total": total, "enforced": total, "withheld": blocked, "blocked": blocked,
           "warned": by_rung.get("WARN", 0), "deferred": by_rung.get("DEFER", 0),
           "by_rung": dict(sorted(by_rung.items(), key=lambda kv: (-kv[1], kv[0]))),
           "by_reason": dict(sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))),
           "by_tool": dict(sorted(by_tool.items())),
           "since": iso(first) if first is not None else "", "latest": iso(last) if last is not None else ""}
    if total:
        out["examples"] = {k: picked[k] for k in out["by_reason"]}
        out["glossary"] = {k: GLOSSARY.get(k, "a rule DOS enforced (see `dos man` or the hook's reason)")
                           for k in out["by_reason"]}
        out["rungs_by_reason"] = {k: rungs_by_reason[k] for k in out["by_reason"]}
    if session:
        out["session"] = session
    return out


def render_helped(report: dict[str, Any], *, explain: bool = False) -> str:
    total = report["total"]
    lines = ["# dos helped" + (" --explain" if explain else "")]
    since = f" since {report['since']}" if report["since"] else ""
    lines.append(f"  DOS has caught {total} thing{'' if total == 1 else 's'}{since}")
    if not total:
        lines.append("  (no behavior-changing interventions recorded yet — DOS has been observing, not blocking)")
        return "\n".join(lines) + "\n"
    if explain:
        for token, n in report["by_reason"].items():
            rungs = report["rungs_by_reason"][token]
            parts = ", ".join(f"{v} {_rung_word(k)}" for k, v in sorted(rungs.items()))
            lines += ["", f"  {printable(token)}  ({parts})", f"    means: {report['glossary'][token]}", "    e.g."]
            for ex in report["examples"][token]:
                target = ex["target"] or "(target not recorded)"
                lines.append(printable(f"      · {target} via {ex['tool']}"))
                if ex["reason"]:
                    lines.append(printable(f"        {ex['reason']}"))
        return "\n".join(lines) + "\n"
    lines.append(f"    {report['blocked']} blocked, {report['warned']} warned  ·  "
                 f"{report['withheld']} call{'' if report['withheld'] == 1 else 's'} actually refused")
    lines += ["", "  by reason"]
    for token, n in report["by_reason"].items():
        lines.append(printable(f"    {token:<24}{n:>3}   {report['glossary'][token]}"))
    lines += ["", "  by tool"]
    for tool, n in report["by_tool"].items():
        lines.append(printable(f"    {tool:<24}{n:>3}"))
    lines += ["", "  Run `dos helped --explain` for concrete examples (which files, why)."]
    return "\n".join(lines) + "\n"


def _rung_word(rung: str) -> str:
    return {"BLOCK": "blocked", "WARN": "warned", "DEFER": "deferred"}.get(rung, rung.lower())
