"""Workspace discovery: --workspace, DISPATCH_WORKSPACE, nearest dos.toml, git top, cwd."""

from __future__ import annotations

from pathlib import Path

import pytest

from dos.config import ensure_state_dir, find_workspace
from dos.errors import WorkspaceError


def test_explicit_flag_wins_over_everything(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ws = find_workspace("b", env={"DISPATCH_WORKSPACE": str(tmp_path / "a")}, cwd=tmp_path)
    assert ws.root == (tmp_path / "b").resolve() and ws.found_by == "--workspace"


def test_env_var_beats_discovery(tmp_path: Path) -> None:
    (tmp_path / "dos.toml").write_text("")
    other = tmp_path / "other"
    other.mkdir()
    ws = find_workspace(None, env={"DISPATCH_WORKSPACE": str(other)}, cwd=tmp_path)
    assert ws.root == other.resolve() and ws.found_by == "DISPATCH_WORKSPACE"


def test_subdirectory_finds_the_nearest_dos_toml(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "dos.toml").write_text("")
    deep = tmp_path / "proj" / "src" / "pkg"
    deep.mkdir(parents=True)
    ws = find_workspace(None, env={}, cwd=deep)
    assert ws.root == (tmp_path / "proj").resolve() and ws.found_by == "dos.toml"


def test_git_top_level_without_dos_toml(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    ws = find_workspace(None, env={}, cwd=deep)
    assert ws.root == tmp_path.resolve() and ws.found_by == "git"


def test_cwd_when_nothing_else(tmp_path: Path) -> None:
    ws = find_workspace(None, env={}, cwd=tmp_path)
    # tmp dirs are never inside a git repo or under a dos.toml here
    assert ws.found_by in ("cwd",) and ws.root == tmp_path.resolve()


def test_missing_explicit_workspace_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="is not a directory"):
        find_workspace(str(tmp_path / "nope"), env={}, cwd=tmp_path)


def test_state_dir_is_created_once_and_ignores_itself(tmp_path: Path) -> None:
    state = ensure_state_dir(tmp_path)
    assert state == tmp_path / ".dos"
    ignore = (state / ".gitignore").read_text()
    assert "*" in ignore.splitlines()
    (state / ".gitignore").write_text("*\n# edited\n")
    ensure_state_dir(tmp_path)
    assert (state / ".gitignore").read_text() == "*\n# edited\n", "an existing .gitignore is left alone"
