"""hook_health / dos hook selftest: each wired hook run as its host would, with the host's trust state."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from dos.hooks.install import SPECS, install_one
from dos.service.wiring import codex_key, dos_entries, hook_health
from dos.service.wiring_probe import probe_path


def env_with(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment plus a pipx-like bin dir holding only dos-hook (and no codex)."""
    shim = tmp_path / "pipx-bin"
    if not shim.exists():
        shim.mkdir()
        (shim / "dos-hook").symlink_to(Path(sys.executable).parent / "dos-hook")
    env = dict(os.environ, PATH=f"{shim}{os.pathsep}/usr/bin{os.pathsep}/bin", DOS_CODEX_BIN="/nonexistent/codex")
    env.update(extra)
    return env


def break_commands(path: Path, interpreter: str = "/nonexistent/bin/python3") -> None:
    data = json.loads(path.read_text())
    for groups in data["hooks"].values():
        for g in groups:
            for h in g["hooks"]:
                h["command"] = re.sub(r"^\S+", interpreter, h["command"])
    path.write_text(json.dumps(data))


def test_a_working_claude_code_wiring_runs(repo, tmp_path: Path) -> None:
    install_one(repo.path, SPECS["claude-code"])
    got = hook_health(repo.path, env_with(tmp_path))["claude-code"]
    assert got["runs"] is True and got["problem"] == "" and got["scope"] == "project"
    assert got["events"] == ["PreToolUse", "PostToolUse", "Stop", "SubagentStop", "TaskCompleted", "SessionStart"]
    assert got["command"].startswith(sys.executable) and got["missing"] == []


def test_a_missing_interpreter_is_found_with_the_fix(repo, tmp_path: Path) -> None:
    install_one(repo.path, SPECS["claude-code"])
    break_commands(repo.path / ".claude" / "settings.local.json")
    got = hook_health(repo.path, env_with(tmp_path))["claude-code"]
    assert got["runs"] is False
    assert "cannot run" in got["problem"] and "let every write through" in got["problem"]
    assert got["fix"] == "rewire with this installation: dos init --hooks claude-code --force"


def test_a_gemini_stop_hook_that_fails_is_a_stop_loop(repo, tmp_path: Path) -> None:
    install_one(repo.path, SPECS["gemini"])
    path = repo.path / ".gemini" / "settings.json"
    data = json.loads(path.read_text())
    data["hooks"]["AfterAgent"][0]["hooks"][0]["command"] = "dos-hook stop --dialect gemini; exit 2"
    path.write_text(json.dumps(data))
    got = hook_health(repo.path, env_with(tmp_path, GEMINI_CLI_TRUST_WORKSPACE="true"))["gemini"]
    assert got["runs"] is False and "endless loop" in got["problem"]


def test_gemini_folder_trust_decides_whether_project_hooks_run(repo, tmp_path: Path) -> None:
    install_one(repo.path, SPECS["gemini"])
    env = env_with(tmp_path)
    got = hook_health(repo.path, env)["gemini"]
    assert got["runs"] is False and got["trusted"] is False and "untrusted folder" in got["problem"]
    assert "trustedFolders.json" in got["fix"] and str(repo.path) in got["fix"]
    trusted = Path(env["HOME"]) / ".gemini" / "trustedFolders.json"
    trusted.parent.mkdir(parents=True, exist_ok=True)
    trusted.write_text(json.dumps({str(repo.path.parent): "TRUST_FOLDER", str(repo.path / "x"): "DO_NOT_TRUST"}))
    assert hook_health(repo.path, env)["gemini"]["runs"] is True
    trusted.write_text(json.dumps({str(repo.path): "DO_NOT_TRUST"}))
    assert hook_health(repo.path, env)["gemini"]["trusted"] is False
    trusted.write_text(json.dumps({str(repo.path / "child"): "TRUST_PARENT"}))
    assert hook_health(repo.path, env)["gemini"]["trusted"] is True
    assert hook_health(repo.path, dict(env, GEMINI_CLI_TRUST_WORKSPACE="false"))["gemini"]["trusted"] is False


def test_codex_project_trust_and_review_read_from_config_without_codex(repo, tmp_path: Path) -> None:
    install_one(repo.path, SPECS["codex"])
    env = env_with(tmp_path)
    got = hook_health(repo.path, env)["codex"]
    assert got["runs"] is False and "until the project is trusted" in got["problem"]
    home = Path(env["HOME"]) / ".codex"
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(f'[projects."{repo.path}"]\ntrust_level = "trusted"\n')
    got = hook_health(repo.path, env)["codex"]
    assert got["runs"] is False and "no review" in got["problem"] and "app-server" in got["fix"]
    path = repo.path / ".codex" / "config.toml"
    state = "".join(f'[hooks.state."{codex_key(path, e)}"]\ntrusted_hash = "sha256:0"\n'
                    for e in dos_entries(path, "toml"))
    (home / "config.toml").write_text(f'[projects."{repo.path}"]\ntrust_level = "trusted"\n{state}')
    got = hook_health(repo.path, env)["codex"]
    assert got["runs"] is True and got["trusted"] is None
    (home / "config.toml").write_text(f'[features]\nhooks = false\n[projects."{repo.path}"]\ntrust_level = "trusted"\n'
                                      f'{state}')
    assert "hooks = false" in hook_health(repo.path, env)["codex"]["problem"]


def test_portable_command_without_dos_hook_would_refuse_every_call(repo, tmp_path: Path) -> None:
    install_one(repo.path, SPECS["cursor"])
    env = dict(os.environ, PATH="/usr/bin:/bin")
    got = hook_health(repo.path, env)["cursor"]
    assert got["runs"] is False and "refuse every tool call" in got["problem"]
    assert "--scope user" in got["fix"]
    assert hook_health(repo.path, env_with(tmp_path))["cursor"]["runs"] is True


def test_user_scope_is_reported_and_claude_code_disable_switch_is_seen(repo, tmp_path: Path) -> None:
    env = env_with(tmp_path)
    install_one(repo.path, SPECS["claude-code"], scope="user", env=env)
    got = hook_health(repo.path, env)["claude-code"]
    assert got["scope"] == "user" and got["runs"] is True and got["command"].endswith("--scope user")
    (repo.path / ".claude").mkdir()
    (repo.path / ".claude" / "settings.json").write_text('{"disableAllHooks": true}')
    assert "disableAllHooks" in hook_health(repo.path, env)["claude-code"]["problem"]


def test_a_broken_host_file_is_reported_in_one_line(repo, tmp_path: Path) -> None:
    (repo.path / ".cursor").mkdir()
    (repo.path / ".cursor" / "hooks.json").write_text('{"hooks": {"stop": [{"command": "dos-hook stop"}]}')
    (repo.path / ".codex").mkdir()
    (repo.path / ".codex" / "config.toml").write_text("[hooks\n")
    got = hook_health(repo.path, env_with(tmp_path))
    assert sorted(got) == ["codex", "cursor"]
    assert all(not v["runs"] and "\n" not in v["problem"] for v in got.values())
    assert "not valid TOML" in got["codex"]["problem"] and "not valid JSON" in got["cursor"]["problem"]


def test_probe_path_drops_virtualenvs(tmp_path: Path) -> None:
    venv = tmp_path / "v"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("")
    path = probe_path({"PATH": f"{venv / 'bin'}:{Path(sys.executable).parent}:/opt/x:/usr/bin"})
    assert path.split(":") == ["/opt/x", "/usr/bin", "/bin"]


@pytest.mark.parametrize("scope", ["project", "user"])
def test_selftest_json_through_the_cli(repo, run_dos, tmp_path: Path, scope: str) -> None:
    args = ["init", "--hooks", "claude-code"] + (["--scope", "user"] if scope == "user" else [])
    assert run_dos(*args, cwd=repo.path).returncode == 0
    got = run_dos("hook", "selftest", "--json", cwd=repo.path)
    assert got.returncode == 0, got.stdout + got.stderr
    report = json.loads(got.stdout)
    assert report["ok"] is True and [r["scope"] for r in report["results"]] == [scope]
    other = "project" if scope == "user" else "user"
    none = run_dos("hook", "selftest", "claude-code", "--scope", other, cwd=repo.path)
    assert none.returncode == 2 and "no DOS hooks wired" in none.stderr
