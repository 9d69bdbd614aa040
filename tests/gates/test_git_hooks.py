"""Installing DOS's git hooks: idempotent, never clobbering a foreign hook, chaining it only when forced."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dos.errors import GitError
from dos.service import git_hooks
from tests.gates.gatekit import dos, git, make_fleet, out_json


def _actions(changes) -> dict[str, str]:
    return {c.hook: c.action for c in changes}


def test_install_is_idempotent_and_remove_undoes_it(tmp_path: Path) -> None:
    fleet = make_fleet(tmp_path, hooks=False)
    hooks = Path(git(fleet.root, "rev-parse", "--path-format=absolute", "--git-path", "hooks").stdout.strip())
    first = git_hooks.install(fleet.root)
    assert _actions(first) == dict.fromkeys(git_hooks.HOOKS, "installed")
    for name in git_hooks.HOOKS:
        assert os.stat(hooks / name).st_mode & stat.S_IXUSR
    assert _actions(git_hooks.install(fleet.root)) == dict.fromkeys(git_hooks.HOOKS, "unchanged")
    (hooks / "pre-commit").write_text((hooks / "pre-commit").read_text() + "# older\n")
    assert _actions(git_hooks.install(fleet.root))["pre-commit"] == "updated"
    assert {c.action for c in git_hooks.status(fleet.root)} == {"installed"}
    assert _actions(git_hooks.remove(fleet.root)) == dict.fromkeys(git_hooks.HOOKS, "removed")
    assert not any((hooks / n).exists() for n in git_hooks.HOOKS)
    assert _actions(git_hooks.remove(fleet.root)) == dict.fromkeys(git_hooks.HOOKS, "absent")


def test_a_foreign_hook_is_kept_unless_forced_then_chained_and_restored(tmp_path: Path) -> None:
    fleet = make_fleet(tmp_path, hooks=False)
    hooks = fleet.root / ".git" / "hooks"
    mine = "#!/bin/sh\necho foreign-ran >> \"$(git rev-parse --git-dir)/foreign.log\"\nexit 0\n"
    (hooks / "pre-commit").write_text(mine)
    (hooks / "pre-commit").chmod(0o755)
    assert _actions(git_hooks.install(fleet.root))["pre-commit"] == "foreign"
    assert (hooks / "pre-commit").read_text() == mine
    cli = dos(fleet.root, "scope-gate", "--install-hooks", "--json")
    assert {c["hook"]: c["action"] for c in out_json(cli)}["pre-commit"] == "foreign"

    assert _actions(git_hooks.install(fleet.root, force=True))["pre-commit"] == "chained"
    assert (hooks / "pre-commit.local").read_text() == mine
    fleet.commit(fleet.root, {"src/a.py": "a\n"}, "chained run")
    assert (fleet.root / ".git" / "foreign.log").read_text() == "foreign-ran\n"  # the chained hook ran first

    assert _actions(git_hooks.remove(fleet.root))["pre-commit"] == "restored"
    assert (hooks / "pre-commit").read_text() == mine and not (hooks / "pre-commit.local").exists()


def test_a_failing_chained_hook_stops_the_commit(tmp_path: Path) -> None:
    fleet = make_fleet(tmp_path, hooks=False)
    hooks = fleet.root / ".git" / "hooks"
    (hooks / "pre-commit").write_text("#!/bin/sh\necho no >&2\nexit 3\n")
    (hooks / "pre-commit").chmod(0o755)
    git_hooks.install(fleet.root, force=True)
    r = fleet.commit(fleet.root, {"src/a.py": "a\n"}, "blocked", check=False)
    assert r.returncode != 0 and "no" in r.stderr


def test_pre_push_chain_passes_stdin_to_both_hooks(tmp_path: Path) -> None:
    fleet = make_fleet(tmp_path, hooks=False)
    hooks = fleet.root / ".git" / "hooks"
    (hooks / "pre-push").write_text("#!/bin/sh\ncat > \"$(git rev-parse --git-dir)/push-stdin.txt\"\n")
    (hooks / "pre-push").chmod(0o755)
    git_hooks.install(fleet.root, force=True)
    remote = tmp_path / "r.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(fleet.root, "remote", "add", "origin", str(remote))
    git(fleet.root, "push", "-q", "origin", "main")
    seen = (fleet.root / ".git" / "push-stdin.txt").read_text()
    assert seen.startswith("refs/heads/main ") and seen.endswith("\n") and len(seen.split()) == 4


def test_hooks_follow_core_hooks_path_and_refuse_a_non_repo(tmp_path: Path) -> None:
    fleet = make_fleet(tmp_path, hooks=False)
    git(fleet.root, "config", "core.hooksPath", ".githooks")
    changes = git_hooks.install(fleet.root)
    assert all(Path(c.path).parent == fleet.root / ".githooks" for c in changes)
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitError):
        git_hooks.install(plain)
    r = dos(plain, "scope-gate", "--install-hooks")
    assert r.returncode == 2 and r.stderr.startswith("error: ") and "Traceback" not in r.stderr


def test_the_hook_without_dos_fails_closed_with_the_fix(tmp_path: Path) -> None:
    """pre-commit blocks (naming the fix) when its interpreter is gone; prepare-commit-msg never blocks."""
    fleet = make_fleet(tmp_path, hooks=False)
    git_hooks.install(fleet.root, python=str(tmp_path / "gone" / "python"))
    env = {"PATH": "/usr/bin:/bin", "DOS_LEASE_ID": "some-lease"}
    r = fleet.commit(fleet.root, {"src/a.py": "a\n"}, "x", env=env, check=False)
    assert r.returncode != 0 and "--remove-hooks" in r.stderr
    r = fleet.commit(fleet.root, {}, "x", env=env, no_verify=True, check=False)
    assert r.returncode == 0, r.stderr  # prepare-commit-msg warned and let the commit through
    assert "cannot find DOS" in r.stderr


def test_an_unbound_commit_never_starts_python(tmp_path: Path) -> None:
    """With no lease, run, session or lane in the environment the commit hooks have nothing to judge."""
    fleet = make_fleet(tmp_path, hooks=False)
    git_hooks.install(fleet.root, python=str(tmp_path / "gone" / "python"))
    r = fleet.commit(fleet.root, {"anywhere/a.py": "a\n"}, "plain", env={"PATH": "/usr/bin:/bin"}, check=False)
    assert r.returncode == 0 and r.stderr == ""


def test_dos_init_git_hooks_installs_the_three_hooks_and_remove_takes_them_out(tmp_path: Path) -> None:
    fleet = make_fleet(tmp_path, hooks=False)
    hooks = Path(git(fleet.root, "rev-parse", "--path-format=absolute", "--git-path", "hooks").stdout.strip())
    done = dos(fleet.root, "init", "--git-hooks")
    assert done.returncode == 0, done.stderr
    assert all((hooks / name).is_file() for name in git_hooks.HOOKS)
    assert {c.action for c in git_hooks.status(fleet.root)} == {"installed"}
    assert "git hook installed" in done.stdout and "pre-push" in done.stdout
    again = dos(fleet.root, "init", "--git-hooks", "--remove")
    assert again.returncode == 0, again.stderr
    assert not any((hooks / n).exists() for n in git_hooks.HOOKS)
    assert dos(fleet.root, "init", "--git-hooks", "--dry-run").returncode == 2
