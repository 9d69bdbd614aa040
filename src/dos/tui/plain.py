"""Plain-text frames of the screens (``dos top``, ``dos decisions``, ``dos plan``): pure, no terminal library.

Agents' strings (lane names, holders, reasons, commit subjects) are shown with every
control character replaced, so a reason cannot move the cursor, clear the screen or
reorder the text it is printed in (bidi overrides count as control characters here).
"""

from __future__ import annotations

import unicodedata
from typing import Any, Mapping, Sequence

from dos.kernel.text import short_duration

WIDTH = 78
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}


def clean(text: Any, limit: int | None = None) -> str:
    """TEXT with control and bidi-override characters shown as U+FFFD, on one line, cut to LIMIT."""
    s = "" if text is None else str(text)
    out = []
    for ch in s:
        if ch in "\n\r\t":
            out.append(" ")
        elif ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cs"):
            out.append("\ufffd")
        else:
            out.append(ch)
    s = "".join(out)
    if limit is not None and len(s) > limit:
        s = s[: max(0, limit - 1)] + "…"
    return s

duration = short_duration  # the screens' one spelling of an age


def _rule(title: str = "") -> str:
    return title + "─" * max(3, WIDTH - len(title))


# --------------------------------------------------------------------------- top


def lane_line(r: Mapping[str, Any]) -> str:
    mark = "*" if r.get("is_exclusive") else " "
    head = f" {mark}{clean(r['lane'], 14):<14} {r['chip']:<13}"
    if not r.get("lease_id"):
        spawn = r.get("pending_spawn")
        if spawn:
            return f"{head} spawned {duration(spawn['age_ms'])} ago by {clean(spawn['holder'], 30)}"
        return head.rstrip()
    expiry = "expired" if not r.get("live") else f"exp {duration(r['expires_in_ms'])}"
    extra = f"  denies {r['denies']}" if r.get("denies") else ""
    extra += f"  stops refused {r['refused_stops']}" if r.get("refused_stops") else ""
    return (f"{head} {clean(r['holder'], 20):<20} fence {r['fence']:<4} {r['mode'][:4]:<4} {expiry:<11} "
            f"hb {duration(r['heartbeat_age_ms']):<4} session {clean(r['session'] or '-', 16)}{extra}")


def render_top(snap: Mapping[str, Any], *, live: bool = False) -> str:
    """One frame of ``dos top``."""
    t = snap["tally"]
    lines = [_rule(f"┌─ dos top · {clean(snap['workspace'])} · {snap['now']} "), "", "LANES"]
    lines += [lane_line(r) for r in snap["lanes"]] or ["  (no lanes declared; see [lanes] in dos.toml)"]
    lines.append(f"  {t['lanes']} lanes · {t['advancing']} advancing · {t['spinning']} spinning · "
                 f"{t['stalled']} stalled · {t['spawning']} spawning · {t['free']} free")
    if snap.get("spawns"):
        lines += ["", "PENDING SPAWNS        [a worker said it will take the lane]"]
        lines += [f"  {clean(s['lane'], 14):<14} {duration(s['age_ms']):>5} ago  {clean(s['holder'], 40)}"
                  for s in snap["spawns"]]
    lines += ["", f"RECENT DENIES        [the hooks refused these writes; {snap.get('denies_recent', 0)} in the last hour]"]
    lines += [f"  {duration(d['age_ms']):>5} ago  {clean(d['lane'] or '-', 12):<12} {clean(d['session'] or '-', 16):<16} "
              f"{clean(d['tool'], 10):<10} {clean(d['reason'], 40)}" for d in snap.get("denies", [])] or ["  (none)"]
    lines += ["", "REFUSED STOPS        [a session asked to stop with its claim unverified]"]
    lines += [f"  {duration(s['age_ms']):>5} ago  {clean(s['session'] or '-', 16):<16} {s['token']:<16} "
              f"{clean(s['reason'], 40)}" for s in snap.get("refused_stops", [])] or ["  (none)"]
    lines += ["", "RECENT VERDICTS      [the verdict journal]"]
    lines += [f"  {clean(v.get('syscall'), 14):<14} {clean(v.get('verdict'), 16):<16} {clean(v.get('subject'), 40)}"
              for v in snap.get("verdicts", [])] or ["  (no verdicts yet)"]
    lines += ["", "RECENT COMMITS       [ground truth — git history]"]
    lines += [f"  {clean(c['sha'], 10):<10} {clean(c['subject'], 64)}" for c in snap.get("activity", [])] or [
        "  (no commits)"]
    lines += [_rule(), "read-only · this screen mutates nothing" + (" · Ctrl-C to quit" if live else "")]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- decisions


def render_decisions(items: Sequence[Mapping[str, Any]], *, include_all: bool = False) -> str:
    """The queue as a plain list, highest-ranked first."""
    lines = ["# operator decisions"]
    if not items:
        lines.append("  (none pending - nothing is waiting on you)")
        return "\n".join(lines) + "\n"
    lines += [f"  {len(items)} pending" + ("" if include_all else "  (HUMAN only; --all for the rest)"),
              "     #    age  kind            lane          waiting on / do", "  " + "-" * 72]
    for i, x in enumerate(items, 1):
        age = "-" if x["age_seconds"] is None else duration(x["age_seconds"] * 1000)
        mark = "!" if x["resolver_kind"] == "HUMAN" else " "
        dup = f" (x{x['dup_count']})" if x.get("dup_count", 1) > 1 else ""
        lines.append(f"  {mark} {i:>2}  {age:>5}  {x['kind']:<15} {clean(x['lane'] or '-', 13):<13} "
                     f"{clean(x['reason_text'], 44)}{dup}")
        lines.append(f"  {'':>16}→ {clean(x['proposed_command'])}")
    counts: dict[str, int] = {}
    for x in items:
        counts[x["resolver_kind"]] = counts.get(x["resolver_kind"], 0) + 1
    by = ", ".join(f"{k}:{v}" for k, v in counts.items())
    lines += ["", f"  → {len(items)} pending ({by})  ·  `dos decisions show <#>` to drill in"]
    return "\n".join(lines) + "\n"


def render_decision(x: Mapping[str, Any]) -> str:
    """One item's detail block (``dos decisions show N``)."""
    age = "-" if x["age_seconds"] is None else duration(x["age_seconds"] * 1000)
    rows = [("KIND", x["kind"]), ("RESOLVER", x["resolver_kind"]), ("LANE", x["lane"] or "-"),
            ("DETAIL", x["reason_text"]), ("AGE", age), ("HOLDER", x.get("holder") or "-"),
            ("SESSION", x.get("session") or "-"), ("RUN", x.get("run_id") or "-"),
            ("LEASE", x.get("lease_id") or "-"), ("EVIDENCE", ", ".join(x.get("evidence") or ()) or "-"),
            ("SOURCE", x.get("source_path") or "-")]
    lines = [f"{k:<11} {clean(v)}" for k, v in rows]
    lines += ["", "RESOLVE", f"  {clean(x['proposed_command'])}"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- plan


def render_plan(board: Mapping[str, Any], *, live: bool = False) -> str:
    """One frame of the plan board."""
    s = board["summary"]
    lines = [_rule(f"┌─ dos plan · {clean(board['workspace'])} · {board['now']} "), "",
             "PHASES    [oracle = verify · ⚠ = the plan's claim diverges from git]"]
    rows = board["phases"]
    if not rows:
        lines.append(f"  (no plan phases found; plans_glob = {clean(board.get('plans_glob', ''))})")
    for r in rows:
        oracle = f"SHIPPED {clean(r['oracle_sha'])}" if r["oracle_shipped"] else "NOT_SHIPPED"
        lines.append(f"  {clean(r['plan'], 10):<10} {clean(r['phase'], 10):<10} {clean(r['claimed_status'] or '-', 8):<8} "
                     f"{oracle:<20} {r['divergence']}")
    lines.append(f"  {s['phases']} phases · {s['shipped']} shipped · {s['divergent']} DIVERGENT "
                 f"({s['over_claims']} over-claim) · {s['in_flight']} in-flight · {s['gated']} gated")
    lines += ["", "RECENT COMMITS       [ground truth — git history]"]
    lines += [f"  {clean(c['sha'], 10):<10} {clean(c['subject'], 64)}" for c in board.get("activity", [])] or [
        "  (no commits)"]
    lines += [_rule(), "read-only · this screen mutates nothing" + (" · Ctrl-C to quit" if live else "")]
    return "\n".join(lines) + "\n"
