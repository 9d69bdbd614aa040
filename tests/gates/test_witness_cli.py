"""test-witness: the asserted mode's token table, and --cmd running pytest on both trees of real repos."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dos.exitcodes import EXIT_CODES, INTERRUPTED, NOT_FOUND, exit_code
from tests.gates.gatekit import SRC, dos, git, out_json

ASSERTED = [
    ("fail", "pass", "DISCRIMINATES", True), ("error", "pass", "DISCRIMINATES", False),
    ("pass", "pass", "VACUOUS", False), ("fail", "fail", "UNSATISFIED", False),
    ("error", "fail", "UNSATISFIED", False), ("pass", "fail", "REGRESSIVE", False),
    ("pass", "error", "REGRESSIVE", False), ("not-run", "pass", "ABSTAIN", False),
    ("pass", "not-run", "ABSTAIN", False),
]


@pytest.mark.parametrize(("baseline", "candidate", "token", "assert_level"), ASSERTED)
def test_asserted_mode_tokens_and_exit_codes(tmp_path: Path, baseline: str, candidate: str, token: str,
                                             assert_level: bool) -> None:
    r = dos(tmp_path, "test-witness", "--baseline", baseline, "--candidate", candidate, "--json")
    d = out_json(r)
    assert d["verdict"] == token and r.returncode == EXIT_CODES["test-witness"][token]
    assert r.returncode == {"DISCRIMINATES": 0, "VACUOUS": 3, "UNSATISFIED": 4, "REGRESSIVE": 5, "ABSTAIN": 6}[token]
    assert set(d) == {"verdict", "witnesses", "assert_level", "reason", "evidence"}
    assert d["witnesses"] is (token == "DISCRIMINATES") and d["assert_level"] is assert_level
    assert d["evidence"]["rung"] == "OS_RECORDED"
    assert dos(tmp_path, "test-witness", "--baseline", baseline, "--candidate", candidate).stdout.startswith(token)


def test_forgeable_abstains_and_bad_flags_are_contract_errors(tmp_path: Path) -> None:
    r = dos(tmp_path, "test-witness", "--baseline", "fail", "--candidate", "pass", "--forgeable", "--json")
    assert r.returncode == 6 and out_json(r)["evidence"]["rung"] == "AGENT_AUTHORED"
    assert dos(tmp_path, "test-witness", "--json").returncode == 6  # nothing run: ABSTAIN
    assert dos(tmp_path, "test-witness", "--baseline", "maybe").returncode == 2
    assert dos(tmp_path, "test-witness", "--cmd", "true", "--baseline", "pass").returncode == 2
    assert dos(tmp_path, "test-witness", "--cmd", "").returncode == 2
    assert exit_code("test-witness", "A_TOKEN_FROM_A_NEWER_DOS") == 7  # the table's unknown code


# --------------------------------------------------------------------------- --cmd on real repositories

PYTEST = f"{sys.executable} -m pytest -q -p no:cacheprovider tests/test_calc.py"
TEST_ADD = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def _repo(tmp_path: Path, before: dict[str, str], after: dict[str, str]) -> Path:
    root = tmp_path / "proj"
    git(tmp_path, "init", "-q", "-b", "main", str(root))
    for files, msg in ((before, "before"), (after, "the change")):
        for rel, text in files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", msg)
    return root.resolve()


FAST = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # the inner pytest needs none of this suite's plugins


def _witness(root: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, dict]:
    r = dos(root, "test-witness", "--cmd", PYTEST, "--json", *extra, env={**FAST, **(env or {})})
    return r.returncode, out_json(r)


def _no_worktrees_left(root: Path, scratch: Path | None = None) -> None:
    listed = git(root, "worktree", "list", "--porcelain").stdout
    assert listed.count("worktree ") == 1, listed
    if scratch is not None:
        assert list(scratch.iterdir()) == []


def test_a_test_that_passes_before_the_fix_is_vacuous(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"calc.py": "def add(a, b):\n    return a + b\n"},
                 {"calc.py": "def add(a, b):\n    \"\"\"Add.\"\"\"\n    return a + b\n", "tests/test_calc.py": TEST_ADD})
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    code, d = _witness(root, env={"TMPDIR": str(scratch)})
    assert code == 3 and d["verdict"] == "VACUOUS"
    runs = {r["side"]: r for r in d["evidence"]["runs"]}
    assert runs["baseline"]["outcome"] == "PASSED" and runs["candidate"]["outcome"] == "PASSED"
    assert d["evidence"]["overlay"] == ["tests/test_calc.py"]  # the new test met the old code
    assert runs["baseline"]["commit"] == git(root, "rev-parse", "HEAD~1").stdout.strip()
    _no_worktrees_left(root, scratch)


def test_a_test_that_fails_before_and_passes_after_discriminates(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"calc.py": "def add(a, b):\n    return a - b\n"},
                 {"calc.py": "def add(a, b):\n    return a + b\n", "tests/test_calc.py": TEST_ADD})
    code, d = _witness(root)
    assert code == 0 and d["verdict"] == "DISCRIMINATES" and d["assert_level"] is True
    runs = {r["side"]: r for r in d["evidence"]["runs"]}
    assert runs["baseline"]["outcome"] == "FAILED" and runs["baseline"]["exit_status"] == 1
    assert any("assert" in line for line in runs["baseline"]["output_tail"])
    text = dos(root, "test-witness", "--cmd", PYTEST, env=FAST)
    assert text.returncode == 0 and text.stdout.startswith("DISCRIMINATES")
    _no_worktrees_left(root)


def test_a_test_that_cannot_load_before_is_a_structural_witness(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"calc.py": "def sub(a, b):\n    return a - b\n"},
                 {"calc.py": "def sub(a, b):\n    return a - b\n\n\ndef add(a, b):\n    return a + b\n",
                  "tests/test_calc.py": TEST_ADD})
    code, d = _witness(root)
    assert code == 0 and d["verdict"] == "DISCRIMINATES" and d["assert_level"] is False
    assert d["evidence"]["baseline"] == "ERRORED"


def test_unsatisfied_and_regressive(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"calc.py": "def add(a, b):\n    return a - b\n"},
                 {"calc.py": "def add(a, b):\n    return a * b\n", "tests/test_calc.py": TEST_ADD})
    assert _witness(root)[0] == 4
    other = tmp_path / "second"
    other.mkdir()
    root = _repo(other, {"calc.py": "def add(a, b):\n    return a + b\n", "tests/test_calc.py": TEST_ADD},
                 {"calc.py": "def add(a, b):\n    return a - b\n"})
    code, d = _witness(root)
    assert code == 5 and d["verdict"] == "REGRESSIVE" and d["evidence"]["overlay"] == []


def test_uncommitted_changes_play_no_part(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"calc.py": "def add(a, b):\n    return a - b\n"},
                 {"calc.py": "def add(a, b):\n    return a + b\n", "tests/test_calc.py": TEST_ADD})
    (root / "calc.py").write_text("def add(a, b):\n    return 0\n")  # a dirty, broken checkout
    assert _witness(root)[1]["verdict"] == "DISCRIMINATES"
    assert (root / "calc.py").read_text() == "def add(a, b):\n    return 0\n"


def test_errors_clean_up_and_exit_with_their_codes(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"a.txt": "a\n"}, {"a.txt": "b\n"})
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {"TMPDIR": str(scratch)}
    missing = dos(root, "test-witness", "--cmd", "no-such-program-xyz --flag", env=env)
    assert missing.returncode == NOT_FOUND and "no-such-program-xyz" in missing.stderr
    _no_worktrees_left(root, scratch)
    assert dos(root, "test-witness", "--cmd", "true", "--base", "nosuchref").returncode == 2
    assert dos(root, "test-witness", "--cmd", "true", "--base", "HEAD", "--head", "HEAD").returncode == 2
    assert dos(root, "test-witness", "--cmd", "true", "--tests", "nope/").returncode == 2
    slow = dos(root, "test-witness", "--cmd", "sleep 30", "--timeout", "0.2", "--json", env=env)
    d = out_json(slow)
    assert slow.returncode == 4 and all(r["timed_out"] and r["outcome"] == "ERRORED" for r in d["evidence"]["runs"])
    _no_worktrees_left(root, scratch)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_an_interrupt_removes_the_worktrees(tmp_path: Path, sig: signal.Signals) -> None:
    root = _repo(tmp_path, {"a.txt": "a\n"}, {"a.txt": "b\n"})
    scratch, mark = tmp_path / "tmp", tmp_path / "started"
    scratch.mkdir()
    cmd = f"sh -c 'echo $$ > {mark}; exec sleep 300'"
    env = {**os.environ, "PYTHONPATH": str(SRC), "TMPDIR": str(scratch)}
    proc = subprocess.Popen([sys.executable, "-m", "dos", "test-witness", "--cmd", cmd], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not (mark.exists() and mark.read_text().strip()):
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    child = int(mark.read_text())
    assert git(root, "worktree", "list", "--porcelain").stdout.count("worktree ") == 2
    proc.send_signal(sig)
    _out, err = proc.communicate()
    assert proc.returncode == INTERRUPTED and "Traceback" not in err
    _no_worktrees_left(root, scratch)
    state = Path(f"/proc/{child}/stat")
    assert not state.exists() or state.read_text().split()[2] == "Z"  # the test process died with it


def test_two_witnesses_at_once_on_one_repository(tmp_path: Path) -> None:
    """Concurrent runs get their own worktrees and leave none behind."""
    root = _repo(tmp_path, {"a.txt": "a\n"}, {"a.txt": "b\n"})
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    procs = [subprocess.Popen([sys.executable, "-m", "dos", "test-witness", "--cmd", "sh -c 'sleep 0.2'", "--json"],
                              cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    results = [p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [3, 3, 3], results
    assert {json.loads(out)["verdict"] for out, _ in results} == {"VACUOUS"}
    _no_worktrees_left(root)
