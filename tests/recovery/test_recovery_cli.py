"""The recovery verbs' exit codes, text lines and usage errors through the real CLI."""

from __future__ import annotations

import json
from typing import Any, Callable

from tests.conftest import Repo


def _run(run_dos: Callable[..., Any], repo: Repo) -> str:
    rid = json.loads(run_dos("run-id", "mint", "w", cwd=repo.path).stdout)["run_id"]
    done = run_dos("intent", "declare", "--run-id", rid, "--step", "a", "--step", "b", "--region", "a=src/**",
                   "--token", "tok", cwd=repo.path)
    assert done.returncode == 0 and done.stdout.startswith("DECLARED"), done.stderr
    assert "writer token" not in done.stdout  # a token the caller chose is never echoed
    return rid


def test_declare_shows_a_generated_token_once(repo: Repo, run_dos: Callable[..., Any]) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    rid = json.loads(run_dos("run-id", "mint", "w", cwd=repo.path).stdout)["run_id"]
    first = json.loads(run_dos("intent", "declare", "--run-id", rid, "--goal", "g", "--json", cwd=repo.path).stdout)
    token = first["writer_token"]
    again = run_dos("intent", "declare", "--run-id", rid, "--goal", "h", "--json", cwd=repo.path,
                    env={"DOS_INTENT_TOKEN": token})
    assert again.returncode == 0 and "writer_token" not in json.loads(again.stdout)
    stranger = run_dos("intent", "declare", "--run-id", rid, "--goal", "mine now", cwd=repo.path)
    assert stranger.returncode == 3 and stranger.stdout.startswith("REFUSED")


def test_usage_errors_are_one_line_exit_two(repo: Repo, run_dos: Callable[..., Any]) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    cases = [("intent", "declare", "--run-id", "nope", "--goal", "g"),
             ("intent", "declare", "--run-id", "RID-1M8VF35AG2SZP00"),
             ("intent", "declare", "--run-id", "RID-1M8VF35AG2SZP00", "--step", "a", "--region", "b=x/**"),
             ("intent", "declare", "--run-id", "RID-1M8VF35AG2SZP00", "--step", "a", "--region", "a=../up/**"),
             ("intent", "declare", "--run-id", "RID-1M8VF35AG2SZP00", "--step", "a", "--region", "nonsense"),
             ("intent", "claim", "a"), ("resume",), ("complete",), ("rewind",), ("status",),
             ("status", "RID-1M8VF35AG2SZP00", "--stopped", "--live"),
             ("status", "RID-1M8VF35AG2SZP00", "--run-id", "RID-1M8VF35AG2SZP11"),
             ("rewind", "--run-id", "RID-1M8VF35AG2SZP00", "--fire", "BOGUS")]
    for args in cases:
        done = run_dos(*args, cwd=repo.path)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr, args


def test_verify_mints_a_verification_for_a_claim_made_before_its_commit(repo: Repo, run_dos: Callable[..., Any]) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    rid = _run(run_dos, repo)
    env = {"DOS_INTENT_TOKEN": "tok"}
    sha = repo.commit("a", {"src/a.py": "1\n"})
    repo.git("reset", "-q", "--hard", "HEAD~1")  # the claimed commit leaves HEAD's history
    early = run_dos("intent", "claim", "--run-id", rid, "a", "--sha", sha, cwd=repo.path, env=env)
    assert early.returncode == 1 and "not an ancestor" in early.stdout
    repo.git("reset", "-q", "--hard", sha)
    done = run_dos("intent", "verify", "--run-id", rid, "a", cwd=repo.path)
    assert done.returncode == 0 and done.stdout.startswith("VERIFIED")
    partial = run_dos("intent", "verify", "--run-id", rid, "--json", cwd=repo.path)
    assert partial.returncode == 1 and json.loads(partial.stdout)["verdict"] == "UNVERIFIED"
    assert run_dos("intent", "verify", "--run-id", rid, "zz", cwd=repo.path).returncode == 2
    assert run_dos("intent", "show", "--run-id", "RID-1M8VF35AG2SZP11", cwd=repo.path).returncode == 1


def test_diverged_is_the_operators_assertion(repo: Repo, run_dos: Callable[..., Any]) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    rid = _run(run_dos, repo)
    done = run_dos("resume", "--run-id", rid, "--diverged", cwd=repo.path)
    assert done.returncode == 3 and done.stdout.startswith("DIVERGED")
    done = run_dos("complete", "--run-id", rid, "--diverged", cwd=repo.path)
    assert done.returncode == 3 and "moved past" in done.stdout


def test_status_text_names_progress_region_and_resume(repo: Repo, run_dos: Callable[..., Any]) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    rid = _run(run_dos, repo)
    run_dos("lease-lane", "acquire", "--lane", "main", "--owner", "w", "--run-id", rid, cwd=repo.path)
    done = run_dos("status", rid, "--stopped", cwd=repo.path)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and lines[0].startswith("ADVANCING")  # a young run with a fresh lease
    assert "progress     : 0/2 verified" in lines[1] and "region       : **/*" in lines[2]
    assert lines[3].startswith("  resume       : RESUMABLE") and lines[4] == "  residual     : a, b"
    live = run_dos("status", "--run-id", rid, "--live", "--json", cwd=repo.path)
    assert json.loads(live.stdout)["resume"] is None
