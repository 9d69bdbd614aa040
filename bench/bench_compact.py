"""Online compaction of a long log: how long acquires wait while it runs, and how long it takes.

    python bench/bench_compact.py [--events N] [--engine sqlite|postgres|both] [--batch B] [--no-verify]

The log (default 10,000,000 events) is bulk-written by SQL in the store's own row format:
units of ACQUIRE, HEARTBEAT, HEARTBEAT, RELEASE of a closed lease and one ENFORCE (kept as
forensic), plus ten leases held through the compaction. An acquirer process loops acquire and
release on its own lane and times every acquire; the table compares the acquires during the
compaction with those before it (same process, same lane), and the goal is a longest acquire
during compaction of at most 100 ms. ``replay`` is folded before and after and must be equal.
PostgreSQL runs on DOS_TEST_PG_URL's server or a throwaway one (tests/pgserver.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HELD = 10
LANES = ("[lanes]\nconcurrent = [\"api\", \"hist\"" + "".join(f", \"k{i}\"" for i in range(HELD)) + "]\n"
         "[lanes.trees]\napi = [\"api/**\"]\nhist = [\"hist/**\"]\n" + "".join(f"k{i} = [\"k{i}/**\"]\n" for i in range(HELD)))
UNIT = 5  # rows per closed lease: ACQUIRE, HEARTBEAT, HEARTBEAT, RELEASE, ENFORCE


def _env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("DOS_STORE_URL", None)
    if url:
        env.update(DOS_STORE_URL=url, DOS_STORE_SCHEMA="dos_bench_compact")
    return env


def _open(ws: Path):
    sys.path.insert(0, str(ROOT / "src"))
    from dos.config import Workspace, load_config
    from dos.service.context import open_store

    return open_store(Workspace(ws, "--workspace"), load_config(ws))


# --------------------------------------------------------------------------- the log, written by SQL

def _sqlite_build(tx, n: int, now: int, base: int) -> None:
    # seq = base + i; unit u = i / 5; the lease's fence is 1e9 + u (above any fence the store hands out here)
    lease = ("'{\"lease\":{\"acquired_ms\":' || :now || ',\"fence\":' || (1000000000 + i / 5) || "
             "',\"heartbeat_ms\":' || :now || ',\"holder\":\"old\",\"host_id\":\"bench\",\"lane\":\"hist\","
             "\"lane_kind\":\"cluster\",\"lease_id\":\"h' || (i / 5) || '\",\"loop_ts\":\"\",\"mode\":\"exclusive\","
             "\"pid\":null,\"pid_start\":null,\"run_id\":\"\",\"session\":\"\",\"tree\":[\"hist/**\"],"
             "\"ttl_ms\":900000}}'")
    tx.execute(
        "INSERT INTO events (seq, ts_ms, op, lane, lease_id, holder, host_id, reason, data) "
        "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < :n) "
        "SELECT :base + i, :now, CASE i % 5 WHEN 0 THEN 'ACQUIRE' WHEN 3 THEN 'RELEASE' WHEN 4 THEN 'ENFORCE' "
        "ELSE 'HEARTBEAT' END, 'hist', CASE WHEN i % 5 = 4 THEN '' ELSE 'h' || (i / 5) END, 'old', 'bench', "
        "CASE i % 5 WHEN 3 THEN 'explicit' WHEN 4 THEN 'allow' ELSE '' END, "
        f"CASE i % 5 WHEN 0 THEN {lease} WHEN 3 THEN '{{\"fence\":' || (1000000000 + i / 5) || ',\"loop_ts\":\"\"}}' "
        "WHEN 4 THEN '{\"path\":\"hist/x.py\",\"verdict\":\"allow\"}' "
        "ELSE '{\"heartbeat_ms\":' || :now || ',\"loop_ts\":\"\"}' END FROM c",
        {"n": n, "now": now, "base": base})


def _pg_build(tx, n: int, now: int, base: int) -> None:
    lease = ("'{\"lease\":{\"acquired_ms\":' || %(now)s || ',\"fence\":' || (1000000000 + i / 5) || "
             "',\"heartbeat_ms\":' || %(now)s || ',\"holder\":\"old\",\"host_id\":\"bench\",\"lane\":\"hist\","
             "\"lane_kind\":\"cluster\",\"lease_id\":\"h' || (i / 5) || '\",\"loop_ts\":\"\",\"mode\":\"exclusive\","
             "\"pid\":null,\"pid_start\":null,\"run_id\":\"\",\"session\":\"\",\"tree\":[\"hist/**\"],"
             "\"ttl_ms\":900000}}'")
    step = 1_000_000
    for lo in range(0, n, step):
        tx.execute(
            "INSERT INTO events (seq, ts_ms, op, lane, lease_id, holder, host_id, reason, data) "
            "SELECT %(base)s + i, %(now)s, CASE i %% 5 WHEN 0 THEN 'ACQUIRE' WHEN 3 THEN 'RELEASE' "
            "WHEN 4 THEN 'ENFORCE' ELSE 'HEARTBEAT' END, 'hist', CASE WHEN i %% 5 = 4 THEN '' ELSE 'h' || (i / 5) END, "
            "'old', 'bench', CASE i %% 5 WHEN 3 THEN 'explicit' WHEN 4 THEN 'allow' ELSE '' END, "
            f"CASE i %% 5 WHEN 0 THEN {lease} WHEN 3 THEN '{{\"fence\":' || (1000000000 + i / 5) || ',\"loop_ts\":\"\"}}' "
            "WHEN 4 THEN '{\"path\":\"hist/x.py\",\"verdict\":\"allow\"}' "
            "ELSE '{\"heartbeat_ms\":' || %(now)s || ',\"loop_ts\":\"\"}' END "
            "FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i",
            {"n": n, "now": now, "base": base, "lo": lo, "hi": min(lo + step, n) - 1})
        tx.execute("COMMIT")
        tx.execute("BEGIN")


def build(ws: Path, events: int, url: str) -> float:
    """Write the workspace and its log of EVENTS events; seconds it took."""
    t = time.perf_counter()
    ws.mkdir(parents=True, exist_ok=True)
    (ws / "dos.toml").write_text(LANES)
    os.environ.update({k: v for k, v in _env(url).items() if k.startswith("DOS_STORE")})
    from dos.kernel.lanes import LaneRequest

    store = _open(ws)
    for i in range(HELD // 2):  # held leases from before the history ...
        assert store.acquire(LaneRequest(lane=f"k{i}"), holder=f"keeper{i}", ttl_ms=86_400_000).granted
    now, base = store.now_ms(), store.seq() + 1
    n = events - HELD - HELD // 2
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            cur = conn.cursor()
            cur.execute('SET search_path TO "dos_bench_compact"')
            cur.execute("BEGIN")
            _pg_build(cur, n, now, base)
            cur.execute("COMMIT")
            cur.execute("SELECT setval(pg_get_serial_sequence('events', 'seq'), (SELECT max(seq) FROM events))")
            cur.execute("ANALYZE events")
    else:
        import sqlite3

        conn = sqlite3.connect(store.engine.location, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        _sqlite_build(conn, n, now, base)
        conn.execute("COMMIT")
        conn.close()
    for i in range(HELD // 2, HELD):  # ... and after it; and a beat of the first ones
        assert store.acquire(LaneRequest(lane=f"k{i}"), holder=f"keeper{i}", ttl_ms=86_400_000).granted
    for i in range(HELD // 2):
        assert store.heartbeat(lane=f"k{i}", holder=f"keeper{i}") is not None
    store.close()
    return time.perf_counter() - t


# --------------------------------------------------------------------------- the acquirer (a child process)

def acquirer(ws: str, stop: str, out: str) -> int:
    from dos.kernel.lanes import LaneRequest

    store = _open(Path(ws))
    times = []
    (Path(out).with_suffix(".ready")).touch()
    while not os.path.exists(stop):
        t = time.monotonic()
        got = store.acquire(LaneRequest(lane="api"), holder="bench")
        times.append((t, time.monotonic() - t))
        assert got.granted, got.decision.reason
        store.release(lease_id=got.lease.lease_id, holder="bench")
        time.sleep(0.001)  # an agent between operations
    Path(out).write_text(json.dumps(times))
    return 0


# --------------------------------------------------------------------------- one run

def _p99(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=100)[98] if len(xs) >= 2 else (xs[0] if xs else 0.0)


def run(engine: str, events: int, batch: int, verify: bool, tmp: Path) -> dict:
    url = ""
    if engine == "postgres":
        sys.path.insert(0, str(ROOT / "tests"))
        from pgserver import server_from_env_or_start
        import atexit

        server = server_from_env_or_start()
        atexit.register(server.stop)
        url = server.create_database("dosbench")
    ws = tmp / f"{engine}-{events}"
    built = build(ws, events, url)
    store = _open(ws)
    t = time.perf_counter()
    before = store.replay() if verify else None
    replay_s = time.perf_counter() - t
    stop, out = tmp / f"{engine}.stop", tmp / f"{engine}.times"
    child = subprocess.Popen([sys.executable, __file__, "acquirer", str(ws), str(stop), str(out)], env=_env(url))
    while not out.with_suffix(".ready").exists():
        assert child.poll() is None
        time.sleep(0.01)
    time.sleep(2.0)
    t0 = time.monotonic()
    report = store.compact(batch=batch, detail=True)
    t1 = time.monotonic()
    time.sleep(1.0)
    stop.touch()
    assert child.wait(120) == 0
    times = json.loads(out.read_text())
    after = store.replay() if verify else None
    during = [d * 1000 for s, d in times if s + d >= t0 and s <= t1]  # acquires that overlapped the compaction
    quiet = [d * 1000 for s, d in times if s + d < t0]
    left = store.count_events()
    store.close()
    return {"engine": engine, "events": events, "build_s": built, "replay_s": replay_s, "report": report,
            "compact_s": t1 - t0, "during": during, "quiet": quiet, "equal": before == after,
            "leases": len(after or {}), "left": left}


def table(rows: list[dict]) -> str:
    out = ["| engine | events | compaction s | fold s | batches | longest lock hold ms | acquires during | "
           "p99 during ms | max during ms | p99 before ms | max before ms | max during / p99 before | "
           "replay equal | events left |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for r in rows:
        d, q, rep = r["during"], r["quiet"], r["report"]
        out.append(f"| {r['engine']} | {r['events']:,} | {r['compact_s']:.1f} | {rep['fold_ms'] / 1000:.1f} | "
                   f"{rep['batches']:,} | {rep['longest_write_ms']:.1f} | {len(d):,} | {_p99(d):.1f} | "
                   f"{max(d, default=0):.1f} | {_p99(q):.1f} | {max(q, default=0):.1f} | "
                   f"{max(d, default=0) / max(_p99(q), 1e-9):.1f}x | "
                   f"{'yes' if r['equal'] else 'NO'} ({r['leases']} leases) | {r['left']:,} |")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "acquirer":
        return acquirer(*argv[1:4])
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=10_000_000)
    p.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--batch", type=int, default=2000, help="seqs deleted per write transaction")
    p.add_argument("--no-verify", action="store_true", help="skip the replay before and after")
    args = p.parse_args(argv)
    engines = ("sqlite", "postgres") if args.engine == "both" else (args.engine,)
    rows = []
    with tempfile.TemporaryDirectory(prefix="dos-bench-compact-") as tmp:
        for engine in engines:
            r = run(engine, args.events, args.batch, not args.no_verify, Path(tmp))
            print(f"{engine}: built {r['events']:,} events in {r['build_s']:.1f} s; replay folded in "
                  f"{r['replay_s']:.1f} s; compact {json.dumps(r['report'])}", file=sys.stderr, flush=True)
            rows.append(r)
    print(table(rows))
    return 0 if all(r["equal"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
