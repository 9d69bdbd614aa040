"""``[hooks] posture``: a real hook process on a real payload, under observe, warn, block and gate.

The workspace (``ws``): sess-A holds src, sess-B (agentB) holds docs, and sess-A has claimed
AUTH AUTH1, which git does not back. For each posture: what is allowed, denied, told to the
agent (warned), and recorded in the store.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dos.service.posture import FAULTS, POSTURES, apply
from dos.kernel.enforce import Verdict
from tests.hooks.hookkit import DOS_TOML, FIXTURES, enforce_events, load_fixture, store_of
from tests.hooks.tests_support import hook_env


def set_posture(ws: Path, posture: str, extra: str = "") -> None:
    (ws / "dos.toml").write_text(DOS_TOML + f'\n[hooks]\nposture = "{posture}"\n{extra}')


def hook(ws: Path, verb: str, payload: dict, dialect: str = "claude-code") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dos.hooks", verb, "--dialect", dialect], input=json.dumps(payload),
                          text=True, capture_output=True, cwd=ws, env=hook_env(), timeout=120)


def write(ws: Path, rel: str, session: str = "sess-A") -> dict:
    return {"session_id": session, "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": "Write",
            "tool_input": {"file_path": str(ws / rel), "content": "hi"}}


def bash(ws: Path, command: str, session: str = "sess-A") -> dict:
    return {"session_id": session, "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": "Bash",
            "tool_input": {"command": command}}


def stop(ws: Path, session: str = "sess-A") -> dict:
    return {"session_id": session, "cwd": str(ws), "hook_event_name": "Stop", "stop_hook_active": False}


def enforced(ws: Path, since: int = 0) -> list[tuple[str, str, str]]:
    """(intervention, token, reason) of every ENFORCE event after seq SINCE."""
    return [(e.data["intervention"], e.data["token"], e.reason) for e in enforce_events(ws, since)]


def last_seq(ws: Path) -> int:
    with store_of(ws) as store:
        events = store.events()
    return events[-1].seq if events else 0


def envelope(out: subprocess.CompletedProcess[str]) -> dict:
    return json.loads(out.stdout) if out.stdout.strip() else {}


# --------------------------------------------------------------------------- every posture, one table


@pytest.mark.parametrize("posture", POSTURES)
def test_the_holder_writes_freely_and_nothing_is_recorded_in_any_posture(ws: Path, posture: str) -> None:
    set_posture(ws, posture)
    before = last_seq(ws)
    own = hook(ws, "pretool", write(ws, "src/app.py"))
    assert (own.returncode, own.stdout) == (0, ""), own.stderr
    assert enforced(ws, before) == []


def test_observe_records_what_it_would_deny_and_tells_the_agent_nothing(ws: Path) -> None:
    set_posture(ws, "observe", 'unknown_footprint = "deny"\n')
    before = last_seq(ws)
    foreign = hook(ws, "pretool", write(ws, "docs/guide.md"))
    assert (foreign.returncode, foreign.stdout) == (0, ""), "observe never denies and shows nothing"
    unknown = hook(ws, "pretool", bash(ws, "make release"))
    assert (unknown.returncode, unknown.stdout) == (0, "")
    refused = hook(ws, "stop", stop(ws))
    assert (refused.returncode, refused.stdout) == (0, ""), "observe never refuses a stop"
    got = enforced(ws, before)
    assert [(i, t) for i, t, _ in got] == [("OBSERVE", "COLLISION"), ("OBSERVE", "UNKNOWN_FOOTPRINT"),
                                          ("OBSERVE", "UNVERIFIED_CLAIM")]
    assert all("would deny" in r for _, _, r in got)
    assert "agentB" in got[0][2], "the record keeps who would have blocked the write"


def test_warn_tells_the_agent_and_blocks_nothing(ws: Path) -> None:
    set_posture(ws, "warn", 'unknown_footprint = "deny"\n')
    before = last_seq(ws)
    foreign = hook(ws, "pretool", write(ws, "docs/guide.md"))
    assert foreign.returncode == 0
    told = envelope(foreign)["hookSpecificOutput"]
    assert "permissionDecision" not in told, "a warning, not a deny"
    assert "would deny" in told["additionalContext"] and "agentB" in told["additionalContext"]
    unknown = hook(ws, "pretool", bash(ws, "make release"))
    assert unknown.returncode == 0 and "additionalContext" in envelope(unknown)["hookSpecificOutput"]
    refused = hook(ws, "stop", stop(ws))
    assert (refused.returncode, refused.stdout) == (0, ""), "warn never refuses a stop"
    assert "stop gate is off" in refused.stderr and "AUTH AUTH1" in refused.stderr
    assert [(i, t) for i, t, _ in enforced(ws, before)] == [("WARN", "COLLISION"), ("WARN", "UNKNOWN_FOOTPRINT"),
                                                            ("WARN", "UNVERIFIED_CLAIM")]


def test_block_denies_foreign_writes_but_lets_an_unverified_stop_through(ws: Path) -> None:
    set_posture(ws, "block")
    before = last_seq(ws)
    foreign = hook(ws, "pretool", write(ws, "docs/guide.md"))
    assert foreign.returncode == 2
    assert envelope(foreign)["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "agentB" in envelope(foreign)["hookSpecificOutput"]["permissionDecisionReason"]
    outside = hook(ws, "pretool", write(ws, "../elsewhere.txt"))
    assert outside.returncode == 2 and "outside the workspace" in outside.stdout
    refused = hook(ws, "stop", stop(ws))
    assert (refused.returncode, refused.stdout) == (0, ""), "block has no stop gate"
    assert "stop gate is off" in refused.stderr
    assert [(i, t) for i, t, _ in enforced(ws, before)] == [("DENY", "COLLISION"), ("DENY", "OUTSIDE_WORKSPACE"),
                                                            ("WARN", "UNVERIFIED_CLAIM")]


def test_gate_denies_foreign_writes_and_refuses_an_unverified_done(ws: Path) -> None:
    set_posture(ws, "gate")
    before = last_seq(ws)
    foreign = hook(ws, "pretool", write(ws, "docs/guide.md"))
    assert foreign.returncode == 2
    refused = hook(ws, "stop", stop(ws))
    assert refused.returncode == 2
    assert envelope(refused)["decision"] == "block" and "AUTH AUTH1" in envelope(refused)["reason"]
    other = hook(ws, "stop", stop(ws, "sess-B"))
    assert (other.returncode, other.stdout) == (0, ""), "a session that claimed nothing stops freely"
    assert [(i, t) for i, t, _ in enforced(ws, before)] == [("DENY", "COLLISION"), ("DENY", "UNVERIFIED_CLAIM")]


def test_gate_is_the_default_and_matches_no_posture_at_all(ws: Path) -> None:
    """A dos.toml without the key behaves exactly as the explicit gate posture."""
    plain = [hook(ws, "pretool", write(ws, "docs/guide.md")), hook(ws, "stop", stop(ws))]
    set_posture(ws, "gate")
    gated = [hook(ws, "pretool", write(ws, "docs/guide.md")), hook(ws, "stop", stop(ws))]
    assert [(o.returncode, o.stdout) for o in plain] == [(o.returncode, o.stdout) for o in gated]


def test_a_verified_claim_stops_in_every_posture(ws: Path, repo) -> None:
    repo.commit("AUTH AUTH1: the login form")
    for posture in POSTURES:
        set_posture(ws, posture)
        done = hook(ws, "stop", stop(ws))
        assert (done.returncode, done.stdout) == (0, ""), (posture, done.stderr)
        assert "stop gate is off" not in done.stderr


# --------------------------------------------------------------------------- faults are not judgments


@pytest.mark.parametrize("posture", POSTURES)
def test_an_unreadable_store_still_denies_writes_in_every_posture(ws: Path, posture: str) -> None:
    """No posture turns a store fault into an allow: DOS cannot tell whose lane the write lands in."""
    (ws / "not-a-db").write_text("garbage " * 200)
    (ws / "dos.toml").write_text(DOS_TOML + f'\n[hooks]\nposture = "{posture}"\n\n[store]\npath = "not-a-db"\n')
    for rel in ("src/app.py", "docs/guide.md"):
        got = hook(ws, "pretool", write(ws, rel))
        assert got.returncode == 2, (posture, got.stdout, got.stderr)
        reason = envelope(got)["hookSpecificOutput"]["permissionDecisionReason"]
        assert "cannot read its lease store" in reason and "posture" not in reason


@pytest.mark.parametrize("posture", POSTURES)
def test_a_payload_dos_cannot_read_is_refused_in_every_posture_while_lanes_are_held(ws: Path, posture: str) -> None:
    set_posture(ws, posture)
    got = subprocess.run([sys.executable, "-m", "dos.hooks", "pretool"], input="{not json", text=True,
                         capture_output=True, cwd=ws, env=hook_env(), timeout=120)
    assert got.returncode == 2 and "cannot read this tool call" in got.stdout


@pytest.mark.parametrize("posture", POSTURES)
def test_on_error_deny_still_denies_an_unreadable_hook_command_line(ws: Path, posture: str) -> None:
    """``on_error`` keeps its meaning under every posture (here: a hook command line DOS cannot read)."""
    set_posture(ws, posture, 'on_error = "deny"\n')
    got = subprocess.run([sys.executable, "-m", "dos.hooks", "pretool", "--bogus"], input=json.dumps(write(ws, "x")),
                         text=True, capture_output=True, cwd=ws, env=hook_env(), timeout=120)
    assert got.returncode == 2 and "--bogus" in got.stderr


# --------------------------------------------------------------------------- every host's recorded deny


HOSTS = sorted(p.name for p in FIXTURES.iterdir() if (p / "deny.json").is_file())


@pytest.mark.parametrize("host", HOSTS)
def test_each_hosts_recorded_deny_under_each_posture(ws: Path, host: str) -> None:
    """The host's own deny payload: gate and block give its recorded deny; warn never blocks and differs from
    the deny; observe shows nothing. Every posture records the decision."""
    fx = load_fixture(FIXTURES / host / "deny.json", ws)
    seen = {}
    for posture in POSTURES:
        set_posture(ws, posture)
        before = last_seq(ws)
        got = hook(ws, fx["verb"], fx["payload"], dialect=host)
        seen[posture] = (got.returncode, envelope(got))
        records = enforced(ws, before)
        assert len(records) == 1, (host, posture, records)
        assert records[0][0] == {"observe": "OBSERVE", "warn": "WARN"}.get(posture, "DENY")
    expected = (fx["expect"]["exit"], fx["expect"]["stdout"] or {})
    assert seen["gate"] == seen["block"] == expected
    assert seen["observe"] == (0, {})
    code, told = seen["warn"]
    assert code == 0 and told != expected[1] and "deny" not in json.dumps(told).lower().replace("would deny", "")


# --------------------------------------------------------------------------- the pure rule


def test_apply_never_softens_a_fault_or_touches_an_allow() -> None:
    for token in sorted(FAULTS):
        v = Verdict("deny", token, reason="cannot judge")
        for posture in POSTURES:
            for moment in ("pre", "stop"):
                assert apply(posture, moment, v) == (v, v)
    allow = Verdict("allow", "ALLOW")
    assert all(apply(p, "pre", allow) == (allow, allow) for p in POSTURES)


def test_apply_with_an_unknown_posture_is_as_strict_as_gate() -> None:
    v = Verdict("deny", "COLLISION", reason="x")
    assert apply("nonsense", "pre", v) == (v, v) and apply("nonsense", "stop", v) == (v, v)


def test_observe_keeps_posttool_and_session_start_silent_but_records_the_stall(ws: Path) -> None:
    set_posture(ws, "observe")
    before = last_seq(ws)
    same = {"session_id": "sess-A", "cwd": str(ws), "hook_event_name": "PostToolUse", "tool_name": "Grep",
            "tool_input": {"pattern": "x"}, "tool_response": "nothing"}
    outs = [hook(ws, "posttool", same) for _ in range(3)]
    assert [(o.returncode, o.stdout) for o in outs] == [(0, "")] * 3, "observe tells the agent nothing"
    assert [(i, t) for i, t, _ in enforced(ws, before)] == [("OBSERVE", "REPEATING")]
    start = hook(ws, "session-start", {"session_id": "sess-C", "cwd": str(ws), "hook_event_name": "SessionStart"})
    assert (start.returncode, start.stdout) == (0, "")
    set_posture(ws, "warn")
    told = hook(ws, "session-start", {"session_id": "sess-C", "cwd": str(ws), "hook_event_name": "SessionStart"})
    assert "agentB" in told.stdout, "outside observe the session start names who holds what"
