"""dos init --hooks: project and user scope, --remove, --force, --with-hooks, --example, --dry-run alone."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from pathlib import Path

import pytest

from dos.hooks.install import SPECS, install_one
from dos.service.wiring import absolute_command, installed_command, user_file, wired_hosts

USER_HOSTS = ("claude-code", "codex", "gemini", "cursor")


def home() -> Path:
    return Path(os.environ["HOME"])


@pytest.mark.parametrize("host", USER_HOSTS)
def test_user_scope_writes_the_users_file_with_absolute_commands_and_remove_restores_it(tmp_path: Path,
                                                                                       host: str) -> None:
    path = user_file(host)
    assert path is not None and str(path).startswith(str(home()))
    path.parent.mkdir(parents=True, exist_ok=True)
    original = 'model = "mine"  # keep\n' if host == "codex" else json.dumps({"theme": "dark"}, indent=2) + "\n"
    path.write_text(original)
    ws = tmp_path / "ws"
    ws.mkdir()
    out = install_one(ws, SPECS[host], scope="user", env=dict(os.environ, DOS_CODEX_BIN="/nonexistent"))
    assert "wired" in out and str(path) in out
    assert not any(ws.iterdir()), "user scope writes nothing in the workspace"
    event = SPECS[host].pretool_event
    assert installed_command(ws, host, event, scope="user") == absolute_command(host, "pretool", "user")
    assert wired_hosts(ws, "user") == {host: [e for e, _ in SPECS[host].events]} and wired_hosts(ws) == {}
    install_one(ws, SPECS[host], scope="user", remove=True)
    assert path.read_text() == original


def test_codex_user_scope_honours_codex_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "ch"))
    assert user_file("codex") == tmp_path / "ch" / "config.toml"
    monkeypatch.setenv("GEMINI_CLI_HOME", str(tmp_path / "gh"))
    assert user_file("gemini") == tmp_path / "gh" / ".gemini" / "settings.json"


def test_init_scope_user_through_the_cli(repo, run_dos) -> None:
    got = run_dos("init", "--hooks", "gemini", "--scope", "user", cwd=repo.path)
    assert got.returncode == 0, got.stderr
    data = json.loads((home() / ".gemini" / "settings.json").read_text())
    assert data["hooks"]["BeforeTool"][0]["hooks"][0]["command"].endswith("pretool --dialect gemini --scope user")
    assert not (repo.path / "dos.toml").exists() and not (repo.path / ".gemini").exists()
    removed = run_dos("init", "--hooks", "gemini", "--scope", "user", "--remove", cwd=repo.path)
    assert removed.returncode == 0 and not (home() / ".gemini" / "settings.json").exists()
    bad = run_dos("init", "--hooks", "antigravity", "--scope", "user", cwd=repo.path)
    assert bad.returncode == 2 and "no user-scope hooks file" in bad.stderr


def test_an_older_claude_code_install_is_noted_and_moved_by_force(repo, run_dos) -> None:
    old = repo.write(".claude/settings.json", json.dumps(
        {"model": "opus", "hooks": {"PreToolUse": [{"hooks": [{"type": "command",
                                                               "command": "dos-hook pretool --dialect claude-code"}]}]}}))
    got = run_dos("init", "--hooks", "claude-code", cwd=repo.path)
    assert "an older install" in got.stdout and "--force" in got.stdout
    forced = run_dos("init", "--hooks", "claude-code", "--force", cwd=repo.path)
    assert forced.returncode == 0 and "moved the older DOS hooks" in forced.stdout
    assert json.loads(old.read_text()) == {"model": "opus"}
    assert wired_hosts(repo.path)["claude-code"][0] == "PreToolUse"
    assert installed_command(repo.path, "claude-code", "PreToolUse").startswith(sys.executable)


def test_a_stale_command_is_noted_and_force_repairs_only_dos_entries(repo, run_dos) -> None:
    path = repo.write(".codex/config.toml", '[[hooks.PreToolUse]]\nhooks = [{type = "command", command = "./mine.sh"}]\n'
                                            '[[hooks.PreToolUse]]\nhooks = [{type = "command", command = "dos-hook pretool'
                                            ' --dialect codex"}]\n')
    env = {"DOS_CODEX_BIN": "/nonexistent"}
    got = run_dos("init", "--hooks", "codex", cwd=repo.path, env=env)
    assert "older DOS command" in got.stdout and "PreToolUse" in got.stdout
    run_dos("init", "--hooks", "codex", "--force", cwd=repo.path, env=env)
    groups = tomllib.loads(path.read_text())["hooks"]["PreToolUse"]
    commands = [h["command"] for g in groups for h in g["hooks"]]
    assert commands[0] == "./mine.sh" and len(commands) == 2 and commands[1].startswith("command -v dos-hook")
    assert "older DOS command" not in run_dos("init", "--hooks", "codex", cwd=repo.path, env=env).stdout


def test_codex_without_codex_prints_the_exact_steps(repo, run_dos) -> None:
    got = run_dos("init", "--hooks", "codex", cwd=repo.path, env={"DOS_CODEX_BIN": "/nonexistent"})
    assert got.returncode == 0
    assert "codex not found" in got.stdout and "codex exec --trust" in got.stdout and "/hooks" in got.stdout


def test_gemini_init_says_when_the_folder_is_not_trusted(repo, run_dos) -> None:
    got = run_dos("init", "--hooks", "gemini", cwd=repo.path)
    lines = [ln for ln in got.stdout.splitlines() if "not a trusted folder" in ln]
    assert len(lines) == 1 and "TRUST_FOLDER" in lines[0]
    trusted = run_dos("init", "--hooks", "gemini", "--force", cwd=repo.path, env={"GEMINI_CLI_TRUST_WORKSPACE": "true"})
    assert "not a trusted folder" not in trusted.stdout


def test_with_hooks_example_and_dry_run_alone(repo, run_dos) -> None:
    alone = run_dos("init", "--dry-run", cwd=repo.path)
    assert alone.returncode == 1 and alone.stderr.count("\n") == 1 and "--hooks" in alone.stderr
    assert os.listdir(repo.path) == [".git"]
    got = run_dos("init", "--with-hooks", cwd=repo.path)
    assert got.returncode == 0 and wired_hosts(repo.path) == {"claude-code": [e for e, _ in SPECS["claude-code"].events]}
    example = run_dos("init", "--example", "workshop", cwd=repo.path)
    assert example.returncode == 0 and "not bundled" in example.stderr and (repo.path / "dos.toml").exists()


def test_force_with_hooks_repairs_hooks_and_leaves_dos_toml(repo, run_dos) -> None:
    repo.write("dos.toml", "# mine\n[lanes]\nconcurrent = []\nexclusive = [\"main\"]\n\n[lanes.trees]\nmain = [\"**/*\"]\n")
    before = (repo.path / "dos.toml").read_text()
    assert run_dos("init", "--hooks", "claude-code", "--force", cwd=repo.path).returncode == 0
    assert (repo.path / "dos.toml").read_text() == before
