"""`dos lease-lane live` and `dos journal replay` at histories of 0, 100k and 1M events, side by side.

    python bench/bench_live.py [N ...]     # default 0 100000 1000000; median of 5 CLI runs per cell

Each history is closed ACQUIRE/RELEASE pairs (bench_leases.prepare_ours) and then one live lease.
``lease-lane live`` reads the leases view, so its cost should not move with the history.
``journal replay`` folds the log from its newest CHECKPOINT: on a log never compacted that is
the whole history; after ``dos journal compact`` (online, see bench_compact.py) it is the
checkpoint and what came after, so it should be flat again. Ratios are to the 0-event row.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
SIZES = (0, 100_000, 1_000_000)
RUNS = 5


def _time(argv: list[str], cwd: Path) -> float:
    """Median wall seconds of RUNS runs of ``dos ARGV`` in CWD."""
    out = []
    for _ in range(RUNS):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dos", *argv], cwd=cwd, check=True, capture_output=True)
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def measure(n: int, tmp: Path) -> dict:
    from bench_leases import prepare_ours
    from dos.config import Workspace, load_config
    from dos.kernel.lanes import LaneRequest
    from dos.service.context import open_store

    ws = prepare_ours(tmp / f"ws{n}", n)
    store = open_store(Workspace(ws, "--workspace"), load_config(ws))
    assert store.acquire(LaneRequest(lane="api"), holder="bench", ttl_ms=86_400_000).granted
    live = _time(["lease-lane", "live"], ws)
    replay = _time(["journal", "replay"], ws)
    store.compact()
    assert store.acquire(LaneRequest(lane="hist"), holder="bench", ttl_ms=86_400_000).granted
    replay_compacted = _time(["journal", "replay"], ws)
    store.close()
    return {"n": n, "live": live, "replay": replay, "replay_compacted": replay_compacted}


def table(rows: list[dict]) -> str:
    base = rows[0]
    out = ["| events | lease-lane live ms | vs 0 | journal replay ms (never compacted) | vs 0 | "
           "journal replay ms (after compact) | vs 0 |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['n']:,} | {r['live'] * 1000:.0f} | {r['live'] / base['live']:.2f}x | "
                   f"{r['replay'] * 1000:.0f} | {r['replay'] / base['replay']:.2f}x | "
                   f"{r['replay_compacted'] * 1000:.0f} | {r['replay_compacted'] / base['replay_compacted']:.2f}x |")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    sizes = tuple(int(x) for x in argv) or SIZES
    with tempfile.TemporaryDirectory(prefix="dos-bench-live-") as tmp:
        rows = [measure(n, Path(tmp)) for n in sizes]
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
