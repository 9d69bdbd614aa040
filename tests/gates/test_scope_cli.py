"""scope and scope-gate through the real CLI: each token's exit code on a real input, and the fixes."""

from __future__ import annotations

from pathlib import Path

import pytest

from dos.exitcodes import EXIT_CODES
from tests.gates.gatekit import LANES, dos, git, out_json


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(root))
    (root / "dos.toml").write_text(LANES)
    (root / "src").mkdir()
    (root / "src" / "a.py").write_text("a\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root.resolve()


GATE_CASES = [
    pytest.param(["--lane", "src", "--file", "src/b.py"], "IN_SCOPE", id="in-scope"),
    pytest.param(["--lane", "src", "--file", "src/b.py", "--file", "docs/y.md"], "SCOPE_CREEP", id="creep"),
    pytest.param(["--lane", "src", "--file", "docs/y.md"], "WRONG_TARGET", id="wrong-target"),
    pytest.param(["--lane", "nosuch", "--file", "src/b.py"], "WRONG_TARGET", id="unknown-lane"),
    pytest.param(["--file", "anything/at/all.txt"], "IN_SCOPE", id="no-lane-is-everything"),
]


@pytest.mark.parametrize(("args", "token"), GATE_CASES)
def test_scope_gate_token_exit_codes(repo: Path, args: list[str], token: str) -> None:
    r = dos(repo, "scope-gate", *args, "--json")
    d = out_json(r)
    assert d["verdict"] == token and d["scope"]["verdict"] == token
    assert r.returncode == EXIT_CODES["scope-gate"][token] == {"IN_SCOPE": 0, "SCOPE_CREEP": 5,
                                                               "WRONG_TARGET": 6}[token]
    assert d["allowed"] is (token == "IN_SCOPE")
    text = dos(repo, "scope-gate", *args)
    assert text.returncode == r.returncode
    assert text.stdout.startswith("ALLOW: write ALLOWED — " if token == "IN_SCOPE" else f"REFUSE: write REFUSED ({token}) — ")


@pytest.mark.parametrize(("args", "token"), GATE_CASES[:4])
def test_scope_token_exit_codes(repo: Path, args: list[str], token: str) -> None:
    r = dos(repo, "scope", *args, "--json")
    d = out_json(r)
    assert d["verdict"] == token and set(d) == {"verdict", "reason", "in_scope_files", "out_of_scope_files", "evidence"}
    assert r.returncode == EXIT_CODES["scope"][token]
    assert dos(repo, "scope", *args).stdout.startswith(f"{token}  ")


def test_json_shape_keeps_the_reference_fields(repo: Path) -> None:
    d = out_json(dos(repo, "scope-gate", "--lane", "src", "--file", "src/b.py", "--file", "docs/y.md",
                     "--file", "src/__init__.py", "--file", "pyproject.toml", "--json"))
    assert {"allowed", "verdict", "reason", "refused_files", "scope"} <= set(d)
    assert set(d["scope"]) == {"verdict", "reason", "in_scope_files", "out_of_scope_files", "evidence"}
    assert d["scope"]["evidence"] == {"lane": "src", "lane_tree": ["src/**"],
                                      "touched_files": ["docs/y.md", "pyproject.toml", "src/__init__.py", "src/b.py"]}
    assert d["refused_files"] == ["docs/y.md"]  # the tolerated pyproject.toml is not refused
    assert d["scope"]["out_of_scope_files"] == ["docs/y.md", "pyproject.toml"]


def test_contract_errors_exit_2_and_never_fail_open(repo: Path, tmp_path: Path) -> None:
    """A bad ref, no write set, or no repository is an error (2), never an empty ALLOW."""
    bad = dos(repo, "scope-gate", "--lane", "src", "--base", "nosuchref")
    assert bad.returncode == 2 and bad.stdout == "" and "nosuchref" in bad.stderr
    none = dos(repo, "scope-gate", "--lane", "src")
    assert none.returncode == 2 and "--staged" in none.stderr
    both = dos(repo, "scope-gate", "--staged", "--file", "x")
    assert both.returncode == 2
    plain = tmp_path / "plain"
    plain.mkdir()
    assert dos(plain, "scope-gate", "--staged").returncode == 2
    assert dos(repo, "scope-gate", "--lease", "x", "--base", "HEAD").returncode == 2
    assert dos(repo, "scope-gate", "--skip-fences", "--require-lease", "--file", "a").returncode == 2
    assert "Traceback" not in bad.stderr + none.stderr


def test_lane_aliases_and_case_are_resolved(repo: Path) -> None:
    for lane in ("SRC", "Src", "code"):
        d = out_json(dos(repo, "scope-gate", "--lane", lane, "--file", "src/b.py", "--json"))
        assert d["allowed"] and d["scope"]["evidence"]["lane"] == "src", lane


def test_staged_write_set_and_store_untouched(repo: Path) -> None:
    (repo / "docs").mkdir()
    (repo / "docs" / "n.md").write_text("n\n")
    (repo / "src" / "with space.py").write_text("s\n")
    git(repo, "add", "-A")
    d = out_json(dos(repo, "scope-gate", "--lane", "src", "--staged", "--json"))
    assert d["verdict"] == "SCOPE_CREEP" and d["refused_files"] == ["docs/n.md"]
    assert d["scope"]["in_scope_files"] == ["src/with space.py"]
    assert not (repo / ".dos").exists()  # a gate reads the store; it never creates one


def test_a_rename_out_of_the_lane_counts_both_paths(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "move")
    (repo / "docs").mkdir()
    git(repo, "mv", "src/a.py", "docs/a.py")
    git(repo, "commit", "-q", "-m", "move")
    d = out_json(dos(repo, "scope-gate", "--lane", "src", "--base", "main", "--json"))
    assert d["scope"]["evidence"]["touched_files"] == ["docs/a.py", "src/a.py"]
    assert d["verdict"] == "SCOPE_CREEP" and d["refused_files"] == ["docs/a.py"]


def test_range_is_judged_from_the_merge_base(repo: Path) -> None:
    """Work that landed on main after the branch forked is not the branch's footprint."""
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "src" / "f.py").write_text("f\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "feature")
    git(repo, "checkout", "-q", "main")
    (repo / "docs").mkdir()
    (repo / "docs" / "main-only.md").write_text("m\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "main moves on")
    d = out_json(dos(repo, "scope-gate", "--lane", "src", "--base", "main", "--head", "feature", "--json"))
    assert d["allowed"] and d["scope"]["evidence"]["touched_files"] == ["src/f.py"]


def test_paths_that_leave_the_workspace_are_never_tolerated(repo: Path, tmp_path: Path) -> None:
    d = out_json(dos(repo, "scope-gate", "--lane", "src", "--file", "src/ok.py", "--file", "../conftest.py",
                     "--file", str(tmp_path / "elsewhere" / "__init__.py"), "--json"))
    assert d["verdict"] == "SCOPE_CREEP"
    assert sorted(d["refused_files"]) == sorted(["../conftest.py", "../elsewhere/__init__.py"])


def test_a_workspace_in_a_subdirectory_judges_its_own_paths(tmp_path: Path) -> None:
    root = tmp_path / "mono"
    git(tmp_path, "init", "-q", "-b", "main", str(root))
    ws = root / "svc"
    (ws / "src").mkdir(parents=True)
    (ws / "dos.toml").write_text(LANES)
    (ws / "src" / "a.py").write_text("a\n")
    (root / "other.txt").write_text("o\n")
    git(root, "add", "-A")
    d = out_json(dos(ws, "scope-gate", "--lane", "src", "--staged", "--json"))
    assert d["scope"]["evidence"]["touched_files"] == ["../other.txt", "dos.toml", "src/a.py"]
    assert "../other.txt" in d["refused_files"]
