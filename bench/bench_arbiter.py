"""The pure arbiter: 2,000 decisions against 0, 10 and 100 live leases, in-process.

Each case is one process (start-up included, so the 0-lease row is the baseline to
subtract). With DOS_REF set, the reference's ``dos.arbiter.arbitrate`` runs the same
workload from its own venv (dict leases, a workspace from ``dos init``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from run import ROOT, Case, ref_cmd

N = 2000

OURS = """
import sys
from dos.kernel.arbiter import arbitrate
from dos.kernel.lanes import LaneRequest, Taxonomy
from dos.kernel.lease import Lease
n, reps = int(sys.argv[1]), int(sys.argv[2])
tax = Taxonomy(concurrent=("api", "docs", "src"), exclusive=("global",), autopick=("api", "docs", "src"),
               trees={"api": ("api/**",), "docs": ("docs/**",), "src": ("src/**",), "global": ("**/*",)})
live = [Lease(f"L{i}", i, f"k{i}", "keyword", (f"pkg{i}/**",), "h", 0, 0, 10**9) for i in range(n)]
req = LaneRequest(lane="src", kind="cluster")
for _ in range(reps):
    assert arbitrate(req, live, tax).granted
"""

REF = """
import sys
from dos.arbiter import arbitrate
from dos.config import load_workspace_config
n, reps = int(sys.argv[1]), int(sys.argv[2])
cfg = load_workspace_config(sys.argv[3]) if len(sys.argv) > 3 else None
live = [{"lane": f"k{i}", "lane_kind": "keyword", "tree": [f"pkg{i}/**"], "loop_ts": f"t{i}"} for i in range(n)]
for _ in range(reps):
    d = arbitrate(requested_lane="src", requested_kind="cluster", requested_tree=[], live_leases=live, config=cfg)
    assert d.outcome == "acquire", d.to_dict()
"""


def cases(tmp: Path) -> list[Case]:
    ours = tmp / "arb_ours.py"
    ours.write_text(OURS)
    out = [Case(f"dos arbitrate x{N}, {n} live", [sys.executable, str(ours), str(n), str(N)],
                env={"PYTHONPATH": str(ROOT / "src")}, baseline=(n == 0)) for n in (0, 10, 100)]
    out.insert(0, Case("dos arbitrate x0 (start-up only)", [sys.executable, str(ours), "0", "0"],
                       env={"PYTHONPATH": str(ROOT / "src")}))
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
        out.append(Case("reference arbitrate x0 (start-up only)", [ref_py, str(script), "0", "0", str(ws)], cwd=ws,
                        env={"PYTHONPATH": ""}))
        out += [Case(f"reference arbitrate x{N}, {n} live", [ref_py, str(script), str(n), str(N), str(ws)], cwd=ws,
                     env={"PYTHONPATH": ""}) for n in (0, 10, 100)]
    return out
