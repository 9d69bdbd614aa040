"""``dos verify-result`` and ``dos coverage`` through the real CLI, on real transcript shapes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

FIXTURES = Path(__file__).with_name("fixtures")
DEAD = sorted(p.name for p in FIXTURES.iterdir() if "healthy" not in p.name)


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir()))
def test_verify_result_exits_with_the_verdict(name: str, run_dos: Callable[..., Any], tmp_path: Path) -> None:
    done = run_dos("verify-result", "--transcript", str(FIXTURES / name), "--json", cwd=tmp_path)
    out = json.loads(done.stdout)
    assert done.returncode == (3 if out["dead"] else 0)
    assert out["dead"] is (name in DEAD)
    assert set(out) >= {"state", "dead", "class", "api_status", "reason", "envelope"}


def test_verify_result_reads_a_hook_event_on_stdin(run_dos: Callable[..., Any], tmp_path: Path) -> None:
    event = json.dumps({"session_id": "s", "transcript_path": str(FIXTURES / "claude_usage_limit_session.jsonl")})
    done = run_dos("verify-result", cwd=tmp_path, input=event)
    assert done.returncode == 3 and done.stdout.startswith("DEAD SYNTHETIC class=USAGE_LIMIT — ")


def test_an_unreadable_transcript_is_never_a_death(run_dos: Callable[..., Any], tmp_path: Path) -> None:
    for path in (tmp_path / "missing.jsonl", tmp_path):
        done = run_dos("verify-result", "--transcript", str(path), "--json", cwd=tmp_path)
        out = json.loads(done.stdout)
        assert done.returncode == 0 and out["state"] == "UNREADABLE" and out["dead"] is False
        assert out["envelope"]["all_clear"] is True


def test_verify_result_without_a_transcript_is_a_contract_error(run_dos: Callable[..., Any], tmp_path: Path) -> None:
    for stdin in ("", "{}", "not json"):
        done = run_dos("verify-result", cwd=tmp_path, input=stdin)
        assert done.returncode == 2 and "no transcript" in done.stderr and "Traceback" not in done.stderr


def test_coverage_over_a_glob_of_a_thousand_transcripts(run_dos: Callable[..., Any], tmp_path: Path) -> None:
    """1,000 workers: 700 healthy, 150 rate-limited, 100 hit a usage limit, 50 empty; 1,000 declared."""
    mix = [("claude_healthy.jsonl", 600), ("codex_healthy.jsonl", 50), ("gemini_healthy.jsonl", 50),
           ("claude_rate_limit_429.jsonl", 100), ("codex_rate_limit.jsonl", 50),
           ("claude_usage_limit_session.jsonl", 60), ("gemini_quota.jsonl", 40), ("claude_empty_content.jsonl", 50)]
    n = 0
    for name, count in mix:
        for _ in range(count):
            sub = tmp_path / "fanout" / f"w{n // 100:02d}"
            sub.mkdir(parents=True, exist_ok=True)
            shutil.copy(FIXTURES / name, sub / f"agent-{n:04d}.jsonl")
            n += 1
    assert n == 1000
    glob = str(tmp_path / "fanout" / "**" / "*.jsonl")
    done = run_dos("coverage", "--declared", "1000", "--transcripts-glob", glob, "--json", cwd=tmp_path)
    out = json.loads(done.stdout)
    assert done.returncode == 3 and out["state"] == "UNDERFILLED" and out["grounded"] is True
    assert (out["healthy"], out["dead"], out["unreadable"], out["unaccounted"]) == (700, 300, 0, 0)
    assert out["dead_classes"] == [["RATE_LIMIT", 150], ["USAGE_LIMIT", 100]]
    assert out["fraction"] == 0.7 and out["prompt_line"].startswith("COVERAGE CAVEAT: only 700 of 1000")

    done = run_dos("coverage", "--declared", "650", "--transcripts-glob", glob, cwd=tmp_path)
    assert done.returncode == 3 and done.stdout.startswith("OVERFILLED 700/650")
    healthy = str(tmp_path / "fanout" / "w0[0-5]" / "*.jsonl")
    done = run_dos("coverage", "--declared", "600", "--transcripts-glob", healthy, "--json", cwd=tmp_path)
    assert done.returncode == 0 and json.loads(done.stdout)["state"] == "FULL"


def test_the_same_transcript_named_twice_counts_once(run_dos: Callable[..., Any], tmp_path: Path) -> None:
    ok = str(FIXTURES / "claude_healthy.jsonl")
    done = run_dos("coverage", "--declared", "1", "--transcript", ok, "--transcript", ok,
                   "--transcripts-glob", str(FIXTURES / "claude_healthy*"), "--json", cwd=tmp_path)
    assert done.returncode == 0 and json.loads(done.stdout)["healthy"] == 1


def test_caller_asserted_states(run_dos: Callable[..., Any], tmp_path: Path) -> None:
    done = run_dos("coverage", "--declared", "3", "--states", "healthy,SYNTHETIC:rate_limit,unreadable", cwd=tmp_path)
    assert done.returncode == 3 and "[caller-asserted]" in done.stdout
    done = run_dos("coverage", "--declared", "2", "--states", "HEALTHY,HEALTHY", "--json", cwd=tmp_path)
    assert done.returncode == 0 and json.loads(done.stdout)["grounded"] is False
    for args in (("--states", "HEALTHY,BOGUS"), ("--states", ""), ()):
        done = run_dos("coverage", "--declared", "2", *args, cwd=tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr
    assert run_dos("coverage", "--states", "HEALTHY", cwd=tmp_path).returncode == 2  # --declared is required
    done = run_dos("coverage", "--declared", "0", "--states", "HEALTHY", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("EMPTY")
