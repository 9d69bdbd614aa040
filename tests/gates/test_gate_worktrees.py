"""scope-gate as a merge gate in a real repository with agent worktrees sharing one lease store.

Commits are stamped by the installed prepare-commit-msg hook; the gate runs as the CLI a
CI step runs. Leases are taken through the service with an injected clock, so a lease
lapses by moving time, never by sleeping.
"""

from __future__ import annotations

from pathlib import Path

from dos.service import leases
from tests.gates.gatekit import dos, git, make_fleet, out_json

MIN = 60_000


def test_stale_fence_is_refused_and_the_live_fence_passes(tmp_path: Path) -> None:
    """A's lease lapses and B takes the lane: A's branch is refused (STALE_FENCE), B's passes."""
    fleet = make_fleet(tmp_path)
    a_tree, b_tree = fleet.worktree("A"), fleet.worktree("B")
    a = fleet.acquire("src", "agent-a", ttl_s=600)
    r = fleet.commit(a_tree, {"src/feature.py": "A = 1\n"}, "A: feature", env={"DOS_LEASE_ID": a.lease_id})
    assert r.returncode == 0, r.stderr
    assert fleet.trailers(a_tree) == [f"{a.lease_id} fence={a.fence}"]

    b = fleet.acquire("src", "agent-b", at_ms=fleet.t0 + 11 * MIN, ttl_s=3600)  # A lapsed 1 min ago
    assert b.fence > a.fence
    r = fleet.commit(b_tree, {"src/feature.py": "B = 2\n"}, "B: feature", env={"DOS_LEASE_ID": b.lease_id})
    assert r.returncode == 0, r.stderr
    assert fleet.trailers(b_tree) == [f"{b.lease_id} fence={b.fence}"]

    stale = dos(fleet.root, "scope-gate", "--base", "main", "--head", "agentA", "--json")
    d = out_json(stale)
    assert stale.returncode == 7 and d["allowed"] is False and d["verdict"] == "STALE_FENCE"
    (check,) = d["fences"]
    assert check["state"] == "SUPERSEDED" and check["fence"] == a.fence and check["commit"] == fleet.head(a_tree)
    assert check["superseded_by"] == {"lease_id": b.lease_id, "fence": b.fence, "lane": "src", "holder": "agent-b"}
    text = dos(fleet.root, "scope-gate", "--base", "main", "--head", "agentA")
    assert text.returncode == 7 and text.stdout.startswith("REFUSE: write REFUSED (STALE_FENCE)")
    assert f"fence={b.fence}" in text.stdout

    live = dos(fleet.root, "scope-gate", "--base", "main", "--head", "agentB", "--json")
    d = out_json(live)
    assert live.returncode == 0 and d["allowed"] is True and d["verdict"] == "IN_SCOPE"
    assert [f["state"] for f in d["fences"]] == ["LIVE"]
    assert d["scope"]["evidence"]["lane"] == "src" and d["scope"]["evidence"]["lane_tree"] == ["src/**"]


def test_a_file_outside_the_lane_is_refused_with_its_path_named(tmp_path: Path) -> None:
    """Under a live fence, a commit that also touches docs/ is SCOPE_CREEP naming docs/guide.md."""
    fleet = make_fleet(tmp_path)
    tree = fleet.worktree("A")
    a = fleet.acquire("src", "agent-a")
    env = {"DOS_LEASE_ID": a.lease_id}
    fleet.commit(tree, {"src/x.py": "x\n"}, "in lane", env=env)
    r = fleet.commit(tree, {"docs/guide.md": "sneaky\n"}, "out of lane", env=env, check=False)
    assert r.returncode != 0 and "docs/guide.md" in r.stderr  # the pre-commit hook refused it
    fleet.commit(tree, {}, "out of lane", env=env, no_verify=True)  # committed around the local hook
    gate = dos(fleet.root, "scope-gate", "--base", "main", "--head", "agentA")
    assert gate.returncode == 5
    assert "SCOPE_CREEP" in gate.stdout and "outside the lane: docs/guide.md" in gate.stdout
    d = out_json(dos(fleet.root, "scope-gate", "--base", "main", "--head", "agentA", "--json"))
    assert d["refused_files"] == ["docs/guide.md"] and d["scope"]["in_scope_files"] == ["src/x.py"]
    only_docs = out_json(dos(fleet.root, "scope-gate", "--base", "agentA~2", "--head", "agentA", "--lane", "docs",
                             "--json"))
    assert only_docs["verdict"] == "SCOPE_CREEP" and only_docs["refused_files"] == ["src/x.py"]


def test_an_adopted_lease_makes_the_old_fence_stale(tmp_path: Path) -> None:
    """adopt hands the lease on with a new fence: the old holder's commits stop passing."""
    fleet = make_fleet(tmp_path)
    tree = fleet.worktree("A")
    a = fleet.acquire("src", "agent-a")
    fleet.commit(tree, {"src/a.py": "a\n"}, "A", env={"DOS_LEASE_ID": a.lease_id})
    with fleet.ctx() as ctx:
        new = leases.adopt(ctx, lane="src", holder="agent-c", lease_id=a.lease_id)
    assert new is not None and new.fence > a.fence
    d = out_json(dos(fleet.root, "scope-gate", "--base", "main", "--head", "agentA", "--json"))
    assert d["verdict"] == "STALE_FENCE" and d["fences"][0]["state"] == "SUPERSEDED"
    assert "adopted by" in d["fences"][0]["reason"]


def test_expired_and_released_fences(tmp_path: Path) -> None:
    """A lapsed lease is refused; a released one only with --allow-released; nothing took either region."""
    fleet = make_fleet(tmp_path)
    tree = fleet.worktree("A")
    gone = fleet.acquire("src", "agent-a", at_ms=fleet.t0 - 30 * MIN, ttl_s=60)  # lapsed long ago
    r = fleet.commit(tree, {"src/a.py": "a\n"}, "late", env={"DOS_LEASE_ID": gone.lease_id}, check=False)
    assert r.returncode != 0 and "STALE_FENCE" in r.stderr  # pre-commit stops a stale holder at once
    fleet.commit(tree, {}, "late", env={"DOS_LEASE_ID": gone.lease_id}, no_verify=True)
    assert fleet.trailers(tree) == [f"{gone.lease_id} fence={gone.fence}"]  # prepare-commit-msg still stamps
    d = out_json(dos(fleet.root, "scope-gate", "--base", "main", "--head", "agentA", "--json"))
    assert d["verdict"] == "STALE_FENCE" and d["fences"][0]["state"] == "EXPIRED"

    docs = fleet.acquire("docs", "agent-d")
    fleet.commit(tree, {"docs/d.md": "d\n"}, "docs", env={"DOS_LEASE_ID": docs.lease_id})
    with fleet.ctx() as ctx:
        assert leases.release(ctx, holder="agent-d", lease_id=docs.lease_id) is not None
    strict = dos(fleet.root, "scope-gate", "--base", "agentA~1", "--head", "agentA", "--json")
    assert strict.returncode == 7 and out_json(strict)["fences"][0]["state"] == "RELEASED"
    lenient = dos(fleet.root, "scope-gate", "--base", "agentA~1", "--head", "agentA", "--allow-released", "--json")
    assert lenient.returncode == 0 and out_json(lenient)["allowed"] is True


def test_forged_and_malformed_trailers_are_refused(tmp_path: Path) -> None:
    """A trailer naming a lease or fence the log never granted, or an unreadable one, is STALE_FENCE."""
    fleet = make_fleet(tmp_path, hooks=False)
    tree = fleet.worktree("A")
    a = fleet.acquire("src", "agent-a")
    for i, value in enumerate((f"{a.lease_id} fence={a.fence + 40}", f"nosuchlease fence={a.fence}", "garbage")):
        fleet.commit(tree, {f"src/f{i}.py": "x\n"}, f"forged {i}\n\nDOS-Lease: {value}")
        d = out_json(dos(fleet.root, "scope-gate", "--base", "agentA~1", "--head", "agentA", "--json"))
        state = d["fences"][0]["state"]
        assert d["verdict"] == "STALE_FENCE" and state == ("MALFORMED" if value == "garbage" else "UNKNOWN")


def test_require_lease_refuses_unfenced_commits(tmp_path: Path) -> None:
    fleet = make_fleet(tmp_path)
    tree = fleet.worktree("A")
    fleet.commit(tree, {"src/a.py": "a\n"}, "no lease")
    assert fleet.trailers(tree) == []
    assert dos(fleet.root, "scope-gate", "--base", "main", "--head", "agentA").returncode == 0
    r = dos(fleet.root, "scope-gate", "--base", "main", "--head", "agentA", "--require-lease", "--json")
    assert r.returncode == 8 and out_json(r)["unfenced_commits"] == [fleet.head(tree)]
    staged = dos(tree, "scope-gate", "--file", "src/a.py", "--require-lease")
    assert staged.returncode == 8


def test_run_id_binds_the_trailer_and_an_amend_restamps(tmp_path: Path) -> None:
    """Without $DOS_LEASE_ID the run's live leases are stamped; an amend replaces the old trailer."""
    fleet = make_fleet(tmp_path)
    tree = fleet.worktree("A")
    a = fleet.acquire("src", "agent-a", run_id="RUN-1")
    fleet.commit(tree, {"src/a.py": "a\n"}, "run work", env={"CID_RUN_ID": "RUN-1"})
    assert fleet.trailers(tree) == [f"{a.lease_id} fence={a.fence}"]
    with fleet.ctx() as ctx:
        new = leases.adopt(ctx, lane="src", holder="agent-a2", lease_id=a.lease_id)
    git(tree, "commit", "-q", "--amend", "--no-edit", env={"DOS_LEASE_ID": a.lease_id})
    assert fleet.trailers(tree) == [f"{a.lease_id} fence={new.fence}"]
    assert dos(fleet.root, "scope-gate", "--base", "main", "--head", "agentA").returncode == 0


def test_pre_push_hook_refuses_a_stale_branch(tmp_path: Path) -> None:
    """The pre-push hook judges what the push sends: the stale branch stays home, the live one goes."""
    fleet = make_fleet(tmp_path)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(fleet.root, "remote", "add", "origin", str(remote))
    git(fleet.root, "push", "-q", "origin", "main")
    a_tree, b_tree = fleet.worktree("A"), fleet.worktree("B")
    a = fleet.acquire("src", "agent-a")
    fleet.commit(a_tree, {"src/a.py": "a\n"}, "A", env={"DOS_LEASE_ID": a.lease_id})
    b = fleet.acquire("src", "agent-b", at_ms=fleet.t0 + 11 * MIN, ttl_s=3600)
    fleet.commit(b_tree, {"src/b.py": "b\n"}, "B", env={"DOS_LEASE_ID": b.lease_id})
    pushed = git(a_tree, "push", "origin", "agentA", check=False)
    assert pushed.returncode != 0 and "STALE_FENCE" in pushed.stderr
    assert git(remote, "branch", "--list", "agentA").stdout.strip() == ""
    ok = git(b_tree, "push", "-q", "origin", "agentB", check=False)
    assert ok.returncode == 0, ok.stderr
    assert git(remote, "branch", "--list", "agentB").stdout.strip() == "agentB"


def test_commit_all_and_commit_path_are_judged_too(tmp_path: Path) -> None:
    """`git commit -a` and `git commit PATH` stage into a temporary index; the hook reads that one."""
    fleet = make_fleet(tmp_path)
    tree = fleet.worktree("A")
    a = fleet.acquire("src", "agent-a")
    env = {"DOS_LEASE_ID": a.lease_id}
    fleet.commit(tree, {"src/a.py": "a\n"}, "base", env=env, no_verify=True)
    (tree / "README.md").write_text("edited outside the lane\n")
    r = git(tree, "commit", "-q", "-a", "-m", "all", env=env, check=False)
    assert r.returncode != 0 and "README.md" in r.stderr
    r = git(tree, "commit", "-q", "-m", "path", "README.md", env=env, check=False)
    assert r.returncode != 0 and "README.md" in r.stderr
    (tree / "src" / "a.py").write_text("a2\n")
    r = git(tree, "commit", "-q", "-m", "path in lane", "src/a.py", env=env, check=False)
    assert r.returncode == 0, r.stderr
