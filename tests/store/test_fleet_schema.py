"""The PostgreSQL schema a fleet meets in: derived alike by every clone, or refused with the fix."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dos.errors import ConfigError
from dos.service.fleet_schema import fleet_schema


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
                               "GIT_COMMITTER_EMAIL": "t@x", "PATH": "/usr/bin:/bin", "HOME": str(cwd)}).stdout


@pytest.fixture()
def origin(tmp_path: Path) -> Path:
    repo = tmp_path / "origin"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for i in range(3):
        (repo / f"f{i}").write_text(str(i))
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", f"c{i}")
    return repo


def test_clones_in_differently_named_directories_agree(origin: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "checkout-on-laptop", tmp_path / "ci" / "build-7731"
    b.parent.mkdir()
    git(tmp_path, "clone", "-q", str(origin), str(a))
    git(tmp_path, "clone", "-q", str(origin), str(b))
    first = git(origin, "rev-list", "--max-parents=0", "HEAD").strip()
    assert fleet_schema(a) == fleet_schema(b) == fleet_schema(origin) == f"dos_{first[:16]}"
    (b / "new").write_text("x")  # later history does not move it
    git(b, "add", ".")
    git(b, "commit", "-q", "-m", "later")
    assert fleet_schema(b) == fleet_schema(a)


def test_refuses_where_no_shared_fact_exists(origin: Path, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(shallow))
    with pytest.raises(ConfigError, match="shallow clone.*schema"):
        fleet_schema(shallow)
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    with pytest.raises(ConfigError, match="no commits yet.*schema"):
        fleet_schema(empty)
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(ConfigError, match="not a git repository.*schema"):
        fleet_schema(plain)
