"""The OpenHands CLI (the real ``openhands`` 1.16.0 from PyPI) wired by ``dos init --hooks openhands``, against
the fake's Chat Completions API.

``openhands --headless --json -t "<prompt>"`` is its one-shot mode: headless turns its own confirmations
off (every action is approved: DOS is the only gate) and ``--json`` streams its events as JSON lines.
``--override-with-envs`` makes it build the agent from ``LLM_MODEL`` (LiteLLM's ``openai/<model>``),
``LLM_BASE_URL`` (the fake) and ``LLM_API_KEY`` (a fake key): no account, no login, no settings file.
Every address but 127.0.0.1 meets a closed port (its public-skills clone and LiteLLM's price list among
them), and LiteLLM reads its bundled price list.

OpenHands reads ONE hooks file: ``<working dir>/.openhands/hooks.json`` if it exists, else
``~/.openhands/hooks.json``. Its payload is ``{"event_type", "tool_name", "tool_input", "session_id",
"working_dir", ...}``, where ``tool_input`` is the whole action (``file_editor``: ``command``, ``path``,
``file_text``, ``old_str``, ``new_str``, ... and ``kind``); exit 2 (or ``"decision": "deny"``) blocks, and
the model gets ``Action rejected: <reason>`` as the tool result. A refused ``Stop`` re-prompts the model
with ``[Stop hook feedback] <reason>``.

Each test builds the shared workspace (lanes ``api`` and ``web``, bob holding ``api`` from another
session), runs scripted ``file_editor`` calls, and reads the file system, the tool results OpenHands sent
back to the model, and the hook executions it reports in its JSON events.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path
from typing import Any, Sequence

import pytest

from e2ekit import (FAKE_KEY, HOLDER, REFUSED, Host, Run, Workspace, assert_denied_naming, assert_told_outside, call,
                    claim_then_commit, closed_network, dos, dynamic, run_host, say, wire)
from fakemodel import FakeModel, Turn

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"
FEEDBACK = "[Stop hook feedback]"  # how OpenHands hands a refused stop's reason to the model
NOT_ON_PATH = "dos-hook is not on PATH"
STOP_CAP = 3  # [hooks] stop_block_cap's default


class OpenHands(Host):
    """The OpenHands CLI, headless, its agent built from the ``LLM_*`` variables (``--override-with-envs``)."""

    MODEL = "openai/fake-coder"  # LiteLLM's OpenAI-compatible route: Chat Completions at LLM_BASE_URL

    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        # security_risk: OpenHands' tools require the model to rate each call (LOW needs no confirmation anyway).
        return call("file_editor", command="create", path=str(target), file_text=content, security_risk="LOW")

    def edit(self, target: Path, old: str, new: str) -> Turn:
        return call("file_editor", command="str_replace", path=str(target), old_str=old, new_str=new,
                    security_risk="LOW")

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        return [str(exe), "--headless", "--json", "--override-with-envs", *extra, "-t", prompt]

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        return {"LLM_MODEL": self.MODEL, "LLM_BASE_URL": fake.openai_url, "LLM_API_KEY": FAKE_KEY,
                "OPENHANDS_SUPPRESS_BANNER": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_COLOR": "1",
                **closed_network()}

    @staticmethod
    def hook_runs(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
        """Every ``HookExecutionEvent`` OpenHands streamed (``--json``): which hook ran, its exit code, its verdict."""
        runs = []
        for line in proc.stdout.splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("kind") == "HookExecutionEvent":
                runs.append(event)
        return runs

    def failure_noise(self, proc: subprocess.CompletedProcess[str]) -> list[str]:
        """A hook OpenHands reports as failed (an error, or a non-zero exit that is not a block), or a log line
        saying so. A deny is ``blocked`` with exit 2, which is not this."""
        noise = [f"{r['hook_event_type']}: exit {r['exit_code']} error={r['error']!r} stderr={r['stderr'][-200:]!r}"
                 for r in self.hook_runs(proc) if r.get("error") or (r.get("exit_code") and not r.get("blocked"))]
        for line in (proc.stdout + proc.stderr).splitlines():
            if line.lstrip().startswith("{"):
                continue  # the JSON events, read above
            low = line.lower()
            if "hook" in low and ("error" in low or "fail" in low):
                noise.append(line)
        return noise


OPENHANDS = OpenHands("openhands", "openhands", "openai-chat")


def blocked_pretool(run: Run) -> list[dict[str, Any]]:
    return [r for r in OPENHANDS.hook_runs(run.proc) if r["hook_event_type"] == "PreToolUse" and r["blocked"]]


def test_openhands_write_into_held_lane_is_denied_naming_holder(ws: Workspace, openhands_cli: Path) -> None:
    """``file_editor create api/a.py`` while bob holds api: no file, the tool result names bob, the run goes on."""
    out = wire(ws, OPENHANDS)
    assert "PreToolUse" in out and (ws.root / ".openhands" / "hooks.json").is_file(), out
    target = ws.path("api/a.py")
    run = run_host(OPENHANDS, openhands_cli, ws, [OPENHANDS.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)
    told = run.result_for(HOLDER)
    assert told is not None and told["text"].startswith("Action rejected: DOS:"), run.report()
    blocks = blocked_pretool(run)
    assert len(blocks) == 1 and blocks[0]["exit_code"] == 2 and HOLDER in (blocks[0]["reason"] or ""), \
        f"OpenHands did not report DOS's PreToolUse hook as the block{run.report()}"
    assert any(r["hook_event_type"] == "Stop" for r in OPENHANDS.hook_runs(run.proc)), run.report()
    assert "Finished." in run.proc.stdout, f"the deny ended the run{run.report()}"


def test_openhands_str_replace_into_held_lane_is_denied(ws: Workspace, openhands_cli: Path) -> None:
    """``file_editor str_replace`` (its payload carries ``file_text: null``) on a file in bob's lane: unchanged;
    a ``view`` of the same file (a read) is let through."""
    wire(ws, OPENHANDS)
    target = ws.path("api/__init__.py")
    before = target.read_text()
    view = call("file_editor", command="view", path=str(target), security_risk="LOW")
    run = run_host(OPENHANDS, openhands_cli, ws, [view, OPENHANDS.edit(target, '"""api package."""', '"""hijacked."""'),
                                                  say("Finished.")])
    assert target.read_text() == before, f"{target} was edited although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)
    assert run.result_for("api package") is not None, f"the view (a read) was refused{run.report()}"
    assert len(blocked_pretool(run)) == 1, f"not exactly the edit was blocked{run.report()}"


def test_openhands_free_lane_write_stands_and_outside_the_workspace_is_refused(ws: Workspace,
                                                                               openhands_cli: Path) -> None:
    """In one session: a write into the free lane ``web`` lands; one outside the workspace is refused by DOS."""
    wire(ws, OPENHANDS)
    free, outside = ws.path("web/free.py"), ws.outside / "h.py"
    run = run_host(OPENHANDS, openhands_cli, ws, [OPENHANDS.write(ws, free, CONTENT),
                                                  OPENHANDS.write(ws, outside, CONTENT), say("Finished.")])
    assert free.exists() and free.read_text() == CONTENT, f"a write into a free lane was refused{run.report()}"
    assert not outside.exists(), f"{outside} (outside the workspace) was written{run.report()}"
    assert_told_outside(run)
    assert not OPENHANDS.failure_noise(run.proc), run.report()
    assert run.proc.returncode == 0, run.report()


def test_openhands_user_scope_install_denies_with_no_dos_on_path(ws: Workspace, openhands_cli: Path) -> None:
    """``dos init --hooks openhands --scope user`` (the absolute command in ~/.openhands/hooks.json) denies bob's
    lane with no DOS on PATH, and writes nothing into the workspace."""
    out = wire(ws, OPENHANDS, scope="user")
    assert (ws.home / ".openhands" / "hooks.json").is_file(), out
    target = ws.path("api/a.py")
    run = run_host(OPENHANDS, openhands_cli, ws, [OPENHANDS.write(ws, target, CONTENT), say("Finished.")],
                   dos_hook_on_path=False)
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)
    assert not (ws.root / ".openhands").exists(), "user scope wrote the workspace"


def test_openhands_without_dos_hook_on_path_fails_closed(ws: Workspace, openhands_cli: Path) -> None:
    """The committed (portable) command with no ``dos-hook`` on PATH: every write is refused with the one line
    naming the fix (never a 127 that lets it through), and the stop hook lets the session end."""
    wire(ws, OPENHANDS, activated=True)
    held, free = ws.path("api/a.py"), ws.path("web/b.py")
    script = [OPENHANDS.write(ws, held, CONTENT), OPENHANDS.write(ws, free, CONTENT), say("Finished.")]
    run = run_host(OPENHANDS, openhands_cli, ws, script, dos_hook_on_path=False)
    assert not held.exists() and not free.exists(), f"a hook that could not run let a write through{run.report()}"
    fix = [r for r in run.results() if NOT_ON_PATH in r["text"]]
    assert len(fix) >= 2, f"the model was not told, for each call, the one line naming the fix{run.report()}"
    assert "dos init --hooks openhands" in fix[0]["text"] and "127" not in fix[0]["text"], run.report()
    assert run.proc.returncode == 0, f"openhands did not end normally (a stop loop?){run.report()}"
    assert len(run.fake.main_requests()) <= 4, f"the stop hook held the session open{run.report()}"


def test_openhands_stop_is_refused_until_dos_verify_agrees(ws: Workspace, openhands_cli: Path) -> None:
    """``dos claim`` for the session makes OpenHands' Stop hook refuse "done" until a commit stamps the phase;
    OpenHands re-prompts the model with DOS's reason, and once the claim verifies the session ends.

    The session is fixed with ``--resume <new uuid>``: OpenHands starts a conversation under an id it has
    not seen, and that id is the hook payload's ``session_id``. OpenHands 1.16.0 runs SessionStart hooks
    but drops what they print, so DOS's session-start context never reaches the model; that is asserted too.
    """
    wire(ws, OPENHANDS)
    session = str(uuid.uuid4())
    seen: dict[str, Any] = {}

    def observe(text: str) -> None:
        seen.setdefault("context", "DOS referees this repository" in text)
        if REFUSED in text:
            seen["feedback"] = FEEDBACK in text

    run = run_host(OPENHANDS, openhands_cli, ws, [claim_then_commit(ws, seen, session, observe)],
                   extra_args=["--resume", session])
    assert seen.get("refused") == 1, f"the stop was not refused exactly once before the commit: {seen}{run.report()}"
    assert seen.get("feedback"), f"the refusal did not come back as OpenHands' stop-hook feedback{run.report()}"
    assert run.proc.returncode == 0, f"openhands did not end once the claim verified{run.report()}"
    assert dos(ws.root, "verify", "AUTH", "AUTH1", check=False).returncode == 0
    assert len(run.fake.main_requests()) <= 3, f"the stop was refused after the claim verified{run.report()}"
    stops = [r for r in OPENHANDS.hook_runs(run.proc) if r["hook_event_type"] == "Stop"]
    assert [s["blocked"] for s in stops] == [True, False], f"stop hooks: {stops}{run.report()}"
    assert not OPENHANDS.failure_noise(run.proc), run.report()
    assert seen.get("context") is False, ("DOS's session-start context reached the model: OpenHands now delivers "
                                          f"SessionStart output (the finding changed){run.report()}")


def test_openhands_stop_never_traps_the_session(ws: Workspace, openhands_cli: Path) -> None:
    """A claim that never verifies: DOS refuses the stop at most ``stop_block_cap`` times in a row, then lets the
    session end. OpenHands sends no retry flag (``stop_hook_active``) and has no loop guard of its own: it
    re-prompts the model on every refused stop, so the cap must count every stop."""
    wire(ws, OPENHANDS)
    session = str(uuid.uuid4())
    seen: dict[str, int] = {"refused": 0}

    def turn(text: str) -> Turn:
        if REFUSED not in text:
            dos(ws.root, "claim", "AUTH", "AUTH1", "--session", session)
        else:
            seen["refused"] += 1
        return say("AUTH1 is done.")

    run = run_host(OPENHANDS, openhands_cli, ws, [dynamic(turn)], extra_args=["--resume", session])
    stops = [r for r in OPENHANDS.hook_runs(run.proc) if r["hook_event_type"] == "Stop"]
    assert [s["blocked"] for s in stops] == [True] * STOP_CAP + [False], \
        f"the stop was not refused exactly {STOP_CAP} times, then let through: {len(stops)} stop(s){run.report()}"
    assert seen["refused"] == STOP_CAP, f"{seen}{run.report()}"
    assert run.proc.returncode == 0, f"openhands did not end (a stop loop?){run.report()}"
    assert len(run.fake.main_requests()) == STOP_CAP + 1, run.report()
    assert dos(ws.root, "verify", "AUTH", "AUTH1", check=False).returncode != 0  # it was let go, not verified


def test_openhands_started_in_a_subdirectory_reads_only_the_users_hooks(ws: Workspace, openhands_cli: Path) -> None:
    """OpenHands looks for ``.openhands/hooks.json`` only in the directory it starts in (then ``~/.openhands``):
    started in ``web/``, the project's wiring is not read at all and a write into bob's lane lands. The user
    scope is read from anywhere, and denies. ``dos init`` says so in its note."""
    out = wire(ws, OPENHANDS)
    assert "starts in" in out and "--scope user" in out, f"dos init did not note where OpenHands looks: {out}"
    target = ws.path("api/a.py")
    run = run_host(OPENHANDS, openhands_cli, ws, [OPENHANDS.write(ws, target, CONTENT), say("Finished.")],
                   cwd=ws.root / "web")
    assert target.exists() and not OPENHANDS.hook_runs(run.proc), \
        f"OpenHands ran the project's hooks from a subdirectory: it now searches upward (the finding changed){run.report()}"
    target.unlink()
    wire(ws, OPENHANDS, scope="user")
    run = run_host(OPENHANDS, openhands_cli, ws, [OPENHANDS.write(ws, target, CONTENT), say("Finished.")],
                   cwd=ws.root / "web")
    assert not target.exists(), f"{target} was written from web/ with DOS wired for the user{run.report()}"
    assert_denied_naming(run)
