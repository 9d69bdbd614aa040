"""The soak's report: what the agents logged, what the checker found in the log, and memory.

``analyse`` turns one finished run (bench/soak.py's ``Soak``, with its server still up) into
a JSON-able summary with a ``checks`` map of name -> bool and ``pass``; ``render`` prints it.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from overlap_check import check, read_events

OPS = ("acquire", "heartbeat", "release", "hook_own", "hook_other", "lapsed_beat")
# what must have happened for the run to count: (op, outcome)
REQUIRED = (("acquire", "granted"), ("acquire", "refused"), ("heartbeat", "beaten"), ("release", "released"),
            ("hook_own", "allow"), ("hook_other", "deny"), ("lapsed_beat", "not_held"))
AGENT_AGE_S = 8.0  # an agent's RSS counts once it is this old (its imports are done)


def quantile(values: list[float], q: float) -> float | None:
    """Nearest-rank quantile Q of VALUES (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))]


def read_logs(logs: Path) -> dict[str, Any]:
    ops: dict[str, dict[str, Any]] = {}
    errors: dict[str, int] = {}
    examples: dict[str, str] = {}
    crashes, own_denied, revived, torn = [], [], [], 0
    granted: dict[str, int] = {}
    for path in sorted(logs.glob("*.jsonl")):
        name = path.stem
        for line in path.read_text(errors="replace").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                torn += 1  # the line a SIGKILL cut short
                continue
            op, out = rec.get("op", ""), rec.get("out", "")
            if op == "crash":
                crashes.append({"agent": name, "trace": rec.get("msg", "")})
                continue
            if op in ("start", "stop"):
                continue
            entry = ops.setdefault(op, {"count": 0, "outcomes": {}, "lat": []})
            entry["count"] += 1
            entry["outcomes"][out] = entry["outcomes"].get(out, 0) + 1
            entry["lat"].append(float(rec.get("ms", 0.0)))
            if op.startswith("hook") and out not in ("allow", "deny"):  # the hook could not judge, or failed
                rec = {**rec, "out": "error", "err": f"hook_{out}", "msg": rec.get("note", "")}
                out = "error"
            if out == "error":
                cls = rec.get("err", "?")
                errors[cls] = errors.get(cls, 0) + 1
                examples.setdefault(cls, rec.get("msg", ""))
            if op == "acquire" and out == "granted":
                granted[name] = granted.get(name, 0) + 1
            if op == "hook_own" and out != "allow":
                own_denied.append({"agent": name, "out": out, "note": rec.get("note", "")})
            if op == "lapsed_beat" and out == "beaten":
                revived.append({"agent": name, "t": rec.get("t")})
    table = {op: {"count": e["count"], "p50_ms": quantile(e["lat"], 0.5), "p99_ms": quantile(e["lat"], 0.99),
                  "outcomes": dict(sorted(e["outcomes"].items()))} for op, e in sorted(ops.items())}
    return {"ops": table, "errors": errors, "error_examples": examples, "crashes": crashes,
            "hook_own_not_allowed": own_denied, "lapsed_beat_revived": revived, "torn_lines": torn,
            "granted_by_agent": granted}


def log_facts(url: str, audit: str) -> dict[str, Any]:
    """Plain SQL over the archived log: grants per holder, dead-holder scavenges' holders."""
    import psycopg

    with psycopg.connect(url) as conn:
        acquires = dict(conn.execute(f"SELECT holder, count(*) FROM {audit}.events WHERE op = 'ACQUIRE' "
                                     "GROUP BY holder").fetchall())
        dead = [r[0] for r in conn.execute(f"SELECT holder FROM {audit}.events WHERE op = 'SCAVENGE' "
                                           "AND reason LIKE '%holder process is gone%'").fetchall()]
    return {"acquires": acquires, "dead_scavenged": dead}


def _window(samples: list[dict], lo: float, hi: float, pick) -> float | None:
    values = [v for s in samples if lo <= s["t"] <= hi for v in [pick(s)] if v is not None]
    return statistics.median(values) if values else None


def memory(samples: list[dict], seconds: float, tolerance: float, slack_mb: float) -> dict[str, Any]:
    """First vs last window (a minute each on a long run, after start-up) of agent RSS and PostgreSQL PSS, in
    MB, and the number of PostgreSQL processes (backends come and go with the agents) for context."""
    warm = min(60.0, max(10.0, 0.15 * seconds))  # start-up (every agent importing and connecting) is not the trend
    width = min(60.0, 0.25 * seconds)

    def agent_rss(s: dict) -> float | None:
        grown = [kb for age, kb in s["agents"] if age >= AGENT_AGE_S]
        return statistics.median(grown) / 1024 if grown else None

    out: dict[str, Any] = {"window_s": round(width, 1), "first": [round(warm, 1), round(warm + width, 1)],
                           "last": [round(seconds - width, 1), round(seconds, 1)], "tolerance": tolerance,
                           "slack_mb": slack_mb}
    for key, pick in (("agent_rss_median_mb", agent_rss),
                      ("agent_rss_total_mb", lambda s: sum(kb for _, kb in s["agents"]) / 1024 or None),
                      ("postgres_pss_mb", lambda s: s["pg_pss_kb"] / 1024 if s["pg_pss_kb"] else None),
                      ("postgres_processes", lambda s: s["pg_procs"] or None)):
        first = _window(samples, warm, warm + width, pick)
        last = _window(samples, seconds - width, seconds, pick)
        flat = None if first is None or last is None else last <= first * (1 + tolerance) + slack_mb
        out[key] = {"first": None if first is None else round(first, 1),
                    "last": None if last is None else round(last, 1), "flat": flat}
    step = max(1, len(samples) // 20)  # the samples over time, at most about 20 points
    out["series"] = [{"t": x["t"], "agents": len(x["agents"]),
                      "agent_rss_median_mb": agent_rss(x) and round(agent_rss(x), 1),
                      "postgres_pss_mb": x["pg_pss_kb"] and round(x["pg_pss_kb"] / 1024, 1),
                      "postgres_processes": x["pg_procs"]} for x in samples[::step]]
    return out


def analyse(soak: Any, elapsed: float, audit: str) -> dict[str, Any]:
    """The summary of SOAK (its server still up; its events archived in AUDIT.events): counts, latencies,
    checker, memory, checks."""
    args = soak.args
    logs = read_logs(soak.logs)
    if args.keep:  # the raw archived log beside the agents' logs, for a reproduction
        with open(soak.dir / "events.jsonl", "w") as fh:
            for row in read_events(soak.url, audit, "events", "n"):
                fh.write(json.dumps(list(row)) + "\n")
    checker = check(read_events(soak.url, audit, "events", "n"), exclusive_lanes=["global"])
    facts = log_facts(soak.url, audit)
    phantom = {a: n for a, n in logs.pop("granted_by_agent").items() if n > facts["acquires"].get(a, 0)}
    killed = {k["name"] for k in soak.kills} | {e["name"] for e in soak.exits}
    wrongly_dead = sorted({h for h in facts["dead_scavenged"] if h not in killed})
    mem = memory(soak.samples, args.seconds, args.tolerance, args.slack_mb)
    happened = {f"{op}:{out}": logs["ops"].get(op, {}).get("outcomes", {}).get(out, 0) > 0 for op, out in REQUIRED}
    happened.update({"sigkill": bool(soak.kills), "ttl_expiry": checker["expiries"] > 0,
                     "scavenge": sum(checker["scavenges"].values()) > 0})
    if args.compact_every and args.compact_every < args.seconds:
        happened["checkpoint"] = checker["checkpoints"] > 0
    compactions = soak.compactions
    if compactions:
        logs["ops"]["compact"] = {"count": len(compactions), "p50_ms": quantile(compactions, 0.5),
                                  "p99_ms": quantile(compactions, 0.99), "outcomes": {"done": len(compactions)}}
    checks = {
        "zero_double_grants": checker["double_grants"] == 0,
        "log_consistent": checker["anomalies"] == 0,
        "no_agent_errors": not logs["errors"],
        "no_crashes": not logs["crashes"],
        "no_unexpected_exits": not soak.exits,
        "no_compaction_errors": not soak.compact_errors,
        "own_lane_always_allowed": not logs["hook_own_not_allowed"],
        "lapsed_lease_never_revived": not logs["lapsed_beat_revived"],
        "every_grant_seen_is_in_the_log": not phantom,
        "dead_holder_scavenges_only_of_killed_agents": not wrongly_dead,
        "every_kind_happened": all(happened.values()),
        "memory_flat": all(mem[k]["flat"] is not False for k in ("agent_rss_median_mb", "postgres_pss_mb")),
    }
    return {
        "seconds": round(elapsed, 1), "agents": args.agents, "hosts": args.hosts, "seed": args.seed,
        "netns": soak.hosts.netns, "fallback": "" if soak.hosts.netns else soak.hosts.why,
        "namespaces": list(soak.hosts.names), "server_addresses": list(soak.hosts.server_addrs) or ["127.0.0.1"],
        "operations": logs["ops"], "errors": logs["errors"], "error_examples": logs["error_examples"],
        "crashes": logs["crashes"][:5], "unexpected_exits": soak.exits[:10], "compaction_errors": soak.compact_errors,
        "kills": len(soak.kills), "spawned": soak.gen, "torn_log_lines": logs["torn_lines"],
        "hook_own_not_allowed": logs["hook_own_not_allowed"][:10], "lapsed_beat_revived": logs["lapsed_beat_revived"],
        "phantom_grants": phantom, "dead_scavenges_of_unkilled": wrongly_dead, "checker": checker,
        "memory": mem, "happened": happened, "checks": checks, "pass": all(checks.values()),
    }


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def render(r: dict[str, Any]) -> str:
    where = (f"{r['hosts']} network namespaces ({', '.join(r['namespaces'])}); server on "
             f"{', '.join(r['server_addresses'])}" if r["netns"] else
             f"LOOPBACK PROCESSES, NOT NETWORK NAMESPACES: {r['fallback']}")
    lines = [f"DOS soak: {r['seconds']} s, {r['agents']} agents on {r['hosts']} hosts, seed {r['seed']}",
             f"hosts: {where}", "", f"{'operation':<12} {'count':>8} {'p50 ms':>8} {'p99 ms':>8}  outcomes"]
    for op, e in r["operations"].items():
        outs = ", ".join(f"{k} {v}" for k, v in e["outcomes"].items())
        lines.append(f"{op:<12} {e['count']:>8} {_ms(e['p50_ms']):>8} {_ms(e['p99_ms']):>8}  {outs}")
    errs = ", ".join(f"{k} {v}" for k, v in r["errors"].items()) or "none"
    lines += ["", f"errors by class: {errs}",
              f"chaos: {r['kills']} SIGKILLs, {r['spawned']} agents started; unexpected exits "
              f"{len(r['unexpected_exits'])}; crashes {len(r['crashes'])}"]
    c = r["checker"]
    lines.append(f"overlap checker (independent, {c['events']} archived events): {c['grants']} grants, "
                 f"{c['releases']} releases, {c['expiries']} TTL expiries, scavenges {c['scavenges']}, "
                 f"{c['checkpoints']} checkpoints, at most {c['max_live']} live: "
                 f"{c['double_grants']} DOUBLE GRANTS, {c['anomalies']} anomalies")
    m = r["memory"]
    lines.append(f"memory, {m['first'][0]}-{m['first'][1]} s vs {m['last'][0]}-{m['last'][1]} s "
                 f"(flat: last <= first x {1 + m['tolerance']:.2f} + {m['slack_mb']} MB):")
    for key in ("agent_rss_median_mb", "agent_rss_total_mb", "postgres_pss_mb", "postgres_processes"):
        v = m[key]
        flat = {True: "flat", False: "GROWING", None: "no data"}[v["flat"]]
        lines.append(f"  {key:<22} {_ms(v['first']):>8} -> {_ms(v['last']):>8}  {flat}")
    failed = [k for k, ok in r["checks"].items() if not ok]
    if r.get("namespaces_left"):
        failed.append("namespaces_left")
    lines += ["", "PASS" if r["pass"] and not failed else f"FAIL: {', '.join(failed)}"]
    if not r["happened"] or not all(r["happened"].values()):
        lines.append("never happened: " + ", ".join(k for k, v in r["happened"].items() if not v))
    if r.get("run_dir"):
        lines.append(f"logs and the archived event log (events.jsonl): {r['run_dir']}")
    return "\n".join(lines)
