"""Lease acquire+release pairs at histories of 0, 1k, 10k and 100k events, in-process and via the CLI.

    python bench/run.py leases                      # wall time per case, through bench/run.py
    python bench/bench_leases.py table [N ...]      # pairs per second and peak RSS, measured inside
    DOS_REF=/tmp/refvenv/bin/dos ...                # add the reference (dos-kernel 0.22) side by side

Histories are written directly: one bulk transaction for ours, a JSONL file for the
reference (ACQUIRE/RELEASE pairs of closed leases, so the live set stays empty).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HISTORIES = (0, 1_000, 10_000, 100_000)
LANES = ('[lanes]\nconcurrent = ["api", "hist"]\nexclusive = ["global"]\nautopick = ["api"]\n'
         '[lanes.trees]\napi = ["api/**"]\nhist = ["hist/**"]\nglobal = ["**/*"]\n')


def _workspace(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "dos.toml").write_text(LANES)
    return path


def prepare_ours(path: Path, events: int) -> Path:
    """A workspace whose store holds EVENTS events (closed ACQUIRE/RELEASE pairs)."""
    sys.path.insert(0, str(ROOT / "src"))
    from dos.config import Workspace, load_config
    from dos.service.context import open_store

    ws = _workspace(path)
    store = open_store(Workspace(ws, "--workspace"), load_config(ws))
    store.record("SPAWN", lane="api", holder="bench")  # creates the store
    now = store.now_ms()
    rows = []
    for i in range(events // 2):
        lease = {"lease_id": f"h{i:08d}", "fence": i + 1, "lane": "hist", "lane_kind": "cluster",
                 "tree": ["hist/**"], "holder": "old", "acquired_ms": now, "heartbeat_ms": now,
                 "ttl_ms": 900_000, "mode": "exclusive", "session": "", "host_id": "bench", "pid": None,
                 "pid_start": None, "run_id": "", "loop_ts": ""}
        rows.append((now, "ACQUIRE", "hist", lease["lease_id"], "old", "bench", "", json.dumps({"lease": lease})))
        rows.append((now, "RELEASE", "hist", lease["lease_id"], "old", "bench", "explicit", '{"fence": %d}' % (i + 1)))
    with store.engine.write() as tx:
        tx.executemany("INSERT INTO events (ts_ms, op, lane, lease_id, holder, host_id, reason, data) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        tx.execute("INSERT INTO counters (name, value) VALUES ('fence', ?) ON CONFLICT (name) DO UPDATE "
                   "SET value = excluded.value", (events // 2 + 1,))
    store.close()
    return ws


def prepare_reference(path: Path, events: int) -> Path:
    """A workspace whose reference lane journal holds EVENTS records."""
    ws = _workspace(path)
    (ws / ".dos").mkdir(exist_ok=True)
    stamp = "2026-01-01T00:00:00Z"
    with open(ws / ".dos" / "lane-journal.jsonl", "w") as f:
        for i in range(events // 2):
            loop = f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z-{i}"
            lease = {"acquired_at": stamp, "holder": "old", "host_id": "bench", "lane": "hist",
                     "lane_kind": "cluster", "loop_ts": loop, "pid": 1, "tree": ["hist/**"]}
            f.write(json.dumps({"host_id": "bench", "lane": "hist", "lane_kind": "cluster", "lease": lease,
                                "loop_ts": loop, "op": "ACQUIRE", "pid": 1, "prev_holder": None,
                                "reason": "lane-lease:old", "seq": 2 * i + 1, "tree": ["hist/**"], "ts": stamp,
                                "ttl_minutes": None}, sort_keys=True) + "\n")
            f.write(json.dumps({"host_id": "bench", "lane": "hist", "loop_ts": loop, "op": "RELEASE",
                                "reason": "lane-lease:old", "seq": 2 * i + 2, "ts": stamp}, sort_keys=True) + "\n")
    return ws


# --------------------------------------------------------------------------- drivers (run in a child)


def drive_ours(ws: str, n: int) -> float:
    sys.path.insert(0, str(ROOT / "src"))
    from dos.config import Workspace, load_config
    from dos.kernel.lanes import LaneRequest
    from dos.service.context import open_store

    path = Path(ws)
    store = open_store(Workspace(path, "--workspace"), load_config(path))
    t = time.perf_counter()
    for _ in range(n):
        got = store.acquire(LaneRequest(lane="api"), holder="bench")
        assert got.lease is not None, got.decision.reason
        store.release(lease_id=got.lease.lease_id, holder="bench")
    return time.perf_counter() - t


def drive_reference(ws: str, n: int) -> float:
    from dos import config, lane_lease  # the reference package, in its own venv

    cfg = config.load_workspace_config(ws)
    t = time.perf_counter()
    for _ in range(n):
        got = lane_lease.acquire(cfg, lane="api", kind="cluster", tree=["api/**"], owner="bench")
        assert got.decision.outcome == "acquire", got.decision.reason
        lane_lease.release(cfg, lane="api", owner="bench")
    return time.perf_counter() - t


def _peak_rss_kib() -> int:
    """This process's own peak RSS (VmHWM; ru_maxrss would carry the parent's peak across exec)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _ref_python() -> str | None:
    ref = os.environ.get("DOS_REF")
    return str(Path(ref).with_name("python")) if ref else None


# --------------------------------------------------------------------------- bench/run.py cases


def cases(tmp: Path) -> list:
    from run import Case, dos_cmd

    out = []
    ref = os.environ.get("DOS_REF")
    for n in HISTORIES:
        ws = prepare_ours(tmp / f"ours{n}", n)
        cli = f"{' '.join(dos_cmd())} lease-lane acquire --lane api --owner b && " \
              f"{' '.join(dos_cmd())} lease-lane release --lane api --owner b"
        out.append(Case(f"dos CLI pair @ {n} events", ["sh", "-c", cli], cwd=ws, baseline=(n == 0)))
        out.append(Case(f"dos in-process 200 pairs @ {n} events",
                        [sys.executable, str(Path(__file__)), "drive", "ours", str(ws), "200"]))
    if ref:
        for n in HISTORIES:
            ws = prepare_reference(tmp / f"ref{n}", n)
            cli = f"{ref} lease-lane acquire --lane api --kind cluster --owner b && " \
                  f"{ref} lease-lane release --lane api --owner b"
            # run.py puts this checkout's src on PYTHONPATH, which would shadow the reference's package.
            out.append(Case(f"reference CLI pair @ {n} events", ["sh", "-c", cli], cwd=ws,
                            env={"PYTHONPATH": ""}))
    return out


# --------------------------------------------------------------------------- the pairs/s table


def _measure(who: str, ws: Path, pairs: int) -> dict:
    python = sys.executable if who == "ours" else _ref_python()
    r = subprocess.run([python, str(Path(__file__)), "drive", who, str(ws), str(pairs)], capture_output=True,
                       text=True, check=True)
    return json.loads(r.stdout)


def table(histories: tuple[int, ...]) -> str:
    import tempfile

    rows = ["| engine | events | pairs timed | pairs/s | peak RSS MiB | cost vs 0 events |", "|---|---:|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="dos-bench-leases-") as tmp:
        for who in ("ours", "reference") if _ref_python() else ("ours",):
            base = None
            for n in histories:
                ws = (prepare_ours if who == "ours" else prepare_reference)(Path(tmp) / f"{who}{n}", n)
                pairs = 500 if who == "ours" else max(3, 60 // (1 + n // 1000))
                got = _measure(who, ws, pairs)
                rate = got["pairs"] / got["seconds"]
                base = base or rate
                rows.append(f"| {who} | {n} | {got['pairs']} | {rate:,.{1 if rate >= 10 else 3}f} | {got['maxrss_kib'] / 1024:.1f} | "
                            f"{base / rate:.2f}x |")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "drive":
        who, ws, n = argv[1], argv[2], int(argv[3])
        secs = (drive_ours if who == "ours" else drive_reference)(ws, n)
        peak = _peak_rss_kib()
        print(json.dumps({"pairs": n, "seconds": secs, "maxrss_kib": peak}))
        return 0
    if argv and argv[0] == "table":
        hist = tuple(int(x) for x in argv[1:]) or HISTORIES
        print(table(hist))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
