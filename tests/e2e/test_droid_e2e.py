"""Factory Droid (the real ``droid`` CLI) wired by ``dos init --hooks factory``, against the fake's Chat Completions API.

``droid exec --skip-permissions-unsafe`` runs one-shot with Droid's own autonomy gate off, so DOS
is the only gate. The model is a BYOK custom model (``customModels`` in ``~/.factory/settings.json``,
provider ``generic-chat-completion-api``, ``baseUrl`` at the fake): no Factory account. DOS's
installer writes the hooks into ``.factory/settings.json`` (Droid 0.215.0 ignores a ``hooks``
object inside ``.factory/hooks.json``, which DOS used to write) with the portable command, so the
agent's PATH gets the pipx-like directory holding only ``dos-hook``. Droid 0.215.0 runs a
project's hooks in ``exec`` mode without a folder-trust step.

Each test builds the shared workspace (lanes ``api`` and ``web``, bob holding ``api`` from
another session), runs a scripted ``Create`` call, and reads the file system and the tool result
Droid sent back to the model, which must carry DOS's reason.

The stop gate holds too: Droid 0.215.0 fires ``Stop`` in ``exec`` mode with ``session_id`` and
``stop_hook_active`` (false on the first stop of a turn, true on each stop after a hook held it), reads
``decision: block`` from the hook's JSON (whatever its exit code) and sends the ``reason`` to the model
as the next user message. Its ``SessionStart`` context reaches the model headless too, and names the
session, which is how the stop tests learn the id they claim for.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from e2ekit import (DROID, HOLDER, REFUSED, Run, Workspace, assert_denied_naming, assert_told_outside,
                    claim_then_commit, dos, dynamic, json_field, run_host, say, wire)

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"


def test_droid_write_into_held_lane_is_denied_naming_holder(ws: Workspace, droid_cli: Path) -> None:
    """``Create api/a.py`` while bob holds api: no file, and the tool result names bob."""
    out = wire(ws, DROID)
    wired = json.loads((ws.root / ".factory" / "settings.json").read_text())
    assert "PreToolUse" in wired["hooks"], out
    assert not (ws.root / ".factory" / "hooks.json").exists(), "DOS wrote the hooks.json Droid does not read"
    target = ws.path("api/a.py")
    run = run_host(DROID, droid_cli, ws, [DROID.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)


def test_droid_holder_writes_its_own_lane_and_not_bobs(ws: Workspace, droid_cli: Path) -> None:
    """The Droid session that holds web writes web/own.py, and in the same session bob's api stays closed.

    ``droid exec`` can neither choose a new session's id nor resume one offline (``--session-id``
    fetches the session from Factory's service), so the lease is taken during the run: at the
    model's first turn the session's id is read from the transcript Droid keeps under
    ``~/.factory/sessions/`` and carol takes web for it. The hook reads the session from Droid's payload.
    """
    wire(ws, DROID)
    own, theirs = ws.path("web/own.py"), ws.path("api/a.py")
    sessions: list[str] = []

    def take_web_then_write(_request: str):
        found = sorted((ws.home / ".factory" / "sessions").glob("*/*.jsonl"))
        assert len(found) == 1, f"expected one Droid session transcript, found {found}"
        sessions.append(found[0].stem)
        dos(ws.root, "lease-lane", "acquire", "--lane", "web", "--owner", "carol", "--session", found[0].stem,
            "--ttl-seconds", "3600")
        return DROID.write(ws, own, CONTENT)

    script = [dynamic(take_web_then_write), DROID.write(ws, theirs, CONTENT), say("Finished.")]
    run = run_host(DROID, droid_cli, ws, script, extra_args=["-o", "json"])
    assert sessions and json_field(run, "session_id") == sessions[0], \
        f"the transcript read was not this run's session {sessions}{run.report()}"
    assert own.exists() and own.read_text() == CONTENT, f"the holder's own write was refused{run.report()}"
    assert not theirs.exists(), f"{theirs} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)


def test_droid_write_outside_workspace_is_refused(ws: Workspace, droid_cli: Path) -> None:
    """A write outside the workspace (Droid's own gate off) is refused by DOS, and the model is told why."""
    wire(ws, DROID)
    target = ws.outside / "c.py"
    run = run_host(DROID, droid_cli, ws, [DROID.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} (outside the workspace) was written{run.report()}"
    assert_told_outside(run)


CONTEXT = "DOS referees this repository"


def _context_session(text: str) -> str:
    """The session id DOS's session-start context names (its ``dos lease-lane acquire ... --session ID`` line)."""
    found = re.search(r"--session ([0-9a-f-]{36})", text)
    return found.group(1) if found else ""


def _refusals(run: Run) -> int:
    """How many of DOS's stop refusals Droid sent the model as user messages (read from the last request)."""
    last = run.fake.main_requests()[-1].body
    return sum(1 for m in last.get("messages", []) if m.get("role") == "user" and REFUSED in json.dumps(m))


def test_droid_stop_is_refused_until_dos_verify_agrees(ws: Workspace, droid_cli: Path) -> None:
    """``dos claim`` for the session makes Droid's Stop hook refuse "done" until a commit stamps the phase;
    Droid re-prompts the model with DOS's reason, and once the claim verifies the session ends.

    The session id is the one DOS's session-start context hands the model (Droid delivers it in
    ``exec`` mode), checked against the id Droid reports in its JSON result.
    """
    wire(ws, DROID)
    seen: dict[str, object] = {}

    def observe(text: str) -> None:
        if "context" not in seen:
            seen["context"] = _context_session(text) if CONTEXT in text else ""

    run = run_host(DROID, droid_cli, ws, [claim_then_commit(ws, seen, lambda: str(seen["context"]), observe)],
                   extra_args=["-o", "json"])
    assert seen.get("context"), f"DOS's session-start context, naming the session, did not reach the model{run.report()}"
    assert json_field(run, "session_id") == seen["session"], \
        f"the session DOS's context named is not the one Droid ran: {seen}{run.report()}"
    assert seen.get("refused") == 1, f"the stop was not refused exactly once before the commit: {seen}{run.report()}"
    assert run.proc.returncode == 0, f"droid did not end once the claim verified{run.report()}"
    assert dos(ws.root, "verify", "AUTH", "AUTH1", check=False).returncode == 0
    assert len(run.fake.main_requests()) == 2, f"the stop was refused after the claim verified{run.report()}"
    assert json_field(run, "subtype") == "success", run.report()


def test_droid_unverified_claim_is_let_go_after_the_cap(ws: Workspace, droid_cli: Path) -> None:
    """A claim that never verifies is refused ``stop_block_cap`` (3) times in a row, each refusal reaching the
    model, and then DOS lets the session end: Droid's ``stop_hook_active`` retries count against the cap."""
    wire(ws, DROID)
    answers: list[str] = []

    def claim_and_insist(text: str):
        if not answers:
            dos(ws.root, "claim", "AUTH", "AUTH1", "--session", _context_session(text))
        answers.append(text)
        return say("AUTH1 is shipped.")

    run = run_host(DROID, droid_cli, ws, [dynamic(claim_and_insist)], extra_args=["-o", "json"])
    assert run.proc.returncode == 0, f"droid did not end after DOS's cap (a stop loop?){run.report()}"
    assert _refusals(run) == 3, f"the model was not told DOS's refusal exactly stop_block_cap times{run.report()}"
    assert len(run.fake.main_requests()) == 4, f"the session did not end at the answer after the cap{run.report()}"
    assert dos(ws.root, "verify", "AUTH", "AUTH1", check=False).returncode != 0, "the claim verified after all"


def test_droid_without_a_claim_ends_at_the_first_answer(ws: Workspace, droid_cli: Path) -> None:
    """A session with no claim of its own stops at its first answer, although another session (bob's) holds
    an unverified claim: DOS keys the stop gate on the ``session_id`` Droid sends."""
    wire(ws, DROID)
    dos(ws.root, "claim", "AUTH", "AUTH1", "--session", "other")
    run = run_host(DROID, droid_cli, ws, [say("Finished.")], extra_args=["-o", "json"])
    assert run.proc.returncode == 0, run.report()
    assert len(run.fake.main_requests()) == 1, f"a stop with no claim of its own was held{run.report()}"
    assert _refusals(run) == 0, run.report()
    assert json_field(run, "result") == "Finished.", run.report()
