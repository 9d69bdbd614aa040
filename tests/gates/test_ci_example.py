"""The GitHub Actions example in docs/gates.md, run as a CI runner would run its gate step.

The workflow is read from the doc; the checkout step's clone (full history, the PR head
checked out, the base branch as ``origin/<base>``) is made for real; the ``scope-gate``
step's ``run`` line is run by ``sh`` with its ``env``, ``${{ ... }}`` expressions filled in
as GitHub would fill them for a pull request into ``main`` with no store secret.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.gates.gatekit import SRC, Fleet, git, make_fleet

DOC = Path(__file__).resolve().parents[2] / "docs" / "gates.md"
MIN = 60_000


def workflow() -> dict:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert len(blocks) == 1, "docs/gates.md should hold exactly one workflow"
    return yaml.safe_load(blocks[0])


def gate_step(flow: dict) -> dict:
    (job,) = flow["jobs"].values()
    steps = {s.get("name", ""): s for s in job["steps"]}
    checkout = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0  # the merge base must be in the clone
    return steps["scope-gate"]


def _fill(text: str, context: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        return context.get(m.group(1).strip(), "")
    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


def run_step(fleet: Fleet, tmp_path: Path, branch: str, secret: str = "") -> subprocess.CompletedProcess[str]:
    """Clone like actions/checkout (fetch-depth 0), check out the PR head, and run the gate step."""
    step = gate_step(workflow())
    ci = tmp_path / f"ci-{branch}"
    git(tmp_path, "clone", "-q", "--no-local", str(fleet.root), str(ci))
    git(ci, "checkout", "-q", "--detach", f"origin/{branch}")
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    shim = bindir / "dos"  # what `pip install dos` puts on PATH
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m dos "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    context = {"github.base_ref": "main", "github.head_ref": branch, "secrets.DOS_STORE_URL": secret}
    env = {k: v for k, v in os.environ.items() if k != "DOS_STORE_URL"}  # the runner knows only the secret
    env.update(PYTHONPATH=str(SRC), PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}", CI="true")
    env.update({k: _fill(str(v), context) for k, v in (step.get("env") or {}).items()})
    return subprocess.run(["sh", "-e", "-c", _fill(step["run"], context)], cwd=ci, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_documented_step_passes_a_live_branch_and_fails_a_stale_one(
        tmp_path: Path, engine: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite the store is the one dos.toml names; on PostgreSQL the runner reaches it through the secret."""
    secret = ""
    if engine == "postgres":
        secret = request.getfixturevalue("pg_url")
        monkeypatch.setenv("DOS_STORE_URL", secret)  # the fleet's agents, hooks and leases use the server
    fleet = make_fleet(tmp_path)
    a_tree, b_tree, c_tree = fleet.worktree("A"), fleet.worktree("B"), fleet.worktree("C")
    a = fleet.acquire("src", "agent-a")
    fleet.commit(a_tree, {"src/a.py": "a\n"}, "A", env={"DOS_LEASE_ID": a.lease_id})
    b = fleet.acquire("src", "agent-b", at_ms=fleet.t0 + 11 * MIN, ttl_s=3600)
    fleet.commit(b_tree, {"src/b.py": "b\n"}, "B", env={"DOS_LEASE_ID": b.lease_id})
    fleet.commit(c_tree, {"docs/c.md": "c\n"}, "C without a lease")

    live = run_step(fleet, tmp_path, "agentB", secret)
    assert live.returncode == 0, live.stdout + live.stderr
    assert live.stdout.startswith("ALLOW: ")
    stale = run_step(fleet, tmp_path, "agentA", secret)
    assert stale.returncode == 7 and "STALE_FENCE" in stale.stdout and "SUPERSEDED" in stale.stdout
    unfenced = run_step(fleet, tmp_path, "agentC", secret)
    assert unfenced.returncode == 8 and "UNFENCED" in unfenced.stdout
    assert fleet.store.exists() is (engine == "sqlite")  # on PostgreSQL nothing fell back to a local file
