"""Acquire+release pairs per second, SQLite vs PostgreSQL over loopback, 1, 8, 32 and 64 client processes.

    python bench/bench_store.py table [PAIRS [CLIENTS,...]]  # pairs/s, measured inside the clients
    python bench/run.py store                              # wall time per case, through bench/run.py

Each client is its own process on its own lane, so every pair is two serialised store
transactions and the clients contend only for the store's write lock. PAIRS is each
client's count up to 8 clients; beyond, the same total is shared (a client does at least 25). PostgreSQL is a
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


def _env(url: str, schema: str = "dos_bench") -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("DOS_STORE_URL", None)
    if url:  # a bench workspace is no git clone: name its schema (one per workspace)
        env["DOS_STORE_URL"] = url
        env["DOS_STORE_SCHEMA"] = schema
    return env


def drive(ws: str, lane: str, pairs: int, go: str) -> dict:
    """One client: connect, wait for GO, then PAIRS acquire+release pairs on LANE."""
    sys.path.insert(0, str(ROOT / "src"))
    from dos.config import Workspace, load_config
    from dos.kernel.lanes import LaneRequest
    from dos.service.context import open_store

    path = Path(ws)
    store = open_store(Workspace(path, "--workspace"), load_config(path))
    store.engine.migrate()
    Path(f"{go}.ready-{lane}").touch()
    while not os.path.exists(go):
        time.sleep(0.001)
    t0 = time.monotonic()
    for _ in range(pairs):
        got = store.acquire(LaneRequest(lane=lane), holder=f"bench-{lane}")
        assert got.lease is not None, got.decision.reason
        store.release(lease_id=got.lease.lease_id, holder=f"bench-{lane}")
    t1 = time.monotonic()
    store.close()
    return {"start": t0, "end": t1, "pairs": pairs}


def run_clients(ws: Path, url: str, clients: int, pairs: int) -> dict:
    """CLIENTS processes released together; pairs/s over the span from first start to last end."""
    go = ws / f"go-{time.monotonic_ns()}"
    procs = [subprocess.Popen([sys.executable, __file__, "drive", str(ws), f"c{i}", str(pairs), str(go)],
                              env=_env(url, f"dos_bench_{ws.name}"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(clients)]
    ready = [Path(f"{go}.ready-c{i}") for i in range(clients)]
    while not all(r.exists() for r in ready):  # every client imported and connected
        if any(p.poll() not in (None, 0) for p in procs):
            break
        time.sleep(0.005)
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"bench client failed: {err.strip()[-400:]}")
        results.append(json.loads(out))
    span = max(r["end"] for r in results) - min(r["start"] for r in results)
    total = sum(r["pairs"] for r in results)
    return {"pairs": total, "seconds": span, "rate": total / span}


def table(pairs: int, counts: tuple[int, ...] = CLIENTS) -> str:
    url = start_postgres()
    rows = ["| engine | clients | pairs | seconds | pairs/s | vs SQLite, same clients |",
            "|---|---:|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="dos-bench-store-") as tmp:
        for clients in counts:
            base = None
            each = max(25, pairs * 8 // max(clients, 8))
            for engine in ("sqlite", "postgres"):
                ws = _workspace(Path(tmp) / f"{engine}{clients}", clients)
                got = run_clients(ws, url if engine == "postgres" else "", clients, each)
                base = base or got["rate"]
                rows.append(f"| {engine} | {clients} | {got['pairs']} | {got['seconds']:.2f} | "
                            f"{got['rate']:,.0f} | {got['rate'] / base:.2f}x |")
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


def main(argv: list[str]) -> int:
    if argv and argv[0] == "drive":
        print(json.dumps(drive(argv[1], argv[2], int(argv[3]), argv[4])))
        return 0
    if argv and argv[0] == "clients":  # one bench/run.py case: URL from the environment
        got = run_clients(Path(argv[1]), os.environ.get("DOS_STORE_URL", ""), int(argv[2]), int(argv[3]))
        print(json.dumps(got))
        return 0
    if argv and argv[0] == "table":
        counts = tuple(int(c) for c in argv[2].split(",")) if len(argv) > 2 else CLIENTS
        print(table(int(argv[1]) if len(argv) > 1 else 300, counts))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
