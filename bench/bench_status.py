"""`dos status RUN_ID` on a run with 10,000 ledger events, against `python3 -c pass` plus the git calls it makes.

The run declared three steps; its ledger holds 10,000 records (claims, verifications, one
suspension). The goal: status costs at most 2x `python3 -c pass` beyond the git processes
it needs (one `rev-list` and one `log --no-walk`, listed under "git calls"). Run alone
(`python bench/bench_status.py`) it also prints that ratio: (status - git) / python.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import ROOT, Case, _env, dos_cmd

EVENTS = 10_000
RID = "RID-1M8VF35AG2SZP00"


def _git(ws: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(ws), *args], check=True, capture_output=True, text=True).stdout.strip()


def workspace(tmp: Path) -> tuple[Path, list[list[str]]]:
    """The workspace with the long ledger, and the git commands status runs there."""
    sys.path.insert(0, str(ROOT / "src"))
    from dos.config import Workspace
    from dos.kernel import intent as K
    from dos.service.context import Context
    from dos.service.intents import claim, declare, ledger

    ws = tmp / "ws"
    ws.mkdir(parents=True)
    _git(ws, "init", "-q")
    for k, v in (("user.name", "b"), ("user.email", "b@x")):
        _git(ws, "config", k, v)
    (ws / "README.md").write_text("bench\n")
    _git(ws, "add", "-A")
    _git(ws, "commit", "-q", "-m", "init")
    with Context(Workspace(ws, "--workspace")) as ctx:
        token = "bench"
        declare(ctx, RID, goal="bench", steps=["a", "b", "c"], regions={s: ["src/**"] for s in "abc"}, token=token)
        shas = []
        for step in "abc":
            (ws / "src").mkdir(exist_ok=True)
            (ws / "src" / f"{step}.py").write_text(f"{step} = 1\n")
            _git(ws, "add", "-A")
            _git(ws, "commit", "-q", "-m", f"step {step}")
            claim(ctx, RID, step, token=token)
            shas.append(_git(ws, "rev-parse", "HEAD"))
        led = ledger(ctx)
        have = len(led.records(RID))
        batch = [(K.STEP_CLAIMED, {"step_id": "abc"[i % 3], "sha": shas[i % 3]}) for i in range(EVENTS - have - 1)]
        for i in range(0, len(batch), 500):
            led.append(RID, batch[i:i + 500], token=token)
        led.append(RID, [(K.SUSPEND, {"reason": "bench", "resume_sha": shas[-1]})], token=token)
        assert len(led.records(RID)) == EVENTS
        start = led.state(RID).start_sha
    gits = [["git", "-C", str(ws), "log", "--no-walk=unsorted", "--ignore-missing", "--format=%x1e%H",
             "--name-only", "--no-renames", "-m", "--first-parent", "--end-of-options", start, *shas],
            ["git", "-C", str(ws), "rev-list", "--boundary", "HEAD", "--not", start, "--"]]
    return ws, gits


def cases(tmp: Path) -> list[Case]:
    ws, gits = workspace(tmp)
    return [Case("python3 -c pass", [sys.executable, "-c", "pass"], baseline=True),
            Case(f"dos status (run with {EVENTS:,} ledger events)", [*dos_cmd(), "status", RID], cwd=ws),
            Case("dos status --json", [*dos_cmd(), "status", RID, "--json"], cwd=ws),
            *[Case(f"git call {i + 1}: {g[3]}", g) for i, g in enumerate(gits)]]


def _time(argv: list[str], cwd: Path | None) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=_env({}, argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{argv[:4]} exited {done.returncode}: {done.stderr.decode()[-300:]}")
    return wall


def main(rounds: int = 25) -> int:
    with tempfile.TemporaryDirectory(prefix="dos-bench-status-") as tmp:
        ws, gits = workspace(Path(tmp))
        status = [*dos_cmd(), "status", RID]
        py, st, git = [], [], []
        for r in range(rounds + 1):  # round 0 warms the caches
            a = _time([sys.executable, "-c", "pass"], None)
            b = _time(status, ws)
            c = sum(_time(g, None) for g in gits)
            if r:
                py.append(a), st.append(b), git.append(c)
        p, s, g = statistics.median(py), statistics.median(st), statistics.median(git)
        print(f"python3 -c pass   median {p * 1e3:6.1f} ms")
        print(f"dos status        median {s * 1e3:6.1f} ms  ({EVENTS:,} ledger events)")
        print(f"its git calls     median {g * 1e3:6.1f} ms  ({len(gits)} processes)")
        print(f"ratio (status - git) / python = {(s - g) / p:.2f}x   (goal: at most 2.00x)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 25))
