"""Cline 3.x: its hook-file payloads (``tool_call`` with the raw call beside ``preToolUse``), its tools
(``editor``, ``apply_patch``, ``run_commands``, ``read_files``, the team tools), the session DOS takes
from ``sessionContext.rootSessionId``, and the plugin ``dos init --hooks cline`` writes, run in node.

The payload shapes are Cline's own (sdk/packages/core/src/hooks/hook-file-hooks.ts in cline/cline,
and what ``cline`` 3.0.65 piped to a ``.clinerules/hooks/PreToolUse`` file): ``preToolUse.parameters``
holds every value as a string, ``tool_call.input`` the call as the model sent it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.hooks.hookkit import call_hook

from dos.hooks.install import install_one, run_installer
from dos.service.wiring_base import NOT_ON_PATH, SPECS, absolute_command, config_file, installed_command, wired_hosts

OUTSIDE = "/etc/dos-test-outside"


def strings(args: Any) -> dict[str, str]:
    """``preToolUse.parameters`` as Cline builds it: every value a string (JSON for the rest)."""
    if not isinstance(args, dict):
        return {}
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in args.items()}


def pre(ws: Path, session: str, tool: str, args: Any, *, raw: bool = True, task: str = "conv_1") -> dict:
    """Cline 3.x's PreToolUse stdin; RAW=False leaves out ``tool_call`` (only ``preToolUse``)."""
    out = {"clineVersion": "", "hookName": "tool_call", "timestamp": "2026-01-01T00:00:00.000Z", "taskId": task,
           "sessionContext": {"rootSessionId": session}, "workspaceRoots": [str(ws)],
           "workspaceInfo": {"rootPath": str(ws), "hint": ws.name}, "userId": "u1", "agent_id": "agent_1",
           "parent_agent_id": None, "iteration": 1,
           "preToolUse": {"toolName": tool, "parameters": strings(args)}}
    if raw:
        out["tool_call"] = {"id": "call_1", "name": tool, "input": args}
    return out


def edit(ws: Path, session: str, target: str, **kw: Any) -> dict:
    return pre(ws, session, "editor", {"path": target, "new_text": "x"}, **kw)


def assert_cancel(got, *words: str) -> str:
    """Cline's deny: ``{"cancel": true, "errorMessage": REASON}`` as one line, exit 0, nothing on stderr."""
    out = got.envelope
    assert got.code == 0 and got.stderr == "", got
    assert set(out) == {"cancel", "errorMessage"} and out["cancel"] is True, got
    for w in words:
        assert w in out["errorMessage"], (w, got)
    assert got.stdout.endswith("\n") and got.stdout.count("\n") == 1
    return out["errorMessage"]


ALLOW = '{"cancel": false}\n'


# --------------------------------------------------------------------------- the payloads


@pytest.mark.parametrize("raw", [True, False], ids=["tool_call", "preToolUse-only"])
def test_an_editor_write_into_another_sessions_lane_is_cancelled_naming_the_holder(ws: Path, raw: bool) -> None:
    got = call_hook("pretool", edit(ws, "sess-A", str(ws / "docs" / "guide.md"), raw=raw), dialect="cline")
    assert_cancel(got, "docs/guide.md is inside lane 'docs' held by agentB")


def test_the_lane_holders_own_editor_write_is_allowed(ws: Path) -> None:
    got = call_hook("pretool", edit(ws, "sess-B", str(ws / "docs" / "guide.md")), dialect="cline")
    assert (got.code, got.stdout, got.stderr) == (0, ALLOW, "")


def test_an_editor_write_outside_the_workspace_is_cancelled(ws: Path) -> None:
    got = call_hook("pretool", edit(ws, "sess-B", OUTSIDE), dialect="cline")
    assert_cancel(got, f"{OUTSIDE} is outside the workspace")


def test_the_session_is_the_root_session_not_the_conversation(ws: Path) -> None:
    """``cline --id`` resumes the root session; its conversations (and subagents) come and go under it."""
    target = str(ws / "docs" / "guide.md")
    got = call_hook("pretool", edit(ws, "sess-A", target, task="sess-B"), dialect="cline")
    assert_cancel(got, "held by agentB")
    no_root = {k: v for k, v in edit(ws, "", target, task="sess-B").items() if k != "sessionContext"}
    assert call_hook("pretool", no_root, dialect="cline").stdout == ALLOW, "without a root session: the task's id"


def test_an_apply_patch_is_judged_by_the_files_it_names(ws: Path) -> None:
    patch = "*** Begin Patch\n*** Add File: docs/new.md\n+x\n*** End Patch\n"
    got = call_hook("pretool", pre(ws, "sess-A", "apply_patch", {"input": patch}), dialect="cline")
    assert_cancel(got, "docs/new.md is inside lane 'docs'")


@pytest.mark.parametrize("raw", [True, False], ids=["tool_call", "preToolUse-only"])
@pytest.mark.parametrize("commands", [
    ["echo x > docs/a.md"],
    ["ls", "echo x > docs/a.md"],
    ["cd src", "echo x > docs/a.md"],  # each command starts in the workspace: the cd does not carry over
    [{"command": "cp", "args": ["src/app.py", "docs/b.md"]}],
    "echo x > docs/a.md",
])
def test_run_commands_writing_into_a_held_lane_is_cancelled(ws: Path, commands: Any, raw: bool) -> None:
    got = call_hook("pretool", pre(ws, "sess-A", "run_commands", {"commands": commands}, raw=raw), dialect="cline")
    assert_cancel(got, "inside lane 'docs'")


def test_run_commands_in_the_sessions_own_lane_are_allowed(ws: Path) -> None:
    args = {"commands": ["cd docs", "echo x > src/new.py"]}  # the cd is its own command: src/new.py is sess-A's
    got = call_hook("pretool", pre(ws, "sess-A", "run_commands", args), dialect="cline")
    assert (got.code, got.stdout) == (0, ALLOW), got


@pytest.mark.parametrize("tool, args", [
    ("read_files", {"files": [{"path": "/ws/docs/guide.md"}]}),
    ("search_codebase", {"queries": ["guide"]}),
    ("fetch_web_content", {"requests": [{"url": "http://127.0.0.1:9/", "prompt": "read"}]}),
    ("team_status", {}),
    ("spawn_agent", {"task": "write docs"}),
])
def test_tools_that_write_nothing_pass_without_a_warning(ws: Path, tool: str, args: dict) -> None:
    """An unknown tool would draw DOS's unknown-footprint answer while other sessions hold lanes."""
    got = call_hook("pretool", pre(ws, "sess-A", tool, args), dialect="cline")
    assert (got.code, got.stdout) == (0, ALLOW), got


def test_post_tool_use_and_agent_start_answer_in_clines_envelope(ws: Path) -> None:
    base = {k: v for k, v in pre(ws, "sess-A", "read_files", {}).items() if k not in ("tool_call", "preToolUse")}
    post = {**base, "hookName": "tool_result",
            "tool_result": {"id": "call_1", "name": "read_files", "input": {"files": []}, "output": "ok"},
            "postToolUse": {"toolName": "read_files", "parameters": {"files": "[]"}, "result": "ok", "success": True}}
    got = call_hook("posttool", post, dialect="cline")
    assert got.code == 0 and got.envelope is not None and got.envelope["cancel"] is False, got
    start = {**base, "hookName": "agent_start", "taskStart": {"taskMetadata": {}}}
    got = call_hook("session-start", start, dialect="cline")
    assert got.code == 0 and got.envelope["cancel"] is False and "contextModification" in got.envelope, got
    assert call_hook("pretool", post, dialect="cline").stdout == "", "a tool_result is not a call to judge"


# --------------------------------------------------------------------------- the installer


def test_dos_init_hooks_cline_writes_the_plugin_once_and_remove_deletes_it(repo, run_dos) -> None:
    repo.write("dos.toml", "[lanes]\nconcurrent = [\"src\"]\n")
    first = run_dos("init", "--hooks", "cline", cwd=repo.path)
    assert first.returncode == 0, first.stderr
    path = repo.path / ".cline" / "plugins" / "dos.js"
    text = path.read_text()
    assert "wired 2 DOS hook(s)" in first.stdout and str(path) in first.stdout, first.stdout
    assert "export default DosPlugin" in text and "skip: true" in text
    again = run_dos("init", "--hooks", "cline", cwd=repo.path)
    assert again.returncode == 0 and "already wired" in again.stdout and path.read_text() == text
    assert wired_hosts(repo.path) == {"cline": ["PreToolUse", "PostToolUse"]}
    gone = run_dos("init", "--hooks", "cline", "--remove", cwd=repo.path)
    assert gone.returncode == 0 and not path.exists(), gone.stdout
    assert wired_hosts(repo.path) == {}


@pytest.mark.parametrize("cline_dir", [False, True], ids=["home", "CLINE_DIR"])
def test_user_scope_wires_the_users_cline_directory_with_absolute_commands(tmp_path: Path, cline_dir: bool) -> None:
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    env.pop("CLINE_DIR", None)
    if cline_dir:
        env["CLINE_DIR"] = str(tmp_path / "cline-config")
    want = (tmp_path / "cline-config" if cline_dir else tmp_path / "home" / ".cline") / "plugins" / "dos.js"
    assert config_file(tmp_path, "cline", "user", env) == want
    install_one(tmp_path, SPECS["cline"], scope="user", env=env)
    assert installed_command(tmp_path, "cline", "PreToolUse", "user", env) == absolute_command("cline", "pretool",
                                                                                               "user")
    assert not (tmp_path / ".cline").exists(), "user scope writes nothing into the project"
    install_one(tmp_path, SPECS["cline"], scope="user", remove=True, env=env)
    assert not want.exists()


def test_auto_detects_a_cline_project_by_its_directory(tmp_path: Path) -> None:
    (tmp_path / ".cline").mkdir()
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        run_installer(tmp_path, "auto", env={"PATH": "/nonexistent", "HOME": str(tmp_path / "home")})
    assert (tmp_path / ".cline" / "plugins" / "dos.js").is_file()


# --------------------------------------------------------------------------- the plugin, run in node

HARNESS = """
import { pathToFileURL } from "node:url";
const [file, session, root, tool, input] = process.argv.slice(2);
const plugin = (await import(pathToFileURL(file).href)).default;
plugin.setup({}, { session: { sessionId: session }, workspaceInfo: { rootPath: root } });
const ctx = { snapshot: { conversationId: "conv_1", agentId: "agent_1" }, toolCall: { toolCallId: "t1", toolName: tool },
              input: JSON.parse(input) };
const before = await plugin.hooks.beforeTool(ctx);
const after = await plugin.hooks.afterTool({ ...ctx, result: { output: "ok", isError: false } });
console.log(JSON.stringify({ before: before ?? null, after: after ?? null }));
"""


def _run_plugin(ws: Path, tmp: Path, session: str, tool: str, args: dict, *, path: str) -> dict:
    harness = tmp / "harness.mjs"
    harness.write_text(HARNESS)
    env = {"PATH": path, "HOME": str(tmp / "home"), "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(["node", str(harness), str(ws / ".cline" / "plugins" / "dos.js"), session, str(ws), tool,
                           json.dumps(args)], cwd=tmp, env=env, text=True, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _shim(tmp: Path) -> str:
    """A PATH with only ``dos-hook`` (the venv's) and the system's directories, as a pipx user has."""
    shim = tmp / "pipx-bin"
    shim.mkdir(exist_ok=True)
    (shim / "dos-hook").symlink_to(Path(sys.executable).parent / "dos-hook")
    return os.pathsep.join([str(shim), os.path.dirname(shutil.which("node") or "/usr/bin/node"), "/usr/bin", "/bin"])


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_plugin_skips_a_denied_call_with_dos_reason_and_lets_the_holder_through(ws: Path, tmp_path: Path) -> None:
    install_one(ws, SPECS["cline"])
    path = _shim(tmp_path)
    target = {"path": str(ws / "docs" / "guide.md"), "new_text": "x"}
    denied = _run_plugin(ws, tmp_path, "sess-A", "editor", target, path=path)
    assert denied["before"]["skip"] is True and "held by agentB" in denied["before"]["reason"], denied
    assert denied["before"]["reason"].startswith("DOS"), denied
    allowed = _run_plugin(ws, tmp_path, "sess-B", "editor", target, path=path)
    assert allowed == {"before": None, "after": None}, allowed


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_plugin_refuses_every_call_when_dos_hook_is_not_on_path(ws: Path, tmp_path: Path) -> None:
    """The committed plugin runs ``dos-hook`` from PATH; without one it fails closed, saying what to do."""
    install_one(ws, SPECS["cline"])
    path = os.pathsep.join([os.path.dirname(shutil.which("node") or "/usr/bin/node"), "/usr/bin", "/bin"])
    got = _run_plugin(ws, tmp_path, "sess-B", "read_files", {"files": [{"path": str(ws / "README.md")}]}, path=path)
    assert got["before"]["skip"] is True and NOT_ON_PATH in got["before"]["reason"], got
    assert got["after"] is None, "a post-tool hook that cannot run changes nothing"
