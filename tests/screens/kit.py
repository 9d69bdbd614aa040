"""Shared by the screen tests: a workspace with lanes, service contexts on an injected clock, real holders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dos.config import Workspace, load_config
from dos.kernel.lanes import LaneRequest
from dos.service.context import Context
from dos.testing import FakeClock

MIN = 60_000
TOML = """\
[lanes]
concurrent = ["api", "docs", "src"]
exclusive = ["global"]

[lanes.trees]
api = ["api/**"]
docs = ["docs/**"]
src = ["src/**"]
global = ["**/*"]
"""
PLAN = """id: AUTH

## 1. AUTH AUTH1 — login, SHIPPED
The login form.

## 2. AUTH AUTH2 — logout
"""


def context(root: Path, clock: FakeClock | None = None) -> Context:
    return Context(Workspace(Path(root), "--workspace"), load_config(Path(root)), clock=clock)


def acquire(ctx: Context, lane: str, holder: str, *, session: str = "", ttl_ms: int = 3_600_000,
            pid: int | None = None, run_id: str = "", mode: str = "exclusive", tree: tuple[str, ...] = ()):
    from dos.kernel.tree import LockMode

    got = ctx.store.acquire(LaneRequest(lane=lane, tree=tree, mode=LockMode(mode)), holder=holder,
                            session=session or holder,
                            ttl_ms=ttl_ms, pid=pid, run_id=run_id)
    assert got.lease is not None, got.decision.reason
    return got.lease


def sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])


@pytest.fixture
def fleet_ws(repo):
    repo.write("dos.toml", TOML)
    repo.commit("init", files={"dos.toml": TOML, "src/app.py": "a\n", "docs/guide.md": "g\n"})
    return repo


def row(snap: dict, lane: str) -> dict:
    rows = [r for r in snap["lanes"] if r["lane"] == lane]
    assert len(rows) == 1, rows
    return rows[0]
