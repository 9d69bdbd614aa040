"""`dos verify` on 1k, 10k and 100k commits (ship near HEAD, deep, absent) against bare `git log --format=%H%x00%s` (and the reference with DOS_REF)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from run import Case, _env, dos_cmd, ref_cmd


def _build(path: Path, n: int) -> None:
    """N commits via fast-import: AUTH1 stamped 10 below HEAD, AUTH2 stamped 90% deep."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    near, deep = n - 10, n // 10
    out = []
    for i in range(n):
        subject = {near: "AUTH1: near the top", deep: "AUTH2: deep in history"}.get(i, f"chore: filler commit {i}")
        msg = f"{subject}\n\nBody line for commit {i}.\n".encode()
        out.append(f"commit refs/heads/main\nmark :{i + 1}\n"
                   f"committer Bench <b@dos.invalid> {1_700_000_000 + i} +0000\n".encode())
        out.append(f"data {len(msg)}\n".encode() + msg)
        data = f"{i}\n".encode()
        out.append(f"M 100644 inline f{i % 100}.txt\ndata {len(data)}\n".encode() + data + b"\n\n")
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=b"".join(out), check=True)
    subprocess.run(["git", "-C", str(path), "reset", "-q", "--hard", "main"], check=True)


# The same scan fed two ways: one streaming git pipe vs the whole log captured first.
_WAYS = """
import sys
from pathlib import Path
from dos import git
from dos.kernel.stamp import StampMatcher
from dos.kernel.verify import Commit, GrepScan
way, repo = sys.argv[1], Path(sys.argv[2])
scan = GrepScan("AUTH", "AUTH3", StampMatcher("AUTH", "AUTH3"))
if way == "stream":
    records = git.iter_log(repo, "HEAD", keep=scan.matcher.prefilter())
else:
    out = git.run_git(repo, ["log", "--format=%H%x00%s%x00%b%x1e"])
    records = (r.lstrip("\\n").split("\\x00", 2) for r in out.split("\\x1e")[:-1])
for sha, subject, body in records:
    scan.feed(Commit(sha, subject, body))
"""


def cases(tmp: Path) -> list[Case]:
    out: list[Case] = []
    ref = ref_cmd()
    for n in (1_000, 10_000, 100_000):
        repo = tmp / f"r{n}"
        _build(repo, n)
        k = f"{n // 1000}k"
        out.append(Case(f"{k}: git log --format=%H%x00%s", ["git", "-C", str(repo), "log", "--format=%H%x00%s"],
                        baseline=True, group=k))
        for label, phase, codes in (("ship near HEAD", "AUTH1", (0,)), ("ship 90% deep", "AUTH2", (0,)),
                                    ("not shipped", "AUTH3", (1,))):
            out.append(Case(f"{k}: dos verify, {label}", [*dos_cmd(), "verify", "AUTH", phase], cwd=repo,
                            ok_codes=codes, group=k))
            if ref:
                # The reference reads only 4,000 subjects, so it may answer 1 for the deep ship.
                out.append(Case(f"{k}: reference verify, {label}", [*ref, "verify", "AUTH", phase], cwd=repo,
                                ok_codes=(0, 1), group=k))
        if n == 10_000:
            # A workspace with a store: the verdict is journaled (the store is opened for that one row).
            stored = tmp / "r10k-store"
            subprocess.run(["git", "clone", "-q", str(repo), str(stored)], check=True)
            subprocess.run([*dos_cmd(), "verify", "AUTH", "AUTH3"], cwd=stored, env=_env({"DISPATCH_OBSERVE": "1"},
                           dos_cmd()), capture_output=True, check=False)
            out.append(Case(f"{k}: dos verify, not shipped, journaled into a store", [*dos_cmd(), "verify", "AUTH",
                            "AUTH3"], cwd=stored, ok_codes=(1,), group=k))
            for way in ("stream", "capture"):
                out.append(Case(f"{k}: library scan, {way} (not shipped)",
                                [sys.executable, "-c", _WAYS, way, str(repo)], group=k))
    return out
