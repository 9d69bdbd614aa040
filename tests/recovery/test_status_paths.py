"""``dos status`` reads a SQLite store the lean way; its digest equals the full service path's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dos.config import Workspace
from dos.kernel.lanes import LaneRequest
from dos.service.context import Context
from dos.service.intents import claim, declare, suspend
from dos.service.recovery import status
from dos.service.runstatus import fast_status
from tests.conftest import Repo

RID = "RID-1M8VF35AG2SZP00"


def _strip(d: dict) -> dict:
    d = dict(d)
    d["liveness"] = {k: v for k, v in d["liveness"].items() if k != "evidence"} | {
        "evidence": {k: v for k, v in d["liveness"]["evidence"].items() if k != "now_ms"}}
    return d


@pytest.mark.parametrize("flags", [{}, {"stopped": True}, {"live": True}], ids=["auto", "stopped", "live"])
def test_the_lean_and_the_full_path_agree(repo: Repo, monkeypatch: pytest.MonkeyPatch, flags: dict) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    monkeypatch.chdir(repo.path)
    with Context(Workspace(repo.path, "--workspace")) as ctx:
        declare(ctx, RID, goal="g", steps=["a", "b"], regions={"a": ["src/**"]}, token="t", pid=os.getpid())
        repo.commit("a", {"src/a.py": "1\n"})
        claim(ctx, RID, "a", token="t")
        ctx.store.acquire(LaneRequest(lane="main"), holder="w", run_id=RID)
        full = status(ctx, RID, now=ctx.now_ms(), **flags)
    lean = fast_status(None, RID, now=full.liveness.evidence.now_ms, **flags)
    assert lean is not None
    assert _strip(lean.to_dict()) == _strip(full.to_dict())
    assert lean.region == ("**/*",) and lean.verified == ("a",)


def test_a_suspended_run_reads_stopped_on_both_paths(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    monkeypatch.chdir(repo.path)
    with Context(Workspace(repo.path, "--workspace")) as ctx:
        declare(ctx, RID, goal="g", steps=["a"], token="t")
        suspend(ctx, RID, reason="quota", token="t")
        full = status(ctx, RID)
    lean = fast_status(str(repo.path), RID)
    assert full.stopped_by == lean.stopped_by == "suspended"
    assert full.resume.residual == lean.resume.residual == ("a",)


def test_the_lean_path_steps_aside_for_postgres(repo: Repo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    monkeypatch.chdir(repo.path)
    assert fast_status(None, RID, env={"DOS_STORE_URL": "postgresql://nowhere/x"}) is None
    assert fast_status(None, RID).resume.verdict == "UNRESUMABLE"  # no store yet: nothing known, still a digest
    assert not (repo.path / ".dos").exists()  # and reading created nothing
