"""The verdict journal's costs: every hook event with the journal on, and `dos observe` over 1M events.

    python bench/run.py journal                    # both, side by side with `python -I -c pass`
    python bench/bench_journal.py observe [N]      # one `dos observe` over N events (default 1M): s, MiB

Hook cases run as the installer wires them (`python -I -c ...`) with DISPATCH_OBSERVE=1, so every
decision is journaled: allows (one line appended to the spool), denies and warnings (chained in the
ENFORCE event's own transaction), stops with a claim. The goal: each at most 1.5x `python -I -c pass`.
The observe cases read a journal of 1,000,000 chained rows: the goal is at most 2 s and 100 MiB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from run import ROOT, TIME_BIN, Case

OBSERVE_N = int(os.environ.get("DOS_BENCH_JOURNAL_N", "1000000"))


def _hook_cases(tmp: Path) -> list[Case]:
    from bench_hook import _post, _pre, _stop, _workspace, hook_cmd

    ws = _workspace(tmp, "hooks", 100, 10_000)
    on = {"DISPATCH_OBSERVE": "1"}
    off = {"DISPATCH_OBSERVE": "0"}
    return [
        Case("pretool allow, journal off", hook_cmd("pretool"), cwd=ws, stdin=_pre(ws, "src/app.py"), env=off),
        Case("pretool allow, journal on (spooled)", hook_cmd("pretool"), cwd=ws, stdin=_pre(ws, "src/app.py"), env=on),
        Case("pretool deny, journal off", hook_cmd("pretool"), cwd=ws, stdin=_pre(ws, "docs/g.md"), env=off,
             ok_codes=(2,)),
        Case("pretool deny, journal on (ENFORCE's transaction)", hook_cmd("pretool"), cwd=ws,
             stdin=_pre(ws, "docs/g.md"), env=on, ok_codes=(2,)),
        Case("posttool, journal on", hook_cmd("posttool"), cwd=ws, stdin=_post(ws), env=on),
        Case("posttool STALLED warning, journal on", hook_cmd("posttool"), cwd=ws, stdin=_post(ws, "Grep"), env=on),
        Case("stop, no claim, journal on", hook_cmd("stop"), cwd=ws, stdin=_stop(ws, "sess-A"), env=on),
        Case("stop, claim that verifies, journal on", hook_cmd("stop"), cwd=ws, stdin=_stop(ws, "sess-C"), env=on),
    ]


def journal_workspace(path: Path, n: int) -> Path:
    """A workspace whose verdict journal holds N chained rows (real hashes, as `record` writes them)."""
    sys.path.insert(0, str(ROOT / "src"))
    from dos.config import Workspace
    from dos.service.context import Context
    from dos.store import journal as js

    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    (path / "dos.toml").write_text("")
    syscalls = ("verify", "pretool", "pretool", "pretool", "acquire", "release", "liveness", "stop")
    tokens = {"verify": ("SHIPPED", "NOT_SHIPPED"), "pretool": ("ALLOW", "ALLOW", "COLLISION"),
              "acquire": ("ACQUIRE", "REFUSE"), "release": ("RELEASED",), "liveness": ("ADVANCING", "STALLED"),
              "stop": ("ALLOW", "UNVERIFIED_CLAIM")}
    with Context(Workspace(path, "--workspace")) as ctx:
        engine = ctx.store.engine
        engine.migrate()
        t0 = 1_800_000_000_000
        done = 0
        while done < n:
            step = min(50_000, n - done)
            batch = []
            for i in range(done, done + step):
                s = syscalls[i % len(syscalls)]
                t = tokens[s][i % len(tokens[s])]
                batch.append(js.make_row(t0 + i * 100, s, t, run_id=f"RID-{i % 97}", session=f"sess-{i % 31}",
                                         lane=("src", "docs", "")[i % 3], subject=f"subject {i}",
                                         detail={"n": i, "tool": "Edit"}, source="sensor"))
            with engine.write() as tx:
                rows = []
                seq, prev = js.head(tx.execute)
                for r in batch:
                    seq += 1
                    content = (seq, r["ts_ms"], r["syscall"], r["verdict"], r["run_id"], r["session"], r["lane"],
                               r["subject"], r["detail"], r["source"], None, "")
                    digest = js.row_hash(prev, content)
                    rows.append((*content, prev, digest))
                    prev = digest
                tx.executemany(js.INSERT, rows)
            done += step
    return path


def cases(tmp: Path) -> list[Case]:
    dos = [sys.executable, "-m", "dos"]
    out = [Case("python -I -c pass", [sys.executable, "-I", "-c", "pass"], baseline=True)]
    out += _hook_cases(tmp)
    hooks_ws = tmp / "hooks"  # has a store, and a commit AUTH1 ships
    out += [Case("dos verify, journal off", [*dos, "verify", "AUTH", "AUTH1"], cwd=hooks_ws,
                 env={"DISPATCH_OBSERVE": "0"}),
            Case("dos verify, journal on (its own short transaction)", [*dos, "verify", "AUTH", "AUTH1"],
                 cwd=hooks_ws)]
    ws = journal_workspace(tmp / "million", OBSERVE_N)
    label = f"{OBSERVE_N:,}"
    out += [Case(f"dos observe, {label} events", [*dos, "observe"], cwd=ws),
            Case(f"dos observe --by run_id, {label} events", [*dos, "observe", "--by", "run_id"], cwd=ws),
            Case(f"dos observe --json (newest 1000 events), {label} events", [*dos, "observe", "--json"], cwd=ws)]
    return out


def main(argv: list[str]) -> int:
    """``observe [N]``: build N events once, then time one `dos observe` and print its wall time and peak RSS."""
    import tempfile

    if not argv or argv[0] != "observe":
        print(__doc__)
        return 2
    n = int(argv[1]) if len(argv) > 1 else OBSERVE_N
    with tempfile.TemporaryDirectory(prefix="dos-bench-journal-") as tmp:
        t0 = time.perf_counter()
        ws = journal_workspace(Path(tmp) / "ws", n)
        print(f"built {n:,} chained rows in {time.perf_counter() - t0:.1f} s")
        rss = Path(tmp) / "rss"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        for args in (["observe"], ["observe", "--by", "session"], ["observe", "--json"]):
            cmd = [sys.executable, "-m", "dos", *args]
            argv2 = [TIME_BIN, "-f", "%M", "-o", str(rss), *cmd] if TIME_BIN else cmd
            t0 = time.perf_counter()
            subprocess.run(argv2, cwd=ws, env=env, stdout=subprocess.DEVNULL, check=True)
            wall = time.perf_counter() - t0
            peak = int(rss.read_text().split()[-1]) / 1024 if TIME_BIN else 0.0
            print(f"dos {' '.join(args):<24} {n:,} events: {wall:.2f} s, peak RSS {peak:.1f} MiB "
                  f"(goal: 2 s, 100 MiB)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main(sys.argv[1:]))
