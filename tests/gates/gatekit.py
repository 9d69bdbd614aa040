"""A fleet for the gate tests: one repository, agent worktrees sharing one lease store, DOS's git hooks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from dos.config import Workspace
from dos.kernel.lease import Lease
from dos.service import leases
from dos.service.context import Context
from dos.testing import FakeClock

SRC = Path(__file__).resolve().parents[2] / "src"

LANES = """[lanes]
concurrent = ["src", "docs"]
exclusive = ["global"]
aliases = {code = "src"}
[lanes.trees]
src = ["src/**"]
docs = ["docs/**"]
global = ["**/*"]
"""


def git(cwd: Path, *args: str, env: Mapping[str, str] | None = None, check: bool = True,
        input: str | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, env=full, check=check,
                          input=input)


def dos(cwd: Path, *args: str, env: Mapping[str, str] | None = None,
        input: str | bytes | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    text = not isinstance(input, bytes)
    return subprocess.run([sys.executable, "-m", "dos", *args], cwd=cwd, capture_output=True, text=text,
                          env=full, input=input, timeout=300)


def out_json(r: subprocess.CompletedProcess) -> dict:
    assert "Traceback" not in (r.stderr if isinstance(r.stderr, str) else r.stderr.decode()), r.stderr
    return json.loads(r.stdout)


@dataclass
class Fleet:
    """ROOT: the main checkout (branch main); worktrees by agent name, each on branch ``agent<name>``."""

    root: Path
    store: Path
    trees: dict[str, Path] = field(default_factory=dict)
    t0: int = field(default_factory=lambda: int(time.time() * 1000))

    def worktree(self, name: str) -> Path:
        path = self.root.parent / f"wt-{name}"
        git(self.root, "worktree", "add", "-q", str(path), "-b", f"agent{name}", "main")
        self.trees[name] = path
        return path

    def ctx(self, where: Path | None = None, *, at_ms: int | None = None) -> Context:
        """A service context in WHERE (default the main checkout) whose clock stands at AT_MS."""
        clock = FakeClock(self.t0 if at_ms is None else at_ms)
        return Context(Workspace((where or self.root).resolve(), "dos.toml"), clock=clock)

    def acquire(self, lane: str, holder: str, *, at_ms: int | None = None, ttl_s: float = 600,
                run_id: str = "", session: str = "") -> Lease:
        with self.ctx(at_ms=at_ms) as ctx:
            got = leases.acquire(ctx, leases.request(lane), holder=holder, ttl_ms=int(ttl_s * 1000),
                                 run_id=run_id, session=session)
        assert got.lease is not None, got.decision.reason
        return got.lease

    def commit(self, where: Path, files: Mapping[str, str], message: str, *, env: Mapping[str, str] | None = None,
               no_verify: bool = False, check: bool = True) -> subprocess.CompletedProcess[str]:
        for rel, text in files.items():
            p = where / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        git(where, "add", "-A", env=env)
        args = ["commit", "-q", "-m", message] + (["--no-verify"] if no_verify else [])
        return git(where, *args, env=env, check=check)

    def head(self, where: Path) -> str:
        return git(where, "rev-parse", "HEAD").stdout.strip()

    def trailers(self, where: Path, rev: str = "HEAD") -> list[str]:
        out = git(where, "log", "-1", "--format=%(trailers:key=DOS-Lease,valueonly)", rev).stdout
        return [line.strip() for line in out.splitlines() if line.strip()]


def make_fleet(tmp_path: Path, *, hooks: bool = True, extra_toml: str = "") -> Fleet:
    root = tmp_path / "repo"
    store = tmp_path / "store" / "leases.sqlite3"
    store.parent.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    (root / "dos.toml").write_text(LANES + f'[store]\npath = "{store}"\n' + extra_toml)
    (root / "README.md").write_text("fleet\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    fleet = Fleet(root.resolve(), store)
    if hooks:
        r = dos(root, "scope-gate", "--install-hooks")
        assert r.returncode == 0, r.stderr
    return fleet
