"""Acquire+release pairs per second, SQLite vs PostgreSQL over loopback, 1, 8, 32 and 64 client processes.

    python bench/bench_store.py table [SECONDS [CLIENTS,...]]  # pairs/s in a SECONDS window, all clients running
    python bench/bench_store.py pair [PAIRS]                  # one PostgreSQL client: time, CPU, round trips per pair
                                                              # (1 lane; then 64 lanes, 63 of them held)
    python bench/bench_store.py writer [SRC]                  # one SQLite writer's pair at 0 to 10,000 live leases
    python bench/bench_store.py flush [US [SECONDS [CLIENTS,...]]]  # PostgreSQL on a durable server whose
                                                              # flush takes US µs more: flushing after the
                                                              # locks (visible first) against under them
    python bench/run.py store                              # wall time per case, through bench/run.py

Each client is its own process on its own lane, so every pair is two store transactions
and the clients contend only for the store's locks. The table counts the pairs the clients
finish inside one window opened once every client has started (start-up and exit fall
outside it), and the machine's CPU time per pair in that window. "bare" is the same number
of client processes each making two ``SELECT 1`` round trips per pair on a kept connection:
how far the machine itself falls as clients are added. "journaled" records each operation's
journal row as the CLI and the MCP server do. PostgreSQL is a
throwaway server started here (tests/pgserver.py), or DOS_TEST_PG_URL when set.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLIENTS = (1, 8, 32, 64)


def _workspace(path: Path, clients: int) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    lanes = [f"c{i}" for i in range(clients)]
    (path / "dos.toml").write_text(
        f"[lanes]\nconcurrent = {json.dumps(lanes)}\nexclusive = [\"global\"]\n[lanes.trees]\n"
        + "".join(f'{n} = ["{n}/**"]\n' for n in lanes) + 'global = ["**/*"]\n')
    return path


def start_postgres() -> str:
    """A database URL on DOS_TEST_PG_URL's server or on a throwaway one stopped at exit."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pgserver import server_from_env_or_start

    server = server_from_env_or_start()
    atexit.register(server.stop)
    return server.create_database("dosbench")


def start_slow_flush_postgres(extra_us: int) -> str:
    """A throwaway server with PostgreSQL's own durability settings (fsync, full page writes) whose every
    fsync first sleeps EXTRA_US µs (bench/slowsync, preloaded): a local disk made to flush like a slow one."""
    sys.path.insert(0, str(ROOT / "tests"))
    import pgserver

    lib = Path(tempfile.mkdtemp(prefix="dos-slowsync-")) / "slowsync.so"
    try:
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", str(lib), str(HERE / "slowsync" / "slowsync.c"), "-ldl"],
                       check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(f"bench flush needs a C compiler to build bench/slowsync ({exc}): apt-get install gcc")
    os.chmod(lib.parent, 0o755)  # the server may run as another user
    durable = ("-c", "fsync=on", "-c", "full_page_writes=on")  # later settings win over FAST's
    saved = {k: os.environ.get(k) for k in ("LD_PRELOAD", "SLOW_SYNC_US")}
    os.environ.update({"LD_PRELOAD": str(lib), "SLOW_SYNC_US": str(extra_us)})
    try:
        server = pgserver.start_server(settings=durable)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    atexit.register(server.stop)
    return server.create_database("dosbench")


def flush_table(extra_us: int, window_s: float, counts: tuple[int, ...]) -> str:
    """Pairs per second on a server whose flush takes EXTRA_US µs more, the same clients with writes
    flushing after their locks (visible first, the default) and, as before, under them."""
    url = start_slow_flush_postgres(extra_us)
    rows = ["| clients | journaled | flush after the locks, pairs/s | flush under them, pairs/s | ratio |",
            "|---:|---|---:|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="dos-bench-flush-") as tmp:
        for clients in counts:
            for journaled in (False, True):
                got = {}
                for under in (False, True):
                    ws = _workspace(Path(tmp) / f"f{clients}{journaled:d}{under:d}", clients)
                    os.environ["DOS_BENCH_FLUSH_UNDER_LOCKS"] = "1" if under else ""
                    got[under] = run_clients(ws, url, clients, 0, window_s, journaled=journaled)["rate"]
                os.environ.pop("DOS_BENCH_FLUSH_UNDER_LOCKS", None)
                rows.append(f"| {clients} | {'yes' if journaled else 'no'} | {got[False]:,.0f} | {got[True]:,.0f} | "
                            f"{got[False] / got[True]:.2f}x |")
    return "\n".join(rows)


def _env(url: str, schema: str = "dos_bench") -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("DOS_STORE_URL", None)
    if url:  # a bench workspace is no git clone: name its schema (one per workspace)
        env["DOS_STORE_URL"] = url
        env["DOS_STORE_SCHEMA"] = schema
    return env


def drive(ws: str, lane: str, budget: str, go: str) -> dict:
    """One client: connect, wait for GO, then acquire+release pairs on LANE: BUDGET of them ("300"), or
    as many as fit before the deadline written in GO ("window"; a pair still open then is not counted)."""
    sys.path.insert(0, str(ROOT / "src"))
    from dos.config import Workspace, load_config
    from dos.kernel.lanes import LaneRequest
    from dos.service.context import open_store

    path = Path(ws)
    if lane.startswith("bare"):  # the baseline: two bare round trips per "pair", no DOS
        return _drive_bare(os.environ["DOS_STORE_URL"], lane, go)
    store = open_store(Workspace(path, "--workspace"), load_config(path))
    store.engine.migrate()
    if os.environ.get("DOS_BENCH_FLUSH_UNDER_LOCKS") == "1":  # as before visible-first commits
        store.engine.visible_first = False
    journaled = os.environ.get("DOS_BENCH_JOURNAL") == "1"  # as the CLI and the MCP server call it
    if journaled:
        from dos.service.journal import lease_journal
    Path(f"{go}.ready-{lane}").touch()
    while not os.path.exists(go):
        time.sleep(0.001)
    deadline = float(Path(go).read_text() or "inf") if budget == "window" else float("inf")
    left = int(budget) if budget != "window" else -1
    pairs = 0
    t0 = time.monotonic()
    holder = f"bench-{lane}"
    while left and time.time() < deadline:
        got = store.acquire(LaneRequest(lane=lane), holder=holder,
                            journal=lease_journal(None, "acquire", lane=lane, holder=holder) if journaled else None)
        assert got.lease is not None, got.decision.reason
        store.release(lease_id=got.lease.lease_id, holder=holder,
                      journal=lease_journal(None, "release", holder=holder) if journaled else None)
        if time.time() <= deadline:
            pairs += 1
        left -= 1
    t1 = time.monotonic()
    store.close()
    return {"start": t0, "end": t1, "pairs": pairs}


def _drive_bare(url: str, lane: str, go: str) -> dict:
    """Two ``SELECT 1`` round trips per pair on a kept psycopg connection (prepared, as the store's are)
    until GO's deadline: what the machine allows before any lease logic runs."""
    import psycopg

    conn = psycopg.connect(url, autocommit=True, prepare_threshold=0)
    Path(f"{go}.ready-{lane}").touch()
    while not os.path.exists(go):
        time.sleep(0.001)
    deadline = float(Path(go).read_text())
    pairs = 0
    t0 = time.monotonic()
    while time.time() < deadline:
        conn.execute("SELECT 1").fetchall()
        conn.execute("SELECT 1").fetchall()
        if time.time() <= deadline:
            pairs += 1
    t1 = time.monotonic()
    conn.close()
    return {"start": t0, "end": t1, "pairs": pairs}


def _busy_s() -> float:
    """CPU seconds this machine has spent busy (all processes, every core) since boot."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    used = sum(ticks[:8]) - ticks[3] - ticks[4] - ticks[7]  # all but idle, iowait and steal (guest time is in user)
    return used / os.sysconf("SC_CLK_TCK")


def run_clients(ws: Path, url: str, clients: int, pairs: int, window_s: float = 0.0, prefix: str = "c",
                journaled: bool = False) -> dict:
    """CLIENTS processes released together, each doing PAIRS pairs (pairs/s over the span from the first
    start to the last end) or, given WINDOW_S, as many as they finish in that window from the release
    (so no client's start-up or exit falls inside it); and the machine's CPU time per pair over the
    same time (clients, server and everything else)."""
    go = ws / f"go-{time.monotonic_ns()}"
    budget = "window" if window_s else str(pairs)
    procs = [subprocess.Popen([sys.executable, __file__, "drive", str(ws), f"{prefix}{i}", budget, str(go)],
                              env={**_env(url, f"dos_bench_{ws.name}"), "DOS_BENCH_JOURNAL": "1" if journaled else ""},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(clients)]
    ready = [Path(f"{go}.ready-{prefix}{i}") for i in range(clients)]
    while not all(r.exists() for r in ready):  # every client imported and connected
        if any(p.poll() not in (None, 0) for p in procs):
            break
        time.sleep(0.005)
    busy = _busy_s()
    released = time.time()
    tmp = go.with_name(go.name + ".tmp")
    tmp.write_text(repr(released + window_s) if window_s else "")
    tmp.rename(go)  # whole, or not there: a client never reads half a deadline
    busy_end = None
    if window_s:
        time.sleep(max(0.0, released + window_s - time.time()))
        busy_end = _busy_s()
    results = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"bench client failed: {err.strip()[-400:]}")
        results.append(json.loads(out))
    span = window_s or max(r["end"] for r in results) - min(r["start"] for r in results)
    total = sum(r["pairs"] for r in results)
    used = (busy_end if busy_end is not None else _busy_s()) - busy
    return {"pairs": total, "seconds": span, "rate": total / span, "cpu_ms": 1e3 * used / max(total, 1)}


def table(window_s: float, counts: tuple[int, ...] = CLIENTS) -> str:
    url = start_postgres()
    rows = ["| engine | clients | pairs | seconds | pairs/s | vs SQLite, same clients | vs bare round trips, "
            "same clients | CPU ms/pair (machine) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="dos-bench-store-") as tmp:
        for clients in counts:
            got = {}
            for engine in ("bare", "sqlite", "postgres", "postgres, journaled"):
                ws = _workspace(Path(tmp) / f"{engine.split(',')[0]}{clients}{'j' if ',' in engine else ''}", clients)
                got[engine] = run_clients(ws, url if engine != "sqlite" else "", clients, 0, window_s,
                                          prefix="bare" if engine == "bare" else "c", journaled="journaled" in engine)
            for engine in ("sqlite", "postgres", "postgres, journaled", "bare"):
                g = got[engine]
                rows.append(f"| {engine} | {clients} | {g['pairs']} | {g['seconds']:.2f} | {g['rate']:,.0f} | "
                            f"{g['rate'] / got['sqlite']['rate']:.2f}x | {g['rate'] / got['bare']['rate']:.2f}x | "
                            f"{g['cpu_ms']:.2f} |")
    return "\n".join(rows)


def pair_costs(pairs: int) -> str:
    """One client's cost per acquire+release pair on PostgreSQL: wall, its CPU, its server backend's CPU
    and round trips, for the one-statement path and the general one, plain and journaled, in one run;
    then both plain again in a workspace of 64 lanes with the 63 others held (the view the pair sees
    at 64 clients)."""
    sys.path.insert(0, str(ROOT / "src"))
    from dos.config import Workspace, load_config
    from dos.kernel.lanes import LaneRequest
    from dos.service.context import open_store
    from dos.service.journal import lease_journal

    url = start_postgres()
    rows = ["| path | journal | lanes, others held | ms/pair | client CPU ms/pair | server CPU ms/pair | "
            "round trips/pair |", "|---|---|---|---:|---:|---:|---:|"]
    runs = [(quiet, journaled, 1) for quiet in (True, False) for journaled in (False, True)]
    runs += [(True, False, 64), (False, False, 64)]
    with tempfile.TemporaryDirectory(prefix="dos-bench-pair-") as tmp:
        for quiet, journaled, lanes in runs:
            name = f"{quiet:d}{journaled:d}{lanes}"
            ws = _workspace(Path(tmp) / f"w{name}", lanes)
            old = dict(os.environ)
            os.environ.update({"DOS_STORE_URL": url, "DOS_STORE_SCHEMA": f"pair_{name}"})
            try:
                store = open_store(Workspace(ws, "--workspace"), load_config(ws))
            finally:
                os.environ.clear()
                os.environ.update(old)
            store.engine.quiet = quiet
            for i in range(1, lanes):
                assert store.acquire(LaneRequest(lane=f"c{i}"), holder=f"other{i}", ttl_ms=3_600_000).granted
            backend = store.engine._conn.execute("SELECT pg_backend_pid()").fetchone()[0]

            def server_s() -> float:
                with open(f"/proc/{backend}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

            def loop(n: int) -> None:
                for _ in range(n):
                    got = store.acquire(LaneRequest(lane="c0"), holder="b", journal=lease_journal(
                        None, "acquire", lane="c0", holder="b") if journaled else None)
                    store.release(lease_id=got.lease.lease_id, holder="b",
                                  journal=lease_journal(None, "release", holder="b") if journaled else None)

            loop(50)  # every statement prepared
            trips, wall, cpu, srv = store.engine.round_trips, time.perf_counter(), time.process_time(), server_s()
            loop(pairs)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            rows.append(f"| {'one statement' if quiet else 'general'} | {'yes' if journaled else 'no'} | "
                        f"{lanes}, {lanes - 1} | {1e3 * wall / pairs:.3f} | {1e3 * cpu / pairs:.3f} | "
                        f"{1e3 * (server_s() - srv) / pairs:.3f} | {(store.engine.round_trips - trips) / pairs:.1f} |")
            store.close()
    return "\n".join(rows)


# --------------------------------------------------------------------------- bench/run.py cases


def cases(tmp: Path) -> list:
    from run import Case

    url = start_postgres()
    out = []
    for clients in CLIENTS[:2]:  # 1 and 8: bench/run.py times whole processes, so many clients time start-up
        for engine in ("sqlite", "postgres"):
            ws = _workspace(tmp / f"{engine}{clients}", clients)
            out.append(Case(f"{engine}: {clients} client(s) x 100 pairs",
                            [sys.executable, __file__, "clients", str(ws), str(clients), "100"],
                            env={"DOS_STORE_URL": url if engine == "postgres" else ""},
                            baseline=(engine == "sqlite" and clients == 1)))
    return out


def writer_costs(src: str = "") -> str:
    """One in-process SQLite writer's acquire+release pair while 0, 100, 1,000 and 10,000 other leases
    are live (each under its own ``work/`` directory): what every write costs as a fleet's leases grow,
    the published live set included. SRC: another checkout's ``src`` to measure side by side."""
    sys.path.insert(0, src or str(ROOT / "src"))
    from dos.config import Workspace, load_config
    from dos.kernel.lanes import LaneRequest
    from dos.service.context import open_store
    from dos.store.live import LEASE_INSERT, lease_to_row

    rows = ["| live leases | ms/pair | vs 0 live |", "|---:|---:|---:|"]
    base_ms = 0.0
    with tempfile.TemporaryDirectory(prefix="dos-bench-writer-") as tmp:
        for n in (0, 100, 1000, 10_000):
            ws = _workspace(Path(tmp) / f"w{n}", 8)
            store = open_store(Workspace(ws, "--workspace"), load_config(ws))
            other = store.acquire(LaneRequest(lane="c1"), holder="x", ttl_ms=10**9).lease
            with store.engine.write() as tx:
                for i in range(n):
                    tx.execute(LEASE_INSERT, lease_to_row(other.replace(
                        lease_id=f"b{i}", fence=1000 + i, lane=f"w{i}", tree=(f"work/w{i}/**",), holder=f"h{i}")))

            def pairs(k: int) -> None:
                for _ in range(k):
                    got = store.acquire(LaneRequest(lane="c0"), holder="h")
                    store.release(lease_id=got.lease.lease_id, holder="h")

            pairs(20)
            k = 300 if n < 10_000 else 30
            best = float("inf")
            for _ in range(3):
                t = time.perf_counter()
                pairs(k)
                best = min(best, (time.perf_counter() - t) / k * 1000)
            base_ms = base_ms or best
            rows.append(f"| {n:,} | {best:.2f} | {best / base_ms:.1f}x |")
            store.close()
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "drive":
        print(json.dumps(drive(argv[1], argv[2], argv[3], argv[4])))
        return 0
    if argv and argv[0] == "clients":  # one bench/run.py case: URL from the environment
        got = run_clients(Path(argv[1]), os.environ.get("DOS_STORE_URL", ""), int(argv[2]), int(argv[3]))
        print(json.dumps(got))
        return 0
    if argv and argv[0] == "writer":
        print(writer_costs(argv[1] if len(argv) > 1 else ""))
        return 0
    if argv and argv[0] == "flush":
        counts = tuple(int(c) for c in argv[3].split(",")) if len(argv) > 3 else CLIENTS
        print(flush_table(int(argv[1]) if len(argv) > 1 else 1000, float(argv[2]) if len(argv) > 2 else 3.0, counts))
        return 0
    if argv and argv[0] == "pair":
        print(pair_costs(int(argv[1]) if len(argv) > 1 else 2000))
        return 0
    if argv and argv[0] == "table":
        counts = tuple(int(c) for c in argv[2].split(",")) if len(argv) > 2 else CLIENTS
        print(table(float(argv[1]) if len(argv) > 1 else 3.0, counts))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
