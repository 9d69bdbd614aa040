"""The quickstart's demo: a throwaway repository with one stamped commit, and two agents racing for a lane."""

from __future__ import annotations

from pathlib import Path

from dos import git
from dos.config import Config, Workspace
from dos.kernel.lanes import LaneRequest
from dos.kernel.verify import ShipVerdict
from dos.service.context import Context, open_store
from dos.service.truth import verify

IDENTITY = ("-c", "user.name=DOS quickstart", "-c", "user.email=quickstart@dos.invalid",
            "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null")
SUBJECT = "AUTH1: ship login"


def build_repo(root: Path) -> None:
    """A git repository at ROOT with one commit stamped AUTH1."""
    git.run_git(root, ["init", "-q", "-b", "main"])
    (root / "auth.py").write_text("def login(user, password):\n    return check(user, password)\n")
    git.run_git(root, ["add", "auth.py"])
    git.run_git(root, [*IDENTITY, "commit", "-q", "-m", SUBJECT])


def verdicts(root: Path) -> list[ShipVerdict]:
    """``dos verify AUTH AUTH1`` and ``AUTH AUTH2`` in the demo repository."""
    with Context(Workspace(root, "cwd"), Config()) as ctx:
        return [verify(ctx, "AUTH", phase) for phase in ("AUTH1", "AUTH2")]


def fleet_act(root: Path) -> tuple[bool, bool, bool]:
    """Two agents, one lane: agent-1 granted, agent-2 refused, then granted after agent-1 releases."""
    with open_store(Workspace(root, "cwd"), Config()) as store:
        first = store.acquire(LaneRequest(lane="main"), holder="agent-1")
        second = store.acquire(LaneRequest(lane="main"), holder="agent-2")
        store.release(lane="main", holder="agent-1")
        third = store.acquire(LaneRequest(lane="main"), holder="agent-2")
    return first.granted, second.granted, third.granted
