"""Installers: merge keeps the user's entries, runs twice to the same bytes, --remove restores."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path

import pytest

from dos.errors import ConfigError
from dos.hooks.install import SPECS, install_one, installed_command, run_installer, wired_hosts

PROGRAM = "dos-hook"
USER_CC = {"permissions": {"allow": ["Bash(ls:*)"]}, "model": "opus",
           "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./guard.sh"}]}],
                     "Notification": [{"hooks": [{"type": "command", "command": "notify-send hi"}]}]}}
USER_CODEX = """# my codex settings
model = "gpt-5-codex"   # pinned on purpose

[features]
# hooks are on by default now
web_search = true

[[hooks.PreToolUse]]
matcher = "Bash"
[[hooks.PreToolUse.hooks]]
type = "command"
command = "./mine.sh"  # my own gate
"""


def write(root: Path, rel: str, text: str) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


@pytest.mark.parametrize("host", sorted(SPECS))
def test_install_is_idempotent_and_remove_restores_the_user_file(tmp_path: Path, host: str) -> None:
    spec = SPECS[host]
    original = USER_CODEX if spec.shape == "toml" else json.dumps(USER_CC, indent=2) + "\n"
    path = write(tmp_path, spec.path, original)
    install_one(tmp_path, spec, PROGRAM)
    once = path.read_text()
    install_one(tmp_path, spec, PROGRAM)
    assert path.read_text() == once, "a second run changes nothing"
    assert wired_hosts(tmp_path) == {host: [e for e, _ in spec.events]}
    install_one(tmp_path, spec, PROGRAM, remove=True)
    after = path.read_text()
    if spec.shape == "toml":
        assert after == original
    else:
        assert json.loads(after) == USER_CC
    assert wired_hosts(tmp_path) == {}


def test_json_merge_keeps_user_entries_and_appends_ours_after_them(tmp_path: Path) -> None:
    path = write(tmp_path, ".claude/settings.json", json.dumps(USER_CC))
    install_one(tmp_path, SPECS["claude-code"], PROGRAM)
    data = json.loads(path.read_text())
    assert list(data) == ["permissions", "model", "hooks"], "the user's key order is kept"
    pre = data["hooks"]["PreToolUse"]
    assert pre[0] == USER_CC["hooks"]["PreToolUse"][0]
    assert pre[1] == {"hooks": [{"type": "command", "command": "dos-hook pretool --dialect claude-code"}]}
    assert data["hooks"]["Notification"] == USER_CC["hooks"]["Notification"]


def test_codex_toml_keeps_comments_and_stays_valid(tmp_path: Path) -> None:
    path = write(tmp_path, ".codex/config.toml", USER_CODEX)
    install_one(tmp_path, SPECS["codex"], PROGRAM)
    text = path.read_text()
    assert text.startswith(USER_CODEX), "the user's lines, comments included, are untouched"
    parsed = tomllib.loads(text)
    commands = [h["command"] for g in parsed["hooks"]["PreToolUse"] for h in g["hooks"]]
    assert commands == ["./mine.sh", "dos-hook pretool --dialect codex"]
    assert parsed["hooks"]["Stop"][0]["hooks"][0]["command"] == "dos-hook stop --dialect codex"


def test_cursor_file_gets_a_version_and_flat_entries(tmp_path: Path) -> None:
    install_one(tmp_path, SPECS["cursor"], PROGRAM)
    data = json.loads((tmp_path / ".cursor/hooks.json").read_text())
    assert data["version"] == 1
    assert data["hooks"]["beforeShellExecution"] == [{"command": "dos-hook pretool --dialect cursor"}]
    install_one(tmp_path, SPECS["cursor"], PROGRAM, remove=True)
    assert not (tmp_path / ".cursor/hooks.json").exists(), "a file we created is removed with our entries"


def test_invalid_json_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    path = write(tmp_path, ".gemini/settings.json", "{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        install_one(tmp_path, SPECS["gemini"], PROGRAM)
    assert path.read_text() == "{not json"


def test_dry_run_writes_nothing(tmp_path: Path, capsys) -> None:
    run_installer(tmp_path, "claude-code", dry_run=True)
    assert "would wire" in capsys.readouterr().out
    assert not (tmp_path / ".claude").exists()


def test_installed_command_is_read_back_per_event(tmp_path: Path) -> None:
    for host in SPECS:
        install_one(tmp_path, SPECS[host], PROGRAM)
    assert installed_command(tmp_path, "codex", "Stop") == "dos-hook stop --dialect codex"
    assert installed_command(tmp_path, "cursor", "beforeShellExecution") == "dos-hook pretool --dialect cursor"
    assert installed_command(tmp_path, "gemini", "AfterAgent") == "dos-hook stop --dialect gemini"


def test_init_hooks_auto_doctor_and_selftest_through_the_cli(repo, run_dos) -> None:
    """The real CLI wires every detected host, doctor lists them, and each installed command denies."""
    for d in (".claude", ".codex", ".cursor", ".gemini", ".agents"):
        (repo.path / d).mkdir()
    assert run_dos("init", "--hooks", "auto", cwd=repo.path).returncode == 0
    again = run_dos("init", "--hooks", "auto", cwd=repo.path)
    assert again.stdout.count("already wired") == 5
    doctor = json.loads(run_dos("doctor", "--json", cwd=repo.path).stdout)
    assert sorted(doctor["hooks_wired"]) == sorted(SPECS)
    st = run_dos("hook", "selftest", cwd=repo.path)
    assert st.returncode == 0, st.stdout + st.stderr
    assert st.stdout.count("OK") == 5
    removed = run_dos("init", "--hooks", "auto", "--remove", cwd=repo.path)
    assert removed.returncode == 0
    assert json.loads(run_dos("doctor", "--json", cwd=repo.path).stdout)["hooks_wired"] == {}


def test_selftest_fails_when_the_installed_command_does_not_deny(repo, run_dos) -> None:
    """A gate that lets everything through (here: a script that exits 0) is reported, exit 1."""
    fake = write(repo.path, "bin/dos-hook", "#!/bin/sh\ncat >/dev/null\nexit 0\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    install_one(repo.path, SPECS["claude-code"], str(fake))
    got = run_dos("hook", "selftest", "claude-code", cwd=repo.path)
    assert got.returncode == 1 and "FAILED" in got.stdout


def test_selftest_without_wiring_is_a_usage_error(repo, run_dos) -> None:
    got = run_dos("hook", "selftest", cwd=repo.path)
    assert got.returncode == 2 and got.stderr.startswith("error: no host has DOS hooks wired")
    assert os.listdir(repo.path) == [".git"]
