"""Terminal classification of real transcript shapes from Claude Code, Codex and Gemini CLI, and coverage."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dos.kernel.coverage import Coverage, coverage
from dos.kernel.transcript import DeadClass, Terminal, classify_text, dead_class, status_in

FIXTURES = Path(__file__).with_name("fixtures")

CASES = [
    ("claude_rate_limit_429.jsonl", Terminal.SYNTHETIC, DeadClass.RATE_LIMIT, 429, "claude-code"),
    ("claude_rate_limit_no_status.jsonl", Terminal.SYNTHETIC, DeadClass.RATE_LIMIT, None, "claude-code"),
    ("claude_server_throttle.jsonl", Terminal.SYNTHETIC, DeadClass.RATE_LIMIT, None, "claude-code"),
    ("claude_usage_limit_session.jsonl", Terminal.SYNTHETIC, DeadClass.USAGE_LIMIT, None, "claude-code"),
    ("claude_usage_limit_legacy.jsonl", Terminal.SYNTHETIC, DeadClass.USAGE_LIMIT, None, "claude-code"),
    ("claude_auth_401.jsonl", Terminal.SYNTHETIC, DeadClass.AUTH, 401, "claude-code"),
    ("claude_server_500.jsonl", Terminal.SYNTHETIC, DeadClass.SERVER, 500, "claude-code"),
    ("claude_overloaded_529.jsonl", Terminal.SYNTHETIC, DeadClass.SERVER, 529, "claude-code"),
    ("claude_healthy.jsonl", Terminal.HEALTHY, DeadClass.NONE, None, "claude-code"),
    ("claude_empty_no_assistant.jsonl", Terminal.EMPTY, DeadClass.NONE, None, "claude-code"),
    ("claude_empty_content.jsonl", Terminal.EMPTY, DeadClass.NONE, None, "claude-code"),
    ("codex_usage_limit.jsonl", Terminal.SYNTHETIC, DeadClass.USAGE_LIMIT, None, "codex"),
    ("codex_rate_limit.jsonl", Terminal.SYNTHETIC, DeadClass.RATE_LIMIT, 429, "codex"),
    ("codex_exec_auth.jsonl", Terminal.SYNTHETIC, DeadClass.AUTH, 401, "codex"),
    ("codex_healthy.jsonl", Terminal.HEALTHY, DeadClass.NONE, None, "codex"),
    ("codex_aborted.jsonl", Terminal.EMPTY, DeadClass.NONE, None, "codex"),
    ("gemini_quota.jsonl", Terminal.SYNTHETIC, DeadClass.USAGE_LIMIT, None, "gemini"),
    ("gemini_rate_limit.jsonl", Terminal.SYNTHETIC, DeadClass.RATE_LIMIT, None, "gemini"),
    ("gemini_legacy_auth.json", Terminal.SYNTHETIC, DeadClass.AUTH, None, "gemini"),
    ("gemini_healthy.jsonl", Terminal.HEALTHY, DeadClass.NONE, None, "gemini"),
]


@pytest.mark.parametrize("name, state, cls, status, host", CASES, ids=[c[0] for c in CASES])
def test_fixture(name: str, state: Terminal, cls: DeadClass, status: int | None, host: str) -> None:
    v = classify_text((FIXTURES / name).read_text())
    assert (v.state, v.klass, v.api_status, v.host) == (state, cls, status, host)
    assert v.dead is (state in (Terminal.SYNTHETIC, Terminal.EMPTY))


def test_a_retry_that_succeeded_after_a_synthetic_error_is_healthy() -> None:
    """Only the last assistant record decides: the host retried and the model answered."""
    text = (FIXTURES / "claude_rate_limit_429.jsonl").read_text() + (FIXTURES / "claude_healthy.jsonl").read_text()
    assert classify_text(text).state == Terminal.HEALTHY


def test_torn_and_foreign_lines_are_skipped_not_deaths() -> None:
    text = (FIXTURES / "claude_healthy.jsonl").read_text() + '{"type":"assistant","message":{"role":"assis'
    assert classify_text(text).state == Terminal.HEALTHY
    assert classify_text("not json at all\n[1,2]\n").state == Terminal.EMPTY


def test_the_dead_envelope_blocks_rendering() -> None:
    v = classify_text((FIXTURES / "claude_rate_limit_429.jsonl").read_text())
    env = v.to_dict()["envelope"]
    assert env == {"do_not_render": True, "blocked": True, "all_clear": False, "verdict": "WEDGE",
                   "reason_class": "RESULT_DEAD_RATE_LIMIT", "state": "SYNTHETIC", "api_status": 429,
                   "reason": v.reason}
    assert v.line().startswith("DEAD SYNTHETIC apiErrorStatus=429 class=RATE_LIMIT — ")


@pytest.mark.parametrize("text, status, code, cls", [
    ("API Error: Server is temporarily limiting requests (not your usage limit) · Rate limited", None, "",
     DeadClass.RATE_LIMIT),
    ("You've hit your session limit · resets 3pm", 429, "rate_limit", DeadClass.USAGE_LIMIT),
    ("You're out of extra usage", None, "", DeadClass.USAGE_LIMIT),
    ("Credit balance is too low", 400, "billing_error", DeadClass.USAGE_LIMIT),
    ("anything", 403, "", DeadClass.USAGE_LIMIT),
    ("Not logged in · Please run /login", None, "", DeadClass.AUTH),
    ("API Error: Stream idle timeout - partial response received", None, "", DeadClass.OTHER),
])
def test_dead_class(text: str, status: int | None, code: str, cls: DeadClass) -> None:
    assert dead_class(text, status, code) == cls


def test_status_in_reads_the_hosts_wordings() -> None:
    assert status_in('API Error: 429 {"type":"error"}') == 429
    assert status_in("exceeded retry limit, last status: 503 Service Unavailable") == 503
    assert status_in("API Error: Rate limit reached") is None and status_in("Error: 200 OK") is None


def test_coverage_counts_unreadable_apart_from_the_dead() -> None:
    v = coverage(5, [(Terminal.HEALTHY, DeadClass.NONE), (Terminal.SYNTHETIC, DeadClass.RATE_LIMIT),
                     (Terminal.UNREADABLE, DeadClass.NONE)])
    d = v.to_dict()
    assert (d["state"], d["healthy"], d["dead"], d["unreadable"], d["unaccounted"]) == ("UNDERFILLED", 1, 1, 1, 2)
    assert d["dead_classes"] == [["RATE_LIMIT", 1]] and d["fraction"] == 0.2 and d["should_caveat"]
    assert d["prompt_line"].startswith("COVERAGE CAVEAT: only 1 of 5")


@pytest.mark.parametrize("declared, healthy, token", [
    (0, 1, Coverage.EMPTY), (2, 3, Coverage.OVERFILLED), (2, 2, Coverage.FULL), (2, 0, Coverage.STARVED),
    (3, 1, Coverage.UNDERFILLED)])
def test_coverage_states(declared: int, healthy: int, token: Coverage) -> None:
    v = coverage(declared, [(Terminal.HEALTHY, DeadClass.NONE)] * healthy)
    assert v.state == token and v.to_dict()["foldable"] is (token != Coverage.STARVED)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-2, max_value=12),
       st.lists(st.sampled_from(list(Terminal.values())), max_size=15), st.floats(0, 1))
def test_coverage_accounts_for_every_declared_worker(declared: int, states: list, quorum: float) -> None:
    v = coverage(declared, [(s, DeadClass.OTHER) for s in states], min_quorum=quorum)
    d = v.to_dict()
    assert d["healthy"] + d["dead"] + d["unreadable"] == len(states)
    if declared > 0 and len(states) <= declared:
        assert d["healthy"] + d["dead"] + d["unreadable"] + d["unaccounted"] == declared
    assert (d["state"] == "FULL") == (declared > 0 and d["healthy"] == declared)
    assert d["quorum_met"] is None or d["quorum_met"] == (d["healthy"] / declared >= quorum)
