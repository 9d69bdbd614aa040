"""The stop hook and ``dos claim`` read the ledger: a session may not stop while a step it declared does not stand."""

from __future__ import annotations

import json
from typing import Any, Callable

from tests.conftest import Repo


def _stop(session: str, active: bool = False) -> str:
    return json.dumps({"session_id": session, "hook_event_name": "Stop", "stop_hook_active": active})


def _declare(run_dos: Callable[..., Any], repo: Repo, session: str, *steps: str) -> str:
    rid = json.loads(run_dos("run-id", "mint", "w", cwd=repo.path).stdout)["run_id"]
    args = ["intent", "declare", "--run-id", rid, "--session", session]
    for s in steps:
        args += ["--step", s, "--region", f"{s}=src/{s}/**"]
    done = run_dos(*args, cwd=repo.path)
    assert done.returncode == 0, done.stderr
    return rid


def test_a_session_with_an_open_step_is_held_within_the_cap(repo: Repo, run_dos: Callable[..., Any]) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    ws = repo.path
    assert run_dos("hook", "stop", input=_stop("S1"), cwd=ws).returncode == 0, "nothing declared: free to stop"
    rid = _declare(run_dos, repo, "S1", "a", "b")
    blocked = run_dos("hook", "stop", input=_stop("S1"), cwd=ws)
    assert blocked.returncode == 2, blocked.stdout + blocked.stderr
    reason = json.loads(blocked.stdout)["reason"]
    assert rid in reason and "a, b" in reason
    assert run_dos("hook", "stop", input=_stop("S2"), cwd=ws).returncode == 0, "another session is not held"
    # stop_hook_active: the block count runs up to the cap (3 by default), then the session may go.
    codes = [run_dos("hook", "stop", input=_stop("S1", active=True), cwd=ws).returncode for _ in range(4)]
    assert codes[-1] == 0 and codes[0] == 2


def test_committing_and_claiming_each_step_lets_the_session_stop(repo: Repo, run_dos: Callable[..., Any]) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    ws = repo.path
    rid = _declare(run_dos, repo, "S1", "a", "b")
    repo.commit("a", {"src/a/x.py": "1\n"})
    claimed = run_dos("claim", "PLAN", "a", "--session", "S1", cwd=ws)  # dos claim claims the declared step at HEAD
    assert claimed.returncode == 0
    shown = json.loads(run_dos("intent", "show", "--run-id", rid, "--json", cwd=ws).stdout)["state"]
    assert list(shown["verified"]) == ["a"]
    blocked = run_dos("hook", "stop", input=_stop("S1"), cwd=ws)
    assert blocked.returncode == 2 and "b" in json.loads(blocked.stdout)["reason"]
    repo.commit("b", {"src/b/y.py": "2\n"})
    # A claim recorded before its commit is checked again at the stop boundary, and then it stands.
    assert run_dos("intent", "claim", "--run-id", rid, "b", "--session", "S1", cwd=ws).returncode == 0
    assert run_dos("hook", "stop", input=_stop("S1"), cwd=ws).returncode == 0


def test_a_claim_outside_the_region_does_not_let_the_session_stop(repo: Repo, run_dos: Callable[..., Any]) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    ws = repo.path
    rid = _declare(run_dos, repo, "S1", "a")
    repo.commit("elsewhere", {"docs/a.md": "1\n"})
    done = run_dos("intent", "claim", "--run-id", rid, "a", "--session", "S1", cwd=ws)
    assert done.returncode == 1 and "region" in done.stdout
    assert run_dos("hook", "stop", input=_stop("S1"), cwd=ws).returncode == 2


def test_a_suspended_run_does_not_hold_its_session(repo: Repo, run_dos: Callable[..., Any]) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    rid = _declare(run_dos, repo, "S1", "a")
    assert run_dos("intent", "suspend", "--run-id", rid, "--session", "S1", "--reason", "rate limit",
                   cwd=repo.path).returncode == 0
    assert run_dos("hook", "stop", input=_stop("S1"), cwd=repo.path).returncode == 0
