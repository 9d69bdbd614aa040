"""The dashboard's HTML, rendered on the server from the same snapshots ``--json`` prints.

Every value goes through ``e()`` (HTML-escaped, control characters replaced) on its way
into the page, attribute values included; the page's script only ever swaps in a fragment
this module rendered, and the Content-Security-Policy forbids inline script besides.
"""

from __future__ import annotations

import html
import re
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import urlencode

from dos.kernel.text import short_duration

NAV = (("/", "fleet"), ("/decisions", "decisions"), ("/plan", "plan"), ("/journal", "journal"))
JOURNAL_FILTERS = ("run_id", "syscall", "lane", "session", "verdict")


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SPECIAL = re.compile("[&<>\"'\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def e(value: Any) -> str:
    """VALUE as HTML text or attribute content: escaped, with control characters shown as U+FFFD."""
    if value is None:
        return ""
    if type(value) is int:
        return str(value)
    s = str(value)
    if _SPECIAL.search(s) is None:
        return s
    return html.escape(_CONTROL.sub("\ufffd", s), quote=True)


dur = short_duration  # the same ages the terminal screens print


def link(path: str, text: str, **query: Any) -> str:
    q = urlencode({k: v for k, v in query.items() if v not in ("", None)})
    return f'<a href="{e(path + ("?" + q if q else ""))}">{e(text)}</a>'


def table(head: Sequence[str], rows: Iterable[Sequence[str]], *, cls: str = "", empty: str = "(none)") -> str:
    """ROWS are already-rendered cells (each built with ``e()``)."""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    if not body:
        return f'<p class="empty">{e(empty)}</p>'
    return (f'<table class="{e(cls)}"><thead><tr>' + "".join(f"<th>{e(h)}</th>" for h in head)
            + f"</tr></thead><tbody>{body}</tbody></table>")


def page(title: str, fragment: str, *, csrf: str = "", ops: bool = False, path: str = "/") -> str:
    """A whole page around FRAGMENT; the script keeps it live (server-sent events), no build step."""
    nav = " ".join(f'<a href="{e(href)}"{" class=current" if href == path else ""}>{e(name)}</a>'
                   for href, name in NAV)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>dos · {e(title)}</title>"
        f'<meta name=dos-csrf content="{e(csrf)}"><meta name=dos-ops content="{"1" if ops else ""}">'
        '<link rel=stylesheet href="/static/style.css"><script type=module src="/static/app.js"></script>'
        f"</head><body><header><strong>dos</strong> <nav>{nav}</nav>"
        '<span id=opstatus role=status></span> <span id=live class=live title="live updates">connecting…</span>'
        "</header>"
        f'<main id=main>{fragment}</main>'
        f'<footer>{"operations enabled (halt, release expired)" if ops else "read-only"} · '
        "this page changes nothing unless you press an operation button</footer></body></html>")


# --------------------------------------------------------------------------- fleet


def _chip(liveness: str | None, pending: bool, why: str = "") -> str:
    word = liveness or ("SPAWNING" if pending else "FREE")
    title = f' title="{e(why)}"' if why else ""
    return f'<span class="chip {word.lower()}"{title}>{word}</span>'


def _countdown(r: Mapping[str, Any]) -> str:
    if not r.get("lease_id"):
        return "-"
    if not r.get("live"):
        return '<span class="expired">expired</span>'
    return f'<span class="countdown" data-expires-ms="{int(r["expires_ms"])}">{e(dur(r["expires_in_ms"]))}</span>'


def _run_link(r: Mapping[str, Any]) -> str:
    from urllib.parse import quote

    if r.get("run_id"):
        return f'<a href="/run?run_id={e(quote(r["run_id"], safe=""))}">{e(r["run_id"])}</a>'
    if r.get("lease_id"):
        return f'<a href="/run?lease_id={e(quote(r["lease_id"], safe=""))}">lease {e(r["lease_id"][:8])}</a>'
    return "-"


def _ops_buttons(r: Mapping[str, Any], ops: bool) -> str:
    if not ops or not r.get("lease_id"):
        return ""
    if r.get("live"):
        return f'<button class=op data-op=halt data-lease="{e(r["lease_id"])}">halt</button>'
    return f'<button class=op data-op=release data-lease="{e(r["lease_id"])}">release</button>'


def _prefix(glob: str) -> tuple[str, ...]:
    """The literal directory part of a tree glob: ``src/dos/**`` -> (src, dos); ``**/*`` -> ()."""
    out = []
    for part in glob.strip("/").split("/"):
        if not part or any(c in part for c in "*?[{"):
            break
        out.append(part)
    if out and "." in out[-1] and glob.strip("/").split("/")[-1] == out[-1]:
        out = out[:-1]  # a single file: show it under its directory
    return tuple(out)


def tree_map(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Lanes placed on the workspace tree by their globs: ``{"lanes": [...], "children": {name: node}}``."""
    root: dict[str, Any] = {"lanes": [], "children": {}}
    for r in rows:
        globs = r.get("tree") or [""]
        placed = set()
        for g in globs:
            node = root
            for part in _prefix(g):
                node = node["children"].setdefault(part, {"lanes": [], "children": {}})
            if id(node) not in placed:
                node["lanes"].append(r)
                placed.add(id(node))
    return root


def _key(kind: str, r: Mapping[str, Any]) -> str:
    return f"{kind}:{r['lease_id']}" if r.get("lease_id") else f"{kind}:free:{r['lane']}"


def _sig(r: Mapping[str, Any]) -> str:
    """What a lane's row or card shows, less what ticks by itself (countdown, beat age): unchanged, not redrawn."""
    spawn = r.get("pending_spawn") or {}
    return format(hash((r["lane"], r["lease_id"], r["fence"], r["holder"], r["session"], r["mode"], r["liveness"],
                        r["live"], r["expires_ms"], r["denies"], r["refused_stops"], spawn.get("seq"), r["run_id"])) &
                  0xFFFFFFFFFFFF, "x")


def _card(r: Mapping[str, Any], ops: bool) -> str:
    holder = f' <span class=holder>{e(r["holder"])}</span>' if r.get("holder") else ""
    return (f'<div class="card {(r.get("liveness") or "free").lower()}" data-lane="{e(r["lane"])}" '
            f'data-k="{e(_key("card", r))}" data-sig="{_sig(r)}">'
            f'<span class=lane>{"* " if r.get("is_exclusive") else ""}{e(r["lane"])}</span> '
            f'{_chip(r.get("liveness"), bool(r.get("pending_spawn")))}{holder} {_countdown(r)} {_ops_buttons(r, ops)}'
            "</div>")


def _leafy(node: Mapping[str, Any]) -> bool:
    """A directory holding lanes and no deeper directories: drawn as cards inside its parent."""
    return not node["children"]


def _node(name: str, node: Mapping[str, Any], ops: bool, depth: int = 0) -> str:
    """A directory of the tree: its own lanes, its leaf subdirectories as labelled cards, then its subtrees."""
    cards = [_card(r, ops) for r in node["lanes"]]
    subtrees = []
    for k, v in sorted(node["children"].items()):
        if _leafy(v) and len(v["lanes"]) <= 2:
            cards += [f'<div class=leaf><span class=path>{e(k)}/</span>{_card(r, ops)}</div>' for r in v["lanes"]]
        else:
            subtrees.append(_node(k, v, ops, depth + 1))
    return (f'<div class="node depth{min(depth, 4)}"><div class=path>{e(name)}</div>'
            f'<div class=cards>{"".join(cards)}</div>{"".join(subtrees)}</div>')


def _lane_row(r: Mapping[str, Any], ops: bool, now_ms: int) -> str:
    star = "* " if r["is_exclusive"] else ""
    fence = "-" if r["fence"] is None else r["fence"]
    age = r["heartbeat_age_ms"]
    beat = "-" if age is None else f'<span class=age data-at-ms="{int(now_ms - age)}">{dur(age)}</span>'
    return (f'<tr data-k="{e(_key("row", r))}" data-sig="{_sig(r)}"><td><span class=lane>{star}{e(r["lane"])}</span></td>'
            f'<td>{_chip(r["liveness"], bool(r["pending_spawn"]), r["liveness_reason"])}</td>'
            f'<td><span class=holder>{e(r["holder"] or "-")}</span></td><td>{e(r["session"] or "-")}</td>'
            f'<td>{fence}</td><td>{e(r["mode"] or "-")}</td><td>{_countdown(r)}</td>'
            f'<td>{beat}</td><td>{_run_link(r)}</td><td>{r["denies"] or ""}</td>'
            f'<td>{r["refused_stops"] or ""}</td><td>{_ops_buttons(r, ops)}</td></tr>')


def _keyed(key: str, html: str) -> str:
    """A section redrawn only when its HTML changes."""
    return f'<div data-k="{key}" data-sig="{format(hash(html) & 0xFFFFFFFFFFFF, "x")}">{html}</div>'


LANE_HEAD = ("lane", "liveness", "holder", "session", "fence", "mode", "expires in", "beat", "run", "denies",
             "stops", "")


def fleet(snap: Mapping[str, Any], *, ops: bool = False) -> str:
    t = snap["tally"]
    rows = snap["lanes"]
    if rows:
        lanes = ('<table class="lanes"><thead><tr>' + "".join(f"<th>{h}</th>" for h in LANE_HEAD)
                 + "</tr></thead><tbody>" + "".join(_lane_row(r, ops, snap["now_ms"]) for r in rows) + "</tbody></table>")
    else:
        lanes = '<p class="empty">no lanes declared ([lanes] in dos.toml)</p>'
    denies = table(("age", "lane", "session", "tool", "token", "reason"),
                   ([e(dur(d["age_ms"])), e(d["lane"] or "-"), e(d["session"] or "-"), e(d["tool"]), e(d["token"]),
                     f'<span class=reason>{e(d["reason"])}</span>'] for d in snap["denies"]), empty="no denies")
    stops = table(("age", "session", "token", "reason"),
                  ([e(dur(s["age_ms"])), e(s["session"] or "-"), e(s["token"]),
                    f'<span class=reason>{e(s["reason"])}</span>'] for s in snap["refused_stops"]),
                  empty="no refused stops")
    spawns = table(("lane", "holder", "age", "run"),
                   ([e(s["lane"]), e(s["holder"]), e(dur(s["age_ms"])), e(s["run_id"] or "-")] for s in snap["spawns"]),
                   empty="no pending spawns")
    verdicts = table(("seq", "syscall", "verdict", "subject"),
                     ([e(v.get("seq")), e(v.get("syscall")), e(v.get("verdict")), e(v.get("subject"))]
                      for v in snap["verdicts"]), empty="no verdicts yet")
    commits = table(("sha", "subject"), ([e(c["sha"]), f'<span class=subject>{e(c["subject"])}</span>']
                                         for c in snap["activity"]), empty="no commits")
    shape = format(hash(tuple(_key("row", r) for r in rows)) & 0xFFFFFFFFFFFF, "x")
    recent = f'<p><small>{int(snap["denies_recent"])} in the last hour</small></p>'
    tally = (f'{t["lanes"]} lanes · {t["leases"]} leases · {t["advancing"]} advancing · {t["spinning"]} spinning · '
             f'{t["stalled"]} stalled · {t["spawning"]} spawning · {t["free"]} free')
    return (f'<div id=frag data-now-ms="{int(snap["now_ms"])}" data-seq="{int(snap["seq"])}" data-shape="{shape}">'
            f'<h1>fleet <small>{e(snap["workspace"])} · <time class=clock>{e(snap["now"])}</time></small></h1>'
            f'<div class=tally>{_keyed("tally", tally)}</div>'
            f'<section><h2>the tree</h2><div class=map>{_node("/", tree_map(rows), ops)}</div></section>'
            f"<section class=big><h2>lanes</h2>{lanes}</section>"
            f'<section class=cols><div><h2>pending spawns</h2>{_keyed("spawns", spawns)}</div>'
            f'<div><h2>recent denies</h2>'
            f'{_keyed("denies", recent + denies)}</div>'
            f'<div><h2>refused stops</h2>{_keyed("stops", stops)}</div></section>'
            f'<section class=cols><div><h2>recent verdicts</h2>{_keyed("verdicts", verdicts)}</div>'
            f'<div><h2>recent commits</h2>{_keyed("commits", commits)}</div></section></div>')


# --------------------------------------------------------------------------- decisions, plan, journal, run


def decisions(items: Sequence[Mapping[str, Any]], *, include_all: bool, now_ms: int) -> str:
    toggle = link("/decisions", "HUMAN only" if include_all else "show every resolver",
                  **({} if include_all else {"all": "1"}))
    rows = ([e(x["index"]), e("-" if x["age_seconds"] is None else dur(x["age_seconds"] * 1000)),
             f'<span class="kind {e(x["kind"].lower())}">{e(x["kind"])}</span>', e(x["resolver_kind"]),
             e(x["lane"] or "-"), f'<span class=reason>{e(x["reason_text"])}</span>',
             f'<code class=cmd>{e(x["proposed_command"])}</code>'] for x in items)
    return (f'<div id=frag data-now-ms="{int(now_ms)}"><h1>decisions <small>{len(items)} pending</small></h1>'
            f"<p>{toggle}</p>"
            + table(("#", "age", "kind", "resolver", "lane", "waiting on", "the command that resolves it"), rows,
                    cls="decisions", empty="none pending - nothing is waiting on you") + "</div>")


def plan(board: Mapping[str, Any], now_ms: int) -> str:
    s = board["summary"]
    rows = ([e(r["plan"]), e(r["phase"]), e(r["claimed_status"] or "-"),
             e(f"SHIPPED {r['oracle_sha']}" if r["oracle_shipped"] else "NOT_SHIPPED"),
             f'<span class="{"divergent" if r["is_divergent"] else ""}">{e(r["divergence"])}</span>',
             e(r.get("doc_path", ""))] for r in board["phases"])
    return (f'<div id=frag data-now-ms="{int(now_ms)}"><h1>plan <small>{e(board["now"])}</small></h1>'
            f'<p class=tally>{s["phases"]} phases · {s["shipped"]} shipped · {s["divergent"]} divergent '
            f'({s["over_claims"]} over-claimed) · {s["gated"]} gated</p>'
            + table(("plan", "phase", "claimed", "oracle", "divergence", "doc"), rows, cls="plan",
                    empty=f"no plan phases found (plans_glob = {board.get('plans_glob', '')})")
            + "<h2>recent commits</h2>"
            + table(("sha", "subject"), ([e(c["sha"]), e(c["subject"])] for c in board["activity"]),
                    empty="no commits") + "</div>")


def journal(records: Sequence[Mapping[str, Any]], filters: Mapping[str, str], now_ms: int) -> str:
    fields = "".join(f'<label>{e(k)} <input name="{e(k)}" value="{e(filters.get(k, ""))}"></label>'
                     for k in (*JOURNAL_FILTERS, "since_seq", "limit"))
    rows = ([e(r.get("seq")), e(r.get("ts")), e(r.get("syscall")), e(r.get("verdict")),
             link("/run", r["run_id"], run_id=r["run_id"]) if r.get("run_id") else "-",
             e(r.get("session") or "-"), e(r.get("lane") or "-"), f'<span class=subject>{e(r.get("subject"))}</span>']
            for r in records)
    return (f'<div id=frag data-now-ms="{int(now_ms)}"><h1>verdict journal <small>{len(records)} shown</small></h1>'
            f'<form method=get action="/journal" class=filters>{fields}<button type=submit>filter</button></form>'
            + table(("seq", "ts", "syscall", "verdict", "run", "session", "lane", "subject"), rows, cls="journal",
                    empty="no verdicts match") + "</div>")


def timeline(t: Mapping[str, Any]) -> str:
    who = t["run_id"] or (f"lease {t['lease_id']}" if t["lease_id"] else f"session {t['session']}")
    leases = table(("lane", "holder", "session", "fence", "mode", "acquired", "expires", "lease"),
                   ([e(x["lane"]), e(x["holder"]), e(x["session"] or "-"), e(x["fence"]), e(x["mode"]),
                     e(dur(t["now_ms"] - x["acquired_ms"]) + " ago"), e(dur(x["expires_ms"] - t["now_ms"])),
                     e(x["lease_id"])] for x in t["leases"]), empty="no lease found for this run")
    events = table(("seq", "age", "op", "lane", "holder", "reason"),
                   ([e(x["seq"]), e(dur(t["now_ms"] - x["ts_ms"])), e(x["op"]), e(x["lane"]), e(x["holder"]),
                     f'<span class=reason>{e(x["reason"])}</span>'] for x in t["events"]), empty="no events")
    hooks = table(("seq", "age", "tool", "intervention", "token", "lane", "reason"),
                  ([e(h["seq"]), e(dur(h["age_ms"])), e(h["tool"]), e(h["intervention"]), e(h["token"]),
                    e(h["lane"] or "-"), f'<span class=reason>{e(h["reason"])}</span>'] for h in t["hooks"]),
                  empty="no hook decisions")
    verdicts = table(("seq", "syscall", "verdict", "subject"),
                     ([e(v.get("seq")), e(v.get("syscall")), e(v.get("verdict")), e(v.get("subject"))]
                      for v in t["verdicts"]), empty="no verdicts")
    commits = table(("sha", "subject"), ([e(c["sha"]), f'<span class=subject>{e(c["subject"])}</span>']
                                         for c in t["commits"]), empty="no commits while it held its leases")
    return (f'<div id=frag data-now-ms="{int(t["now_ms"])}"><h1>run <small>{e(who)}</small></h1>'
            f"<section><h2>leases</h2>{leases}</section><section><h2>lease events</h2>{events}</section>"
            f"<section><h2>hook decisions</h2>{hooks}</section><section class=cols><div><h2>verdicts</h2>{verdicts}"
            f"</div><div><h2>commits</h2>{commits}</div></section></div>")


def error_page(status: int, message: str) -> str:
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>dos · {status}</title></head>"
            f"<body><h1>{status}</h1><p>{e(message)}</p></body></html>")
