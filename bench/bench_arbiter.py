"""The pure arbiter per decision at 0, 100, 1,000 and 10,000 live leases: linear scan vs the lease index.

    python bench/run.py arbiter                  # whole processes through bench/run.py (ratio to linear, per size)
    python bench/bench_arbiter.py table [N ...]  # per-decision µs measured inside, side by side, with ratios
    DOS_REF=/path/to/ref-venv/bin/dos ...        # run.py also runs the reference's arbiter on the same workload

The index is built once per read of the live set (its cost is its own column); a decision
then costs in the depth of the trees it asks about (an index remembers its last 256 answers,
so the keyword workload cycles through 1,000 trees). Goal: at most 50 µs at 10,000 live.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = (0, 100, 1_000, 10_000)
GOAL_US = 50.0
WORKLOADS = ("named lane, granted", "keyword tree inside one holder (1,000 distinct)", "bare auto-pick")


def _kernel():
    sys.path.insert(0, str(ROOT / "src"))
    from dos.kernel.arbiter import LeaseIndex, arbitrate, arbitrate_linear
    from dos.kernel.lanes import LaneRequest, Taxonomy
    from dos.kernel.lease import Lease
    from dos.kernel.tree import LockMode

    return LeaseIndex, arbitrate, arbitrate_linear, LaneRequest, Taxonomy, Lease, LockMode


def workload(n: int):
    """(taxonomy, live leases, {label: request}): N keyword leases over 97 packages, a third shared, some `gen-*`."""
    _, _, _, LaneRequest, Taxonomy, Lease, LockMode = _kernel()
    tax = Taxonomy(concurrent=("api", "docs", "src"), exclusive=("global",), autopick=("api", "docs", "src"),
                   trees={"api": ("api/**",), "docs": ("docs/ui-*",), "src": ("src/**",), "global": ("**/*",)})
    live = []
    for i in range(n):
        tree = (f"pkg{i % 97}/gen-{i}*",) if i % 10 == 9 else (f"pkg{i % 97}/m{i}/**",)
        mode = LockMode.SHARED if i % 3 == 0 else LockMode.EXCLUSIVE
        live.append(Lease(f"L{i}", i + 1, f"k{i}", "keyword", tree, f"agent{i % 64}", 0, 0, 10**9, mode=mode))
    holders = [i for i in range(n) if i % 10 != 9] or [7]  # 1,000 distinct trees, each inside one holder's
    trees = [f"pkg{i % 97}/m{i}/f{k}.py" for k in range(1000) for i in holders][:1000]
    requests = {WORKLOADS[0]: [LaneRequest(lane="src", kind="cluster")],
                WORKLOADS[1]: [LaneRequest(lane="k-new", kind="keyword", tree=(t,)) for t in trees],
                WORKLOADS[2]: [LaneRequest()]}
    return tax, live, requests


def _cycling(decide, reqs: list):
    """A call that decides the next of REQS each time (so no answer is asked for twice in a row)."""
    it = itertools.cycle(reqs)
    return lambda: decide(next(it))


def _per_call(fn, budget: float, least: int) -> float:
    """Seconds per call of FN: at least LEAST calls and about BUDGET seconds in all."""
    fn()  # warm the memos
    calls, t0 = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        spent = time.perf_counter() - t0
        if calls >= least and spent >= budget:
            return spent / calls


def measure(n: int, budget: float) -> list[dict]:
    LeaseIndex, arbitrate, arbitrate_linear, *_ = _kernel()
    tax, live, requests = workload(n)
    build = _per_call(lambda: LeaseIndex(live, tax), budget, 2)
    index = LeaseIndex(live, tax)
    rows = []
    for label, reqs in requests.items():
        verdicts = {arbitrate_linear(r, live, tax).outcome for r in reqs[:20]}
        for r in reqs[:20]:  # the bench also holds the two equal
            assert arbitrate(r, index, tax) == arbitrate_linear(r, live, tax), label
        rows.append({"n": n, "workload": label, "verdict": "/".join(sorted(verdicts)),
                     "linear": _per_call(_cycling(lambda r: arbitrate_linear(r, live, tax), reqs), budget, 2),
                     "indexed": _per_call(_cycling(lambda r: arbitrate(r, index, tax), reqs), budget, 50),
                     "build": build})
    return rows


def table(sizes: tuple[int, ...], budget: float = 0.2) -> str:
    rows = [r for n in sizes for r in measure(n, budget)]
    zero = {r["workload"]: r["indexed"] for r in rows if r["n"] == min(sizes)}
    out = [f"python {sys.version.split()[0]}, {os.cpu_count()} cpu(s); about {budget:g} s per cell", "",
           "| live | decision | verdict | linear µs | indexed µs | linear / indexed | indexed vs fewest live | "
           "index build ms |", "|---:|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['n']:,} | {r['workload']} | {r['verdict']} | {r['linear'] * 1e6:,.1f} | "
                   f"{r['indexed'] * 1e6:,.1f} | {r['linear'] / r['indexed']:,.1f}x | "
                   f"{r['indexed'] / zero[r['workload']]:.2f}x | {r['build'] * 1e3:,.2f} |")
    worst = max((r["indexed"] for r in rows if r["n"] == max(sizes)), default=0.0) * 1e6
    out += ["", f"goal: at most {GOAL_US:g} µs per indexed decision at {max(sizes):,} live — worst {worst:.1f} µs, "
                f"{'met' if worst <= GOAL_US else 'NOT met'}."]
    return "\n".join(out)


def drive(mode: str, n: int, reps: int) -> None:
    """One process of run.py's cases: REPS decisions of every workload (the index built once, counted)."""
    LeaseIndex, arbitrate, arbitrate_linear, *_ = _kernel()
    tax, live, requests = workload(n)
    view = LeaseIndex(live, tax) if mode == "indexed" else live
    decide = arbitrate if mode == "indexed" else arbitrate_linear
    for rep in range(reps):
        for reqs in requests.values():
            decide(reqs[rep % len(reqs)], view, tax)


# --------------------------------------------------------------------------- bench/run.py cases

REPS = 20

REF = """
import sys
from dos.arbiter import arbitrate
from dos.config import load_workspace_config
n, reps = int(sys.argv[1]), int(sys.argv[2])
cfg = load_workspace_config(sys.argv[3]) if len(sys.argv) > 3 else None
live = [{"lane": f"k{i}", "lane_kind": "keyword", "tree": [f"pkg{i % 97}/m{i}/**"], "loop_ts": f"t{i}"}
        for i in range(n)]
for _ in range(reps):
    d = arbitrate(requested_lane="src", requested_kind="cluster", requested_tree=[], live_leases=live, config=cfg)
    assert d.outcome == "acquire", d.to_dict()
"""


def cases(tmp: Path) -> list:
    from run import Case, ref_cmd

    me = str(Path(__file__).resolve())
    env = {"PYTHONPATH": str(ROOT / "src")}
    out = []
    for n in SIZES:
        for mode in ("linear", "indexed"):
            out.append(Case(f"{mode} x{REPS} x{len(WORKLOADS)} decisions, {n:,} live",
                            [sys.executable, me, "drive", mode, str(n), str(REPS)], env=env,
                            baseline=(mode == "linear"), group=str(n)))
    ref = ref_cmd()
    if ref:
        ref_py = str(Path(ref[0]).parent / "python")
        ws = tmp / "refws"
        for d in ("api", "docs", "src"):
            (ws / d).mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", str(ws)], check=True)
        subprocess.run([ref[0], "init"], cwd=ws, check=False, capture_output=True)
        script = tmp / "arb_ref.py"
        script.write_text(REF)
        out += [Case(f"reference arbitrate x{REPS}, {n:,} live", [ref_py, str(script), str(n), str(REPS), str(ws)],
                     cwd=ws, env={"PYTHONPATH": ""}, group=str(n)) for n in SIZES]
    return out


def main(argv: list[str]) -> int:
    if argv and argv[0] == "drive":
        drive(argv[1], int(argv[2]), int(argv[3]))
        return 0
    if not argv or argv[0] == "table":
        sizes = tuple(int(x) for x in argv[1:]) or SIZES
        print(table(sizes, float(os.environ.get("DOS_BENCH_BUDGET", "0.2"))))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
