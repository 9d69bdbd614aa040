"""The two commands DOS writes: absolute (machine-local files) and portable (committed files)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dos.service.wiring import (NOT_ON_PATH, SPECS, absolute_command, command_for_scope, dos_verb, is_dos_command,
                                portable_command)

SHELLS = [s for s in ("/bin/sh", "/bin/bash", "/bin/dash", "/usr/bin/zsh", "/usr/bin/fish") if Path(s).exists()]
VERBS = ("pretool", "posttool", "stop", "session-start")


def test_which_file_gets_which_command() -> None:
    assert command_for_scope("claude-code", "pretool") == absolute_command("claude-code", "pretool")
    for host in ("codex", "gemini", "cursor", "antigravity"):
        assert command_for_scope(host, "pretool") == portable_command(host, "pretool")
    for host in SPECS:
        user = command_for_scope(host, "stop", "user")
        assert user.startswith(sys.executable) and user.endswith("--scope user")


def test_absolute_command_runs_the_hook_without_runpy_or_path() -> None:
    cmd = absolute_command("codex", "pretool")
    assert cmd.startswith(sys.executable) and ' -I -c "from dos.hooks.__main__ import run; run()" ' in cmd
    proc = subprocess.run(["/bin/sh", "-c", cmd], input="", text=True, capture_output=True, env={"PATH": "/nonexistent"})
    assert proc.returncode == 0 and proc.stderr == ""


@pytest.mark.parametrize("verb", VERBS)
def test_portable_command_is_short_and_free_of_expansions(verb: str) -> None:
    cmd = portable_command("gemini", verb)
    assert "$" not in cmd and "`" not in cmd and "\\" not in cmd, "Gemini expands $VAR in settings and hooks"
    assert len(cmd) < 200
    assert is_dos_command(cmd) and dos_verb(cmd) == verb


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("verb", VERBS)
def test_portable_command_without_dos_hook_fails_closed_only_at_pretool(shell: str, verb: str) -> None:
    proc = subprocess.run([shell, "-c", portable_command("codex", verb)], input="{}", text=True, capture_output=True,
                          env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == (2 if verb == "pretool" else 0), "never 127; exit 2 blocks, 0 never traps a stop"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and NOT_ON_PATH in lines[0] and "dos init --hooks codex --scope user" in lines[0]
    assert proc.stdout == ""


@pytest.mark.parametrize("shell", SHELLS)
def test_portable_command_runs_dos_hook_from_path(shell: str, tmp_path: Path) -> None:
    fake = tmp_path / "dos-hook"
    fake.write_text('#!/bin/sh\nprintf "%s " "$@"\ncat\nexit 3\n')
    fake.chmod(0o755)
    proc = subprocess.run([shell, "-c", portable_command("cursor", "pretool")], input='{"x":1}', text=True,
                          capture_output=True, env={"PATH": f"{tmp_path}:/usr/bin:/bin"})
    assert proc.returncode == 3, "dos-hook's own exit code is the hook's"
    assert proc.stdout == 'pretool --dialect cursor {"x":1}' and proc.stderr == ""


def test_portable_command_really_denies_with_dos_hook_on_path(tmp_path: Path, repo) -> None:
    """With the real dos-hook on PATH the portable command is the hook itself."""
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "dos-hook").symlink_to(Path(sys.executable).parent / "dos-hook")
    proc = subprocess.run(["/bin/sh", "-c", portable_command("codex", "pretool")], input="", text=True,
                          capture_output=True, env={"PATH": f"{shim}:/usr/bin:/bin"}, cwd=repo.path)
    assert proc.returncode == 0 and NOT_ON_PATH not in proc.stderr


@pytest.mark.parametrize("cmd", ["dos-hook pretool --dialect codex", "/x/.venv/bin/dos-hook stop",
                                 "'/a b/python' -I -c \"from dos.hooks.__main__ import run; run()\" stop",
                                 "python3 -m dos.hooks pretool", "dos hook pretool --workspace ."])
def test_every_form_dos_ever_wrote_is_recognised(cmd: str) -> None:
    assert is_dos_command(cmd)


@pytest.mark.parametrize("cmd", ["./guard.sh", "notify-send hi", "echo dos-hook", "", None, 3])
def test_other_commands_are_not_dos(cmd) -> None:
    assert not is_dos_command(cmd)


def test_an_interpreter_path_with_spaces_is_quoted(tmp_path: Path) -> None:
    py = tmp_path / "my venv" / "python"
    py.parent.mkdir()
    py.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    py.chmod(0o755)
    cmd = absolute_command("claude-code", "pretool", python=str(py))
    assert cmd.startswith(f"'{py}'")
    proc = subprocess.run(["/bin/sh", "-c", cmd], input=json.dumps({}), text=True, capture_output=True)
    assert proc.returncode == 0, proc.stderr
    assert shutil.which("sh")
