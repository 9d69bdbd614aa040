"""Hook test helpers and fixtures: a real workspace with two sessions' live leases, in-process hook calls."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dos.config import Workspace, load_config
from dos.hooks.__main__ import main as hook_main
from dos.kernel.lanes import LaneRequest
from dos.kernel.lease import Op
from dos.service.context import open_store

FIXTURES = Path(__file__).parent / "fixtures"
DOS_TOML = """[lanes]
concurrent = ["src", "docs"]
exclusive = ["global"]

[lanes.trees]
src = ["src/**"]
docs = ["docs/**"]
global = ["**/*"]
"""


@dataclass
class HookResult:
    code: int
    stdout: str
    stderr: str

    @property
    def envelope(self) -> Any:
        return json.loads(self.stdout) if self.stdout.strip() else None


def call_hook(verb: str, payload: Any, *, dialect: str = "claude-code", extra: tuple[str, ...] = (),
              raw: str | None = None, env: dict[str, str] | None = None) -> HookResult:
    """Run the hook entry point in-process (fast path, then full), as ``dos-hook VERB --dialect DIALECT`` does."""
    out, err = io.StringIO(), io.StringIO()
    stdin = io.StringIO(raw if raw is not None else json.dumps(payload))
    code = hook_main([verb, "--dialect", dialect, *extra], stdin, out, err, env)
    return HookResult(code, out.getvalue(), err.getvalue())


def store_of(root: Path):
    return open_store(Workspace(root, "--workspace"), load_config(root))


def enforce_events(root: Path, since: int = 0) -> list:
    """Every ENFORCE event after seq SINCE, the hooks' spooled denies folded in first (as a reader does)."""
    from dos.service import journal
    from dos.service.context import Context

    ws = Workspace(root, "--workspace")
    with Context(ws, load_config(root)) as ctx:
        journal.flush(ctx)
        return ctx.store.events(since_seq=since, ops=[Op.ENFORCE])


def hold(root: Path, lane: str, holder: str, session: str, ttl_ms: int = 3_600_000):
    with store_of(root) as store:
        got = store.acquire(LaneRequest(lane=lane), holder=holder, session=session, ttl_ms=ttl_ms)
    assert got.lease is not None, got.decision.reason
    return got.lease


@pytest.fixture
def ws(repo) -> Path:
    """A git workspace with lanes src and docs: sess-A holds src, sess-B (agentB) holds docs."""
    repo.write("dos.toml", DOS_TOML)
    repo.write("src/app.py", "a\n")
    repo.write("docs/guide.md", "# guide\n")
    repo.commit("initial layout")
    hold(repo.path, "src", "agentA", "sess-A")
    hold(repo.path, "docs", "agentB", "sess-B")
    with store_of(repo.path) as store:
        store.record(Op.CLAIM, holder="sess-A", data={"session": "sess-A", "plan": "AUTH", "phase": "AUTH1"})
    return repo.path


def load_fixture(path: Path, root: Path) -> dict[str, Any]:
    return json.loads(path.read_text().replace("$WS", str(root)))
