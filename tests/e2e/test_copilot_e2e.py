"""GitHub Copilot CLI (the real ``copilot``) wired by ``dos init --hooks copilot``, in offline BYOK mode.

``copilot -p "<prompt>" --allow-all-tools --allow-all-paths`` runs one-shot with Copilot's own
approvals off, so DOS is the only gate. ``COPILOT_PROVIDER_BASE_URL`` points it at the fake's
Chat Completions endpoint and ``COPILOT_OFFLINE=true`` turns off GitHub sign-in, telemetry, web
tools and the update check: no GitHub account is involved. The user's ``config.json`` trusts the
workspace, as the interactive folder-trust answer saves it. DOS's installer writes
``.github/hooks/dos.json`` with the portable command, so the agent's PATH gets the pipx-like
directory holding only ``dos-hook``.

Each test builds the shared workspace (lanes ``api`` and ``web``, bob holding ``api`` from
another session), runs a scripted ``create`` call, and reads the file system and the tool result
Copilot sent back to the model, which must carry DOS's reason.

The stop gate: Copilot CLI 1.0.102 runs the ``Stop`` handlers headless too (as its ``agentStop``, with a
Claude-shaped payload: ``hook_event_name``, ``session_id`` = ``--session-id``, ``stop_hook_active`` true on each
re-entry after a block). ``{"decision": "block", "reason": ...}`` on stdout, exit 0, keeps the session going:
the reason is queued as the next user message. Copilot's own cap is 8 blocks in a row; DOS's (3) comes first.
Each hook run is recorded in ``$COPILOT_HOME/session-state/<session>/events.jsonl`` (``hook.start`` and
``hook.end`` with the handler's output), which the stop tests read.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from e2ekit import (COPILOT, HOLDER, REFUSED, Run, Workspace, assert_denied_naming, assert_told_outside,
                    claim_then_commit, dos, run_host, say, wire)

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"


def test_copilot_write_into_held_lane_is_denied_naming_holder(ws: Workspace, copilot_cli: Path) -> None:
    """``create api/a.py`` while bob holds api: no file, and the tool result names bob."""
    out = wire(ws, COPILOT)
    wired = json.loads((ws.root / ".github" / "hooks" / "dos.json").read_text())
    assert "preToolUse" in wired["hooks"] or "PreToolUse" in wired["hooks"], out
    target = ws.path("api/a.py")
    run = run_host(COPILOT, copilot_cli, ws, [COPILOT.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)


def test_copilot_holder_writes_its_own_lane_and_not_bobs(ws: Workspace, copilot_cli: Path) -> None:
    """The Copilot session that holds web (``--session-id`` = the lease's session) writes web/own.py; in the
    same session bob's api stays closed. The hook reads the session from Copilot's payload."""
    session = str(uuid.uuid4())
    dos(ws.root, "lease-lane", "acquire", "--lane", "web", "--owner", "carol", "--session", session,
        "--ttl-seconds", "3600")
    wire(ws, COPILOT)
    own, theirs = ws.path("web/own.py"), ws.path("api/a.py")
    script = [COPILOT.write(ws, own, CONTENT), COPILOT.write(ws, theirs, CONTENT), say("Finished.")]
    run = run_host(COPILOT, copilot_cli, ws, script, extra_args=["--session-id", session])
    assert own.exists() and own.read_text() == CONTENT, f"the holder's own write was refused{run.report()}"
    assert not theirs.exists(), f"{theirs} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)
    other = run_host(COPILOT, copilot_cli, ws, [COPILOT.write(ws, ws.path("web/x.py"), CONTENT), say("Finished.")])
    assert not ws.path("web/x.py").exists(), f"another Copilot session wrote into carol's lane{other.report()}"
    assert_denied_naming(other, "carol")


def test_copilot_write_outside_workspace_is_refused(ws: Workspace, copilot_cli: Path) -> None:
    """A write outside the workspace (``--allow-all-paths`` lets Copilot itself allow it) is refused by DOS."""
    wire(ws, COPILOT)
    target = ws.outside / "c.py"
    run = run_host(COPILOT, copilot_cli, ws, [COPILOT.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} (outside the workspace) was written{run.report()}"
    assert_told_outside(run)


def test_copilot_runs_project_hooks_only_in_a_trusted_folder_and_user_scope_always(ws: Workspace,
                                                                                   copilot_cli: Path) -> None:
    """Copilot CLI 1.0.102 skips a repository's ``.github/hooks`` until the folder is trusted (the write goes
    through, silently), which ``dos init`` says in its note; ``--scope user`` (``$COPILOT_HOME/hooks/dos.json``,
    the absolute command) denies in the same untrusted folder with no DOS on PATH."""
    out = wire(ws, COPILOT)
    assert "trusted" in out, f"dos init did not say Copilot needs the folder trusted:\n{out}"
    target = ws.path("api/a.py")
    untrusted = run_host(COPILOT, copilot_cli, ws, [COPILOT.write(ws, target, CONTENT), say("Finished.")],
                         trust_project=False)
    assert target.exists(), ("Copilot ran the project's hooks in an untrusted folder: the finding changed, "
                             f"update docs/hosts.md{untrusted.report()}")
    target.unlink()
    wire(ws, COPILOT, scope="user")
    run = run_host(COPILOT, copilot_cli, ws, [COPILOT.write(ws, target, CONTENT), say("Finished.")],
                   trust_project=False, dos_hook_on_path=False)
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)


def stop_hooks(run: Run, session: str, kind: str = "hook.end") -> list[dict]:
    """What Copilot recorded in SESSION's own events file of each stop hook it ran, oldest first: the
    ``hook.end`` data (success, the handler's output) or, with KIND ``hook.start``, the payload it sent."""
    path = COPILOT.home(run.ws) / "session-state" / session / "events.jsonl"
    assert path.exists(), f"Copilot kept no events file for session {session}{run.report()}"
    events = [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]
    found = [e["data"] for e in events if e.get("type") == kind and e["data"].get("hookType") == "agentStop"]
    return [d["input"] for d in found] if kind == "hook.start" else found


def refusals_sent(run: Run) -> list[str]:
    """The user messages the model was sent that carry DOS's stop refusal (in the last request)."""
    last = run.fake.main_requests()[-1].body
    return [m["content"] for m in last.get("messages", []) if m.get("role") == "user"
            and isinstance(m.get("content"), str) and REFUSED in m["content"]]


def test_copilot_stop_is_refused_until_dos_verify_agrees(ws: Workspace, copilot_cli: Path) -> None:
    """``dos claim`` for the session makes Copilot's Stop hook refuse "done" until a commit stamps the phase:
    Copilot queues DOS's reason as the next user message, the model commits, and once the claim verifies the
    session ends. The session is fixed with ``--session-id``, which is the ``session_id`` the hook sees."""
    wire(ws, COPILOT)
    session = str(uuid.uuid4())
    seen: dict[str, object] = {}
    run = run_host(COPILOT, copilot_cli, ws, [claim_then_commit(ws, seen, session)],
                   extra_args=["--session-id", session])
    assert seen.get("refused") == 1, f"the stop was not refused exactly once before the commit: {seen}{run.report()}"
    assert run.proc.returncode == 0, f"copilot did not end once the claim verified{run.report()}"
    assert dos(ws.root, "verify", "AUTH", "AUTH1", check=False).returncode == 0
    assert len(run.fake.main_requests()) == 2, f"the stop was refused after the claim verified{run.report()}"
    assert len(refusals_sent(run)) == 1, f"DOS's reason did not reach the model as a user message{run.report()}"
    ends = stop_hooks(run, session)
    assert [e.get("output", {}).get("decision") for e in ends] == ["block", None], f"{ends}{run.report()}"
    assert [i.get("stop_hook_active") for i in stop_hooks(run, session, "hook.start")] == [False, True], run.report()
    assert "Committed AUTH1" in run.proc.stdout, f"the model's answer after the refusal was not printed{run.report()}"


def test_copilot_stop_that_never_verifies_is_let_go_after_dos_cap(ws: Workspace, copilot_cli: Path) -> None:
    """Never a loop: a model that keeps saying "shipped" without a commit is refused stop_block_cap (3) times,
    Copilot marking each re-entry ``stop_hook_active``; then DOS lets the session stop, well before Copilot's
    own cap (8 blocks in a row)."""
    wire(ws, COPILOT)
    session = str(uuid.uuid4())
    dos(ws.root, "claim", "AUTH", "AUTH1", "--session", session)
    run = run_host(COPILOT, copilot_cli, ws, [say("AUTH1 is shipped.")], extra_args=["--session-id", session])
    assert run.proc.returncode == 0, f"copilot did not end after the refusals{run.report()}"
    requests = run.fake.main_requests()
    assert len(requests) == 4, f"expected the first answer and 3 refused stops, got {len(requests)}{run.report()}"
    assert len(refusals_sent(run)) == 3, run.report()
    ends = stop_hooks(run, session)
    assert [e.get("output", {}).get("decision") for e in ends] == ["block"] * 3 + [None], f"{ends}{run.report()}"
    assert dos(ws.root, "verify", "AUTH", "AUTH1", check=False).returncode != 0


def test_copilot_stop_without_a_claim_ends_at_once(ws: Workspace, copilot_cli: Path) -> None:
    """No claim for the session: DOS's Stop hook runs and lets the turn end on the first answer."""
    wire(ws, COPILOT)
    session = str(uuid.uuid4())
    run = run_host(COPILOT, copilot_cli, ws, [say("Nothing to do.")], extra_args=["--session-id", session])
    assert run.proc.returncode == 0 and "Nothing to do." in run.proc.stdout, run.report()
    assert len(run.fake.main_requests()) == 1, f"the stop hook re-prompted a session with no claim{run.report()}"
    ends = stop_hooks(run, session)
    assert len(ends) == 1 and ends[0].get("success") is True and "output" not in ends[0], \
        f"Copilot did not run DOS's Stop hook once, answering nothing: {ends}{run.report()}"
