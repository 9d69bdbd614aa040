"""Continue CLI (the real ``cn`` from npm, ``@continuedev/cli``) wired by ``dos init --hooks continue``,
``dos init --mcp continue-cli`` and ``dos init --mcp continue``, against the fake's Chat Completions API.

The MCP test is a real one: ``cn`` takes MCP servers only from the ``mcpServers`` list of its own
config (``--config`` / ``$CONTINUE_GLOBAL_DIR/config.yaml``, default ``~/.continue``), which is where
``dos init --mcp continue-cli`` splices DOS's item, and the model gets DOS's lease answer naming bob.
The other two are tripwires: ``cn`` 1.5.47 (the newest release) reads ``.continue/settings.json`` into
its hooks service at start-up but nothing in the CLI ever calls the service's ``fireEvent``, so no hook
DOS wires runs; and it does not read the ``.continue/mcpServers/`` directory (the IDE extension's)
where ``dos init --mcp continue`` registers ``dos-mcp``. Each asserts what really happens today, so a
Continue release that starts firing hooks (or reading that directory) makes it fail.

``cn -p --auto --config FILE`` is its one-shot mode (no login: FILE names an ``openai`` model at
the fake); every address but 127.0.0.1 meets a closed port.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from e2ekit import (FAKE_KEY, HOLDER, VENV_BIN, Host, Workspace, call, closed_network, dos, host_user_env, run_host, say,
                    user_path, wire)
from fakemodel import FakeModel, Turn

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"


@dataclass(frozen=True)
class Continue(Host):
    """Continue CLI (``cn -p --auto --config ~/.continue/config.yaml``) against the fake's Chat Completions
    API, through an ``openai`` model with ``apiBase`` at the fake (no Continue account)."""

    MODEL = "fake-coder"

    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        return call("Write", filepath=str(target), content=content)

    def config_path(self, ws: Workspace) -> Path:
        return ws.home / ".continue" / "config.yaml"

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        return [str(exe), "-p", "--auto", "--config", str(self.config_path(ws)), *extra, prompt]

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        return {"NO_COLOR": "1", **closed_network()}

    def user_config(self, ws: Workspace, fake: FakeModel, *, trust_project: bool = True) -> None:
        path = self.config_path(ws)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"name: e2e\nversion: 0.0.1\nschema: v1\nmodels:\n  - name: fake\n    provider: openai\n"
                        f"    model: {self.MODEL}\n    apiBase: {fake.openai_url}\n    apiKey: {FAKE_KEY}\n"
                        f"    roles: [chat]\n    capabilities: [tool_use]\n")

    def failure_noise(self, proc: subprocess.CompletedProcess[str]) -> list[str]:
        return [ln for ln in (proc.stdout + proc.stderr).splitlines()
                if "hook" in ln.lower() and ("fail" in ln.lower() or "error" in ln.lower())]


@pytest.fixture(scope="session")
def continue_cli(cn_cli: Path) -> tuple[Continue, Path]:
    """The pinned ``cn`` (conftest's ``cn_cli``) and the host that drives it."""
    return Continue("continue", "continue", "openai-chat"), cn_cli


def _enforcements(ws: Workspace, host: Host) -> list[dict]:
    """The ENFORCE events in DOS's journal: a deny by any DOS hook leaves one."""
    out = dos(ws.root, "journal", "tail", env=host_user_env(ws, host)).stdout
    events = [json.loads(ln) for ln in out.splitlines() if ln.strip().startswith("{")]
    return [e for e in events if e.get("op") == "ENFORCE"]


def test_continue_loads_dos_hooks_but_never_fires_them(ws: Workspace, continue_cli: tuple[Continue, Path]) -> None:
    """Wired by ``dos init --hooks continue``, a ``Write`` into bob's lane LANDS and no DOS hook ran.

    The wired PreToolUse command itself denies that very call when handed the payload Continue's
    hooks service would build (so the wiring is right); Continue just never invokes it. When a
    release starts firing hooks this test fails: the file stays unwritten and the journal records
    DOS's deny. Then turn this into the usual deny / free-lane / stop tests.
    """
    host, exe = continue_cli
    out = wire(ws, host)
    settings = ws.path(".continue/settings.json")
    assert "PreToolUse" in out and settings.is_file(), out
    pre = json.loads(settings.read_text())["hooks"]["PreToolUse"][0]["hooks"][0]["command"]

    target = ws.path("api/a.py")
    run = run_host(host, exe, ws, [host.write(ws, target, CONTENT), say("Finished.")])
    assert run.proc.returncode == 0 and "Finished." in run.proc.stdout, run.report()
    assert target.is_file() and target.read_text() == CONTENT, \
        f"{target} was NOT written: Continue may fire hooks now (promote it to a full e2e host){run.report()}"
    texts = [r["text"] for r in run.results()]
    assert any("Successfully created file" in t for t in texts), run.report()
    assert not any("DOS" in t or HOLDER in t for t in texts), f"a DOS hook answered the call{run.report()}"
    assert _enforcements(ws, host) == [], f"a DOS hook ran and denied{run.report()}"
    assert not host.failure_noise(run.proc), run.report()

    # The same command Continue would run, fed the payload it would send, refuses the write naming bob.
    target.unlink()
    payload = {"hook_event_name": "PreToolUse", "session_id": "cn-1", "cwd": str(ws.root),
               "tool_name": "Write", "tool_input": {"filepath": str(target), "content": CONTENT}}
    env = {**os.environ, **host_user_env(ws, host), "PATH": user_path(*([ws.shim] if ws.shim else []))}
    hook = subprocess.run(["sh", "-c", pre], cwd=ws.root, env=env, input=json.dumps(payload), text=True,
                          capture_output=True, timeout=60)
    assert hook.returncode == 2 and HOLDER in hook.stdout + hook.stderr, (hook.returncode, hook.stdout, hook.stderr)
    assert len(_enforcements(ws, host)) == 1


def test_continue_cli_answers_with_dos_lease_status_from_the_server_dos_registers(
        ws: Workspace, continue_cli: tuple[Continue, Path]) -> None:
    """``dos init --mcp continue-cli`` splices a ``- name: dos`` item into the ``mcpServers`` list of the
    config.yaml the user already has (its models kept); ``cn`` starts the server from it (this interpreter
    by absolute path: no ``dos-mcp`` on PATH), offers ``dos_lease_status`` under its own name, and the
    model gets DOS's answer naming bob as api's holder."""
    host, exe = continue_cli
    config = host.config_path(ws)
    said: list[str] = []

    def register(fake) -> None:  # after user_config wrote the models: DOS edits the user's own file
        before = config.read_text()
        said.append(dos(ws.root, "init", "--mcp", "continue-cli", env=host_user_env(ws, host)).stdout)
        assert config.read_text().startswith(before), config.read_text()

    run = run_host(host, exe, ws, [call("dos_lease_status", lane="api"), say("Finished.")], before=register,
                   dos_hook_on_path=False)
    assert said and "registered in" in said[0] and str(config) in said[0], said
    data = yaml.safe_load(config.read_text())
    assert [m["name"] for m in data["models"]] == ["fake"], data
    assert [s["name"] for s in data["mcpServers"]] == ["dos"], data
    assert run.proc.returncode == 0 and "Finished." in run.proc.stdout, run.report()
    offered = [t.get("function", {}).get("name") for t in run.fake.main_requests()[0].body.get("tools") or []]
    assert "dos_lease_status" in offered and "Write" in offered, f"cn did not offer DOS's tools: {offered}"
    told = run.result_for(HOLDER)
    assert told is not None and not told["error"], f"the model never got DOS's lease answer{run.report()}"
    blocks = json.loads(told["text"])  # cn hands the model the MCP content blocks as JSON
    lease = json.loads(next(b["text"] for b in blocks if b.get("type") == "text"))
    assert [(x["lane"], x["holder"], x["live"]) for x in lease["leases"]] == [("api", HOLDER, True)], told["text"]
    assert f"{HOLDER} (lane api" in lease["interpretation"], lease


def test_continue_cli_does_not_read_the_ide_folder_dos_mcp_continue_writes(
        ws: Workspace, continue_cli: tuple[Continue, Path]) -> None:
    """``dos init --mcp continue`` writes ``.continue/mcpServers/dos.json`` (the IDE extension's folder);
    headless ``cn`` does not read that directory (only its config's ``mcpServers``: the test above), so
    no ``dos_*`` tool is offered and a call to ``dos_lease_status`` comes back "not found". ``dos-mcp`` is
    on PATH, as a pipx install leaves it. When a release reads the directory, this fails: then say so in
    the ``continue`` host's note (today it points cn users to ``--mcp continue-cli``)."""
    host, exe = continue_cli
    out = dos(ws.root, "init", "--mcp", "continue", env=host_user_env(ws, host)).stdout
    registered = ws.path(".continue/mcpServers/dos.json")
    assert registered.is_file() and "dos-mcp" in registered.read_text(), out
    assert ws.shim is not None
    (ws.shim / "dos-mcp").symlink_to(VENV_BIN / "dos-mcp")
    run = run_host(host, exe, ws, [call("dos_lease_status"), say("Finished.")])
    assert run.proc.returncode == 0 and "Finished." in run.proc.stdout, run.report()
    offered = [t.get("function", {}).get("name") for t in run.fake.main_requests()[0].body.get("tools") or []]
    assert "Write" in offered and not any(str(n).startswith("dos_") for n in offered), \
        f"cn now offers DOS's MCP tools: {offered}{run.report()}"
    assert any("dos_lease_status not found" in r["text"] for r in run.results()), run.report()
