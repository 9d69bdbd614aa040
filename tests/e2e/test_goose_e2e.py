"""Goose (the real ``goose`` 1.52.0 binary, from npm's ``@aaif/goose-binary-linux-x64``) wired by
``dos init --hooks goose``, against the fake's Chat Completions API.

``goose run -t PROMPT`` is its one-shot mode. Its ``openai`` provider is pointed at the fake through
the environment (``GOOSE_PROVIDER``, ``GOOSE_MODEL``, ``OPENAI_HOST``, a fake ``OPENAI_API_KEY``; no
account, the keyring off), ``GOOSE_MODE=auto`` turns its own approvals off (DOS is the only gate), and
every address but 127.0.0.1 meets a closed port.

Goose loads hooks only from plugins: DOS's installer writes the plugin ``dos``
(``.agents/plugins/dos/hooks/hooks.json``, or ``~/.agents/plugins/dos/...`` for ``--scope user``).
Goose enables a plugin it discovers and records that in ``~/.config/goose/config.yaml``. Its builtin
tools are flat: ``write`` (``path``, ``content``), ``edit`` (``path``, ``before``, ``after``), ``shell``
(``command``), ``tree``. A hook that fails (an exit other than 0 and 2, or exit 0 with stdout that is
neither empty nor a decision) is logged and skipped, never shown: so the tests also read Goose's own
log (``~/.local/state/goose/logs/cli``) for a failed hook.

Each test builds the shared workspace (lanes ``api`` and ``web``, bob holding ``api`` from another
session), runs scripted tool calls, and reads the file system and the tool results Goose sent back
to the model, which must carry DOS's reason.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pytest

from e2ekit import (FAKE_KEY, HOLDER, Host, Run, Workspace, assert_denied_naming, assert_told_outside, call,
                    closed_network, dos, dynamic, git, run_host, say, wire)
from fakemodel import FakeModel, Turn

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"
REFUSED = "git has no commit backing it"  # the stop hook's reason while a claim does not verify
NOT_ON_PATH = "dos-hook is not on PATH"
GOOSE_CAP = "overriding and ending turn"  # Goose's own note when it ends a turn after 8 refused stops


@dataclass(frozen=True)
class Goose(Host):
    """``goose run -t PROMPT`` against the fake's Chat Completions API through its ``openai`` provider."""

    MODEL = "fake-coder"

    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        return call("write", path=str(target), content=content)

    def edit(self, target: Path, before: str, after: str) -> Turn:
        return call("edit", path=str(target), before=before, after=after)

    def shell(self, command: str) -> Turn:
        return call("shell", command=command)

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        return [str(exe), "run", "-t", prompt, *extra]

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        return {"GOOSE_PROVIDER": "openai", "GOOSE_MODEL": self.MODEL, "OPENAI_HOST": fake.url,
                "OPENAI_API_KEY": FAKE_KEY, "GOOSE_DISABLE_KEYRING": "1", "GOOSE_MODE": "auto",
                "GOOSE_TELEMETRY_ENABLED": "false", "NO_COLOR": "1", **closed_network()}

    def config_path(self, ws: Workspace) -> Path:
        return ws.home / ".config" / "goose" / "config.yaml"

    def session_ids(self, ws: Workspace) -> list[str]:
        """The sessions Goose has opened in this HOME (its sessions database, read-only)."""
        db = ws.home / ".local" / "share" / "goose" / "sessions" / "sessions.db"
        if not db.is_file():
            return []
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return sorted(row[0] for row in conn.execute("SELECT id FROM sessions"))

    def hook_log(self, ws: Workspace) -> list[dict[str, Any]]:
        """The fields of every ``goose::hooks`` line in Goose's CLI logs: what it did with each hook."""
        out = []
        for log in sorted((ws.home / ".local" / "state" / "goose" / "logs" / "cli").glob("*/*.log")):
            for line in log.read_text(errors="replace").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict) and entry.get("target") == "goose::hooks":
                    out.append(entry.get("fields") or {})
        return out

    def failed_hooks(self, ws: Workspace) -> list[str]:
        """Goose's log lines for a hook it ran and could not use (failed, timed out, unusable answer)."""
        return [f"{f.get('event')}: {f.get('message')} ({f.get('reason') or f.get('error') or ''})"
                for f in self.hook_log(ws)
                if "fail" in str(f.get("message", "")).lower() or "could not" in str(f.get("message", "")).lower()]

    def failure_noise(self, proc: subprocess.CompletedProcess[str]) -> list[str]:
        """What Goose prints for a hook that failed: a block on failure ("could not complete"), or a
        hook error (a deny says "policy denial, not a transient failure", which is not this)."""
        return [ln for ln in (proc.stdout + proc.stderr).splitlines()
                if "could not complete" in ln or "hook failed" in ln.lower() or "hook_failed" in ln]


GOOSE = Goose("goose", "goose", "openai-chat")


def assert_clean(run: Run) -> None:
    """Goose ended normally and logged no hook it could not use."""
    assert run.proc.returncode == 0, f"goose did not end normally{run.report()}"
    failed = GOOSE.failed_hooks(run.ws)
    assert not failed, f"Goose logged a DOS hook as failed (and skipped it): {failed}{run.report()}"


def test_goose_write_into_held_lane_is_denied_naming_holder(ws: Workspace, goose_cli: Path) -> None:
    """``write api/a.py`` while bob holds api: no file, the tool result names bob, and the run goes on."""
    out = wire(ws, GOOSE)
    assert "PreToolUse" in out and ws.path(".agents/plugins/dos/hooks/hooks.json").is_file(), out
    target = ws.path("api/a.py")
    run = run_host(GOOSE, goose_cli, ws, [GOOSE.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)
    assert "Finished." in run.proc.stdout, f"the deny ended the run{run.report()}"
    assert_clean(run)
    assert any(f.get("message") == "Plugin hook denied tool call" and f.get("plugin") == "dos"
               for f in GOOSE.hook_log(ws)), f"Goose did not log DOS's deny as a policy denial{run.report()}"


def test_goose_edit_and_shell_into_held_lane_are_denied(ws: Workspace, goose_cli: Path) -> None:
    """Goose's ``edit`` (``before`` -> ``after``) on a file in bob's lane and a ``shell`` redirect into it:
    both refused, the file unchanged and the new one never made."""
    wire(ws, GOOSE)
    target, made = ws.path("api/__init__.py"), ws.path("api/x.txt")
    before = target.read_text()
    run = run_host(GOOSE, goose_cli, ws, [GOOSE.edit(target, '"""api package."""', '"""hijacked."""'),
                                          GOOSE.shell("echo hi > api/x.txt"), say("Finished.")])
    assert target.read_text() == before, f"{target} was edited although {HOLDER} holds its lane{run.report()}"
    assert not made.exists(), f"{made} was written by the shell although {HOLDER} holds its lane{run.report()}"
    told = [r for r in run.results() if HOLDER in r["text"] and "DOS" in r["text"]]
    assert len(told) == 2, f"the model was not told DOS's reason for both calls{run.report()}"
    assert_clean(run)


def test_goose_free_lane_write_stands_and_outside_the_workspace_is_refused(ws: Workspace, goose_cli: Path) -> None:
    """In one session: a ``tree`` (a read) runs, a write into the free lane ``web`` lands, and one outside
    the workspace is refused by DOS; a tool DOS cannot read (``apps__list_apps``) is let through with a
    warning. Goose logs none of DOS's answers as a failed hook."""
    wire(ws, GOOSE)
    free, outside = ws.path("web/free.py"), ws.outside / "g.py"
    run = run_host(GOOSE, goose_cli, ws, [call("tree", path=str(ws.root)), call("apps__list_apps"),
                                          GOOSE.write(ws, free, CONTENT), GOOSE.write(ws, outside, CONTENT),
                                          say("Finished.")])
    assert free.exists() and free.read_text() == CONTENT, f"a write into a free lane was refused{run.report()}"
    assert not outside.exists(), f"{outside} (outside the workspace) was written{run.report()}"
    assert_told_outside(run)
    assert run.result_for("web/") is not None, f"the tree read did not reach the model{run.report()}"
    assert_clean(run)


def test_goose_user_scope_install_denies_with_no_dos_on_path(ws: Workspace, goose_cli: Path) -> None:
    """``dos init --hooks goose --scope user`` (the plugin under ~/.agents/plugins, the absolute command)
    denies bob's lane with no DOS on PATH, and writes nothing into the workspace."""
    wire(ws, GOOSE, scope="user")
    assert (ws.home / ".agents" / "plugins" / "dos" / "hooks" / "hooks.json").is_file()
    target = ws.path("api/a.py")
    run = run_host(GOOSE, goose_cli, ws, [GOOSE.write(ws, target, CONTENT), say("Finished.")],
                   dos_hook_on_path=False)
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)
    assert not (ws.root / ".agents").exists(), "user scope wrote the workspace"
    assert_clean(run)


def test_goose_without_dos_hook_on_path_fails_closed(ws: Workspace, goose_cli: Path) -> None:
    """The committed (portable) command with no ``dos-hook`` on PATH exits 2, which Goose reads as a deny:
    every write is refused with the one line naming the fix, and the stop hook does not hold the session."""
    wire(ws, GOOSE, activated=True)
    held, free = ws.path("api/a.py"), ws.path("web/b.py")
    run = run_host(GOOSE, goose_cli, ws, [GOOSE.write(ws, held, CONTENT), GOOSE.write(ws, free, CONTENT),
                                          say("Finished.")], dos_hook_on_path=False)
    assert not held.exists() and not free.exists(), f"a hook that could not run let a write through{run.report()}"
    fix = [r for r in run.results() if NOT_ON_PATH in r["text"]]
    assert len(fix) == 2, f"the model was not told, for each call, the one line naming the fix{run.report()}"
    assert "dos init --hooks goose" in fix[0]["text"], run.report()
    assert run.proc.returncode == 0, f"goose did not end normally (a stop loop?){run.report()}"
    assert len(run.fake.main_requests()) == 3, f"the stop hook held the session open{run.report()}"


def test_goose_a_dos_hook_that_crashes_still_denies(ws: Workspace, goose_cli: Path) -> None:
    """DOS writes ``on_failure: block`` on its PreToolUse handler: were the hook to crash (here its command
    replaced by one that exits 1, as a broken interpreter would), Goose refuses the write instead of letting
    it through; the Stop handler carries no such field, so the session still ends."""
    wire(ws, GOOSE)
    path = ws.path(".agents/plugins/dos/hooks/hooks.json")
    data = json.loads(path.read_text())
    pre = data["hooks"]["PreToolUse"][0]["hooks"][0]
    assert pre.get("on_failure") == "block", data
    assert "on_failure" not in data["hooks"]["Stop"][0]["hooks"][0], data
    pre["command"] = "sh -c 'echo boom >&2; exit 1'"
    path.write_text(json.dumps(data))
    free = ws.path("web/b.py")
    run = run_host(GOOSE, goose_cli, ws, [GOOSE.write(ws, free, CONTENT), say("Finished.")])
    assert not free.exists(), f"a crashed DOS hook let a write through{run.report()}"
    assert run.proc.returncode == 0 and len(run.fake.main_requests()) == 2, run.report()


def test_goose_with_the_plugin_disabled_runs_no_dos_hooks(ws: Workspace, goose_cli: Path) -> None:
    """Goose's own rule, asserted so a change shows: a plugin the user disabled in
    ``~/.config/goose/config.yaml`` (``enabled: false``) runs no hooks, so the write into bob's lane goes
    through, silently."""
    wire(ws, GOOSE)
    config = GOOSE.config_path(ws)
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"plugins:\n  {json.dumps(str(ws.root / '.agents' / 'plugins' / 'dos'))}:\n    enabled: false\n")
    target = ws.path("api/a.py")
    run = run_host(GOOSE, goose_cli, ws, [GOOSE.write(ws, target, CONTENT), say("Finished.")])
    assert target.exists(), f"a disabled plugin's hooks ran (Goose's plugin rule changed){run.report()}"
    assert not any(f.get("message") == "Loaded plugin hooks" for f in GOOSE.hook_log(ws)), run.report()


def test_goose_enables_the_discovered_project_plugin(ws: Workspace, goose_cli: Path) -> None:
    """With no config of the user's, Goose enables the project's plugin ``dos`` on its own (no trust prompt)
    and records it in ``~/.config/goose/config.yaml``."""
    wire(ws, GOOSE)
    run = run_host(GOOSE, goose_cli, ws, [say("Nothing to do.")])
    assert run.proc.returncode == 0, run.report()
    config = GOOSE.config_path(ws).read_text()
    assert str(ws.root / ".agents" / "plugins" / "dos") in config and "enabled: true" in config, config


def test_goose_stop_is_refused_until_dos_verify_agrees(ws: Workspace, goose_cli: Path) -> None:
    """``dos claim`` for the session makes Goose's Stop hook refuse "done"; Goose hands the model DOS's
    reason, the model commits, the claim verifies, and the run ends (refused exactly once).

    The session id is Goose's own (``YYYYMMDD_N``), read from its sessions database when the model is
    first asked: the hook's payload carries the same id, so the claim is the running session's.
    """
    wire(ws, GOOSE)
    seen: dict[str, object] = {}

    def turn(text: str):
        if REFUSED not in text:
            ids = GOOSE.session_ids(ws)
            assert len(ids) == 1, f"expected Goose's one session in {ws.home}, found {ids}"
            seen["session"] = ids[0]
            dos(ws.root, "claim", "AUTH", "AUTH1", "--session", ids[0])
            return say("AUTH1 is shipped.")
        seen["refused"] = seen.get("refused", 0) + 1  # type: ignore[operator]
        if not seen.get("committed"):
            git(ws.root, "commit", "-q", "--allow-empty", "-m", "AUTH1: ship the login")
            seen["committed"] = True
        return say("Committed AUTH1; it verifies now.")

    run = run_host(GOOSE, goose_cli, ws, [dynamic(turn)])
    assert seen.get("refused") == 1, f"the stop was not refused exactly once before the commit: {seen}{run.report()}"
    assert run.proc.returncode == 0, f"goose did not end once the claim verified{run.report()}"
    assert dos(ws.root, "verify", "AUTH", "AUTH1", check=False).returncode == 0
    assert len(run.fake.main_requests()) == 2, f"the stop was refused after the claim verified{run.report()}"
    assert "Committed AUTH1" in run.proc.stdout, f"the model's answer after the refusal was not printed{run.report()}"
    assert_clean(run)


def test_goose_stop_refusals_end_at_dos_cap_not_goose_cap(ws: Workspace, goose_cli: Path) -> None:
    """A claim that never verifies: DOS refuses the stop ``stop_block_cap`` (3) times in a row and then lets
    the session end. Goose's Stop payload carries no retry flag, so DOS counts every stop; Goose's own
    guard (8 refusals) is never what ends it."""
    wire(ws, GOOSE)
    seen: dict[str, int] = {"refused": 0}

    def turn(text: str):
        if REFUSED not in text:
            dos(ws.root, "claim", "AUTH", "AUTH1", "--session", GOOSE.session_ids(ws)[0])
            return say("AUTH1 is shipped.")
        seen["refused"] += 1
        return say("Still shipping AUTH1.")

    run = run_host(GOOSE, goose_cli, ws, [dynamic(turn)])
    assert run.proc.returncode == 0, run.report()
    assert seen["refused"] == 3, f"DOS did not let the session go after 3 refusals: {seen}{run.report()}"
    assert GOOSE_CAP not in run.proc.stdout, f"Goose's own loop guard ended the turn, not DOS{run.report()}"
    assert dos(ws.root, "verify", "AUTH", "AUTH1", check=False).returncode != 0
    assert_clean(run)


def test_goose_stop_without_a_claim_ends_at_once(ws: Workspace, goose_cli: Path) -> None:
    """No claim for the session: the Stop hook lets the turn end on the first answer (one model request)."""
    wire(ws, GOOSE)
    run = run_host(GOOSE, goose_cli, ws, [say("Nothing to do.")])
    assert run.proc.returncode == 0 and "Nothing to do." in run.proc.stdout, run.report()
    assert len(run.fake.main_requests()) == 1, f"the stop hook re-prompted a session with no claim{run.report()}"
    assert not any(REFUSED in json.dumps(r.body) for r in run.fake.main_requests()), run.report()
    assert_clean(run)
