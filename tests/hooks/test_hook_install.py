"""Installers: merge keeps the user's entries, runs twice to the same bytes, --remove restores."""

from __future__ import annotations

import json
import os
import stat
import sys
import tomllib
from pathlib import Path

import pytest

from dos.errors import ConfigError, UsageError
from dos.hooks.install import SPECS, install_one, installed_command, run_installer, wired_hosts
from dos.service.wiring import (absolute_command, codex_key, command_for_scope, config_file, dos_entries, dos_verb,
                                portable_command)

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


USER_LIST = """# my own hooks
[[hooks]]
event = "PreToolUse"
type = "before_tool"
command = "./mine.sh"  # my own gate
"""


USER_YAML = """# my hermes profile
model: opus  # pinned
hooks:
  PreToolUse:
  - command: ./guard.sh
"""


def _original(spec) -> str | None:
    """What the user's file held before DOS: its own hooks in the host's own shape (a plugin file is DOS's alone)."""
    if spec.fmt == "yaml":
        return USER_YAML
    return {"toml": USER_CODEX, "toml-list": USER_LIST, "plugin": None}.get(spec.shape, json.dumps(USER_CC, indent=2) + "\n")


def _data(spec, path: Path) -> dict:
    """The hooks file as the host parses it (JSON, or Hermes's YAML)."""
    if spec.fmt == "yaml":
        import yaml

        return yaml.safe_load(path.read_text())
    return json.loads(path.read_text())


@pytest.mark.parametrize("host", sorted(SPECS))
def test_install_is_idempotent_and_remove_restores_the_user_file(tmp_path: Path, host: str) -> None:
    """Every shape (groups, flat, toml, toml-list, plugin, scripts) is written, read back, rewritten to the same
    bytes and undone exactly; a host that reads only the user's file is wired there."""
    spec = SPECS[host]
    scope = "user" if spec.user_only else "project"
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    for var in (spec.user[0],) if spec.user else ():
        env.pop(var, None)
    path = config_file(tmp_path, host, scope, env)
    original = _original(spec)
    if original is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(original)
    install_one(tmp_path, spec, scope=scope, env=env)
    once = path.read_text()
    install_one(tmp_path, spec, scope=scope, env=env)
    assert path.read_text() == once, "a second run changes nothing"
    assert wired_hosts(tmp_path, scope, env) == {host: list(dict.fromkeys(e for e, _ in spec.events))}
    for event, verb in spec.events:
        cmd = installed_command(tmp_path, host, event, scope, env)
        assert cmd is not None and dos_verb(cmd) == verb, (event, cmd)
        if spec.script:
            script = Path(cmd.strip("'"))
            assert os.access(script, os.X_OK) and command_for_scope(host, verb, scope) in script.read_text()
    install_one(tmp_path, spec, scope=scope, remove=True, env=env)
    assert wired_hosts(tmp_path, scope, env) == {}
    if original is None:
        assert not path.exists(), "the plugin file DOS wrote is deleted"
    elif spec.shape in ("toml", "toml-list") or spec.fmt == "yaml":
        assert path.read_text() == original
    else:
        assert json.loads(path.read_text()) == USER_CC
    if spec.script:
        assert not (path.parent / "hooks").exists(), "the scripts DOS wrote go with their entries"


@pytest.mark.parametrize("host", sorted(h for h, s in SPECS.items() if s.shape in ("flat", "toml-list", "plugin")))
def test_a_file_dos_creates_is_exactly_what_the_host_reads(tmp_path: Path, host: str) -> None:
    """The handler carries the host's own field names (Copilot ``bash`` and ``command``, Vibe ``type``)."""
    spec = SPECS[host]
    scope = "user" if spec.user_only else "project"
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    for var in (spec.user[0],) if spec.user else ():
        env.pop(var, None)
    install_one(tmp_path, spec, scope=scope, env=env)
    path = config_file(tmp_path, host, scope, env)
    pre = spec.pretool_event
    want = command_for_scope(host, "pretool", scope)
    if spec.shape == "plugin":
        text = path.read_text()
        refuse = "skip: true" if host == "cline" else "throw new Error"  # Cline's plugin skips the call
        assert "export const DosPlugin" in text and refuse in text
        assert json.dumps(want) in text, "the command is one JSON string in the COMMANDS line"
        return
    if spec.shape == "toml-list":
        tables = tomllib.loads(path.read_text())["hooks"]
        assert {"command": want, spec.event_key: pre, **dict(spec.extra), **dict(dict(spec.per_event).get(pre, ()))} \
            in tables
        return
    data = _data(spec, path)
    entry = data["hooks"][pre][0]
    assert entry == {spec.key: want, **{m: want for m in spec.mirror}, **dict(spec.extra)}
    for key, value in spec.created:
        assert data[key] == value


def test_a_host_that_reads_only_the_user_file_is_said_plainly_in_project_scope(tmp_path: Path) -> None:
    """``dos init --hooks kimi`` in a project writes nothing, fails, and names the command that works."""
    with pytest.raises(UsageError, match="Kimi Code reads hooks only from the user's own file") as got:
        run_installer_text(tmp_path, "kimi")
    assert "dos init --hooks kimi --scope user" in str(got.value)
    assert os.listdir(tmp_path) == []
    with pytest.raises(UsageError, match="--scope user"):
        install_one(tmp_path, SPECS["kimi"])


def test_aliases_wire_the_host_they_name(tmp_path: Path) -> None:
    run_installer_text(tmp_path, "copilot-cli")
    run_installer_text(tmp_path, "cursor-cli")
    assert sorted(wired_hosts(tmp_path)) == ["copilot", "cursor"]


def test_a_plugin_file_dos_did_not_write_is_left_alone(tmp_path: Path) -> None:
    path = write(tmp_path, ".opencode/plugins/dos.js", "export const Mine = async () => ({})\n")
    with pytest.raises(ConfigError, match="not the plugin DOS writes"):
        install_one(tmp_path, SPECS["opencode"])
    assert path.read_text() == "export const Mine = async () => ({})\n"


def test_json_merge_keeps_user_entries_and_appends_ours_after_them(tmp_path: Path) -> None:
    path = write(tmp_path, ".claude/settings.local.json", json.dumps(USER_CC))
    install_one(tmp_path, SPECS["claude-code"])
    data = json.loads(path.read_text())
    assert list(data) == ["permissions", "model", "hooks"], "the user's key order is kept"
    pre = data["hooks"]["PreToolUse"]
    assert pre[0] == USER_CC["hooks"]["PreToolUse"][0]
    assert pre[1] == {"hooks": [{"type": "command", "command": absolute_command("claude-code", "pretool")}]}
    assert data["hooks"]["Notification"] == USER_CC["hooks"]["Notification"]
    assert sorted(data["hooks"]) == sorted(["Notification", "PreToolUse", "PostToolUse", "Stop", "SubagentStop",
                                            "TaskCompleted", "SessionStart"])


def test_claude_code_project_scope_is_machine_local_and_git_ignored(repo) -> None:
    out = run_installer_text(repo.path, "claude-code")
    cmd = installed_command(repo.path, "claude-code", "PreToolUse")
    assert cmd is not None and cmd.startswith(sys.executable) and "-I -c" in cmd
    assert not (repo.path / ".claude" / "settings.json").exists(), "the committed file is left alone"
    assert "git now ignores" in out
    assert repo.git("check-ignore", ".claude/settings.local.json").strip() == ".claude/settings.local.json"
    assert "git now ignores" not in run_installer_text(repo.path, "claude-code"), "said once"
    run_installer_text(repo.path, "claude-code", remove=True)
    assert not (repo.path / ".claude" / "settings.local.json").exists()
    assert "settings.local.json" not in (repo.path / ".git" / "info" / "exclude").read_text()


def run_installer_text(root: Path, host: str, **kw) -> str:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        run_installer(root, host, **kw)
    return buf.getvalue()


def test_codex_toml_keeps_comments_and_stays_valid(tmp_path: Path) -> None:
    path = write(tmp_path, ".codex/config.toml", USER_CODEX)
    install_one(tmp_path, SPECS["codex"])
    text = path.read_text()
    assert text.startswith(USER_CODEX), "the user's lines, comments included, are untouched"
    parsed = tomllib.loads(text)
    commands = [h["command"] for g in parsed["hooks"]["PreToolUse"] for h in g["hooks"]]
    assert commands == ["./mine.sh", portable_command("codex", "pretool")]
    assert parsed["hooks"]["Stop"][0]["hooks"][0]["command"] == portable_command("codex", "stop")
    assert sorted(parsed["hooks"]) == ["PostToolUse", "PreToolUse", "SessionStart", "Stop"]


def test_codex_inline_hook_arrays_are_extended_in_their_own_style(tmp_path: Path) -> None:
    original = 'hooks = { PreToolUse = [ { hooks = [ { type = "command", command = "./mine.sh" } ] } ] }\n'
    path = write(tmp_path, ".codex/config.toml", original)
    install_one(tmp_path, SPECS["codex"])
    parsed = tomllib.loads(path.read_text())
    assert [h["command"] for g in parsed["hooks"]["PreToolUse"] for h in g["hooks"]][0] == "./mine.sh"
    assert wired_hosts(tmp_path)["codex"] == ["PreToolUse", "PostToolUse", "Stop", "SessionStart"]
    install_one(tmp_path, SPECS["codex"], remove=True)
    assert tomllib.loads(path.read_text()) == tomllib.loads(original)


def test_codex_block_an_older_version_appended_is_repaired_by_force(tmp_path: Path) -> None:
    old = (USER_CODEX + "\n# >>> dos hooks (managed by `dos init --hooks`) >>>\n[[hooks.Stop]]\n[[hooks.Stop.hooks]]\n"
           'type = "command"\ncommand = "dos-hook stop --dialect codex"\n# <<< dos hooks <<<\n')
    path = write(tmp_path, ".codex/config.toml", old)
    out = install_one(tmp_path, SPECS["codex"])
    assert "Stop" not in out.splitlines()[0].split(":", 2)[-1] or "PreToolUse" in out
    install_one(tmp_path, SPECS["codex"], force=True)
    text = path.read_text()
    assert "# >>> dos hooks" not in text and text.startswith(USER_CODEX)
    stops = [e.command for e in dos_entries(path, "toml") if e.event == "Stop"]
    assert stops == [portable_command("codex", "stop")]
    install_one(tmp_path, SPECS["codex"], remove=True)
    assert path.read_text() == USER_CODEX


def test_cursor_file_gets_a_version_and_flat_entries(tmp_path: Path) -> None:
    install_one(tmp_path, SPECS["cursor"])
    data = json.loads((tmp_path / ".cursor/hooks.json").read_text())
    assert data["version"] == 1
    assert data["hooks"]["beforeShellExecution"] == [{"command": portable_command("cursor", "pretool")}]
    install_one(tmp_path, SPECS["cursor"], remove=True)
    assert not (tmp_path / ".cursor/hooks.json").exists(), "a file we created is removed with our entries"


def test_invalid_json_is_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    path = write(tmp_path, ".gemini/settings.json", "{not json")
    with pytest.raises(ConfigError, match="not valid JSON") as err:
        install_one(tmp_path, SPECS["gemini"])
    assert "\n" not in str(err.value) and str(path) in str(err.value)
    assert path.read_text() == "{not json"


def test_gemini_settings_with_comments_are_edited_in_place(tmp_path: Path) -> None:
    """JSONC (Gemini, Qwen, Tabnine): DOS's hooks are spliced in; every comment and byte around them stays."""
    from dos.service.wiring_files import JsonFile

    text = ('{\n  // my model\n  "model": {"name": "gemini-3"}, /* pinned */\n  "hooks": {\n'
            '    // my own gate runs first\n    "BeforeTool": [{"hooks": [{"type": "command", "command": "./mine.sh"}]}],\n'
            '  },\n}\n')
    path = write(tmp_path, ".gemini/settings.json", text)
    assert "wired" in install_one(tmp_path, SPECS["gemini"])
    after = path.read_text()
    assert after.startswith('{\n  // my model\n  "model": {"name": "gemini-3"}, /* pinned */\n')
    assert "// my own gate runs first" in after
    data = JsonFile(path, comments=True).data
    assert data["model"] == {"name": "gemini-3"}
    commands = [h["command"] for g in data["hooks"]["BeforeTool"] for h in g["hooks"]]
    assert commands[0] == "./mine.sh" and any("pretool" in c for c in commands[1:])
    assert dos_entries(path, SPECS["gemini"].shape, SPECS["gemini"]), "DOS hooks are in the file"
    assert "already wired" in install_one(tmp_path, SPECS["gemini"]), "a second run changes nothing"
    assert path.read_text() == after
    install_one(tmp_path, SPECS["gemini"], remove=True)
    back = path.read_text()
    assert "// my model" in back and "// my own gate runs first" in back
    assert JsonFile(path, comments=True).data == JsonFile(write(tmp_path, "orig.json", text), comments=True).data


def test_a_comment_inside_what_dos_would_replace_is_refused(tmp_path: Path) -> None:
    """A comment inside the event array DOS rewrites would be lost: refused, nothing written."""
    text = ('{\n  "hooks": {\n    "BeforeTool": [\n      // keep me\n'
            '      {"hooks": [{"type": "command", "command": "./mine.sh"}]}\n    ]\n  }\n}\n')
    path = write(tmp_path, ".gemini/settings.json", text)
    with pytest.raises(ConfigError, match="has comments"):
        install_one(tmp_path, SPECS["gemini"])
    assert path.read_text() == text
    assert "would wire" in install_one(tmp_path, SPECS["gemini"], dry_run=True)


def test_dry_run_writes_nothing(tmp_path: Path, capsys) -> None:
    run_installer(tmp_path, "claude-code", dry_run=True)
    assert "would wire" in capsys.readouterr().out
    assert not (tmp_path / ".claude").exists()


def test_installed_command_is_read_back_per_event(tmp_path: Path) -> None:
    for host in SPECS:
        if not SPECS[host].user_only:
            install_one(tmp_path, SPECS[host])
    assert installed_command(tmp_path, "codex", "Stop") == portable_command("codex", "stop")
    assert installed_command(tmp_path, "cursor", "beforeShellExecution") == portable_command("cursor", "pretool")
    assert installed_command(tmp_path, "gemini", "AfterAgent") == portable_command("gemini", "stop")
    assert installed_command(tmp_path, "claude-code", "TaskCompleted") == absolute_command("claude-code", "stop")


def _shim(tmp_path: Path) -> str:
    """A PATH with a pipx-like directory holding only dos-hook, as a user who installed DOS has."""
    shim = tmp_path / "pipx-bin"
    shim.mkdir(exist_ok=True)
    (shim / "dos-hook").symlink_to(Path(sys.executable).parent / "dos-hook")
    return f"{shim}{os.pathsep}{os.environ['PATH']}"


def _trust_codex_offline(root: Path) -> None:
    """What `codex exec --trust` and /hooks leave in CODEX_HOME, written by hand (no codex here)."""
    home = Path(os.environ["HOME"]) / ".codex"
    home.mkdir(parents=True, exist_ok=True)
    path = root / ".codex" / "config.toml"
    state = "".join(f'[hooks.state."{codex_key(path, e)}"]\ntrusted_hash = "sha256:0"\n\n'
                    for e in dos_entries(path, "toml"))
    (home / "config.toml").write_text(f'[projects."{root}"]\ntrust_level = "trusted"\n\n{state}')


PROJECT_HOSTS = sorted(h for h, s in SPECS.items() if not s.user_only)


def test_init_hooks_auto_doctor_and_selftest_through_the_cli(repo, run_dos, tmp_path) -> None:
    """The real CLI wires every detected host, doctor lists them, and each installed command denies."""
    for host in PROJECT_HOSTS:
        (repo.path / SPECS[host].marker[0]).mkdir(parents=True, exist_ok=True)
    env = {"PATH": _shim(tmp_path), "GEMINI_CLI_TRUST_WORKSPACE": "true"}
    first = run_dos("init", "--hooks", "auto", cwd=repo.path, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    again = run_dos("init", "--hooks", "auto", cwd=repo.path, env=env)
    assert again.stdout.count("already wired") == len(PROJECT_HOSTS), again.stdout
    doctor = json.loads(run_dos("doctor", "--json", cwd=repo.path).stdout)
    assert sorted(doctor["hooks_wired"]) == PROJECT_HOSTS
    _trust_codex_offline(repo.path)
    st = run_dos("hook", "selftest", cwd=repo.path, env=env)
    assert st.returncode == 0, st.stdout + st.stderr
    assert st.stdout.count("OK") == len(PROJECT_HOSTS), st.stdout
    removed = run_dos("init", "--hooks", "auto", "--remove", cwd=repo.path, env=env)
    assert removed.returncode == 0
    assert json.loads(run_dos("doctor", "--json", cwd=repo.path).stdout)["hooks_wired"] == {}


def test_init_hooks_auto_says_which_host_it_cannot_wire_here_and_wires_the_rest(repo, run_dos, tmp_path) -> None:
    """Kimi Code on PATH and a .claude directory: auto wires Claude Code and says Kimi needs --scope user."""
    (repo.path / ".claude").mkdir()
    shim = tmp_path / "bin"
    write(tmp_path, "bin/kimi", "#!/bin/sh\nexit 0\n").chmod(0o755)
    env = {"PATH": f"{shim}{os.pathsep}{_shim(tmp_path)}"}
    got = run_dos("init", "--hooks", "auto", cwd=repo.path, env=env)
    assert got.returncode == 0, got.stderr
    assert "kimi: not wired:" in got.stdout and "dos init --hooks kimi --scope user" in got.stdout
    assert "claude-code: wired" in got.stdout
    assert sorted(json.loads(run_dos("doctor", "--json", cwd=repo.path).stdout)["hooks_wired"]) == ["claude-code"]


def test_selftest_fails_when_the_installed_command_does_not_deny(repo, run_dos) -> None:
    """A gate that lets everything through (here: a script that exits 0) is reported, exit 1."""
    fake = write(repo.path, "bin/dos-hook", "#!/bin/sh\ncat >/dev/null\nexit 0\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    install_one(repo.path, SPECS["claude-code"], str(fake))
    got = run_dos("hook", "selftest", "claude-code", cwd=repo.path)
    assert got.returncode == 1 and "FAILED" in got.stdout and "did not deny" in got.stdout
    assert "fix: dos init --hooks claude-code --force" in got.stdout


def test_selftest_without_wiring_is_a_usage_error(repo, run_dos) -> None:
    got = run_dos("hook", "selftest", cwd=repo.path)
    assert got.returncode == 2 and got.stderr.startswith("error: no host has DOS hooks wired")
    assert os.listdir(repo.path) == [".git"]


def test_vibe_tables_are_what_vibe_3_0_2_loads(tmp_path: Path) -> None:
    """Vibe skips a ``[[hooks]]`` table without a unique ``name`` or with a ``type`` other than pre_tool,
    post_tool and post_agent, refuses ``strict`` on post_agent, and runs a failed pre_tool hook as an
    allow unless it is strict (seen with the real CLI: tests/e2e/test_vibe_e2e.py)."""
    install_one(tmp_path, SPECS["vibe"], scope="project", env={**os.environ, "HOME": str(tmp_path / "home")})
    tables = tomllib.loads((tmp_path / ".vibe" / "hooks.toml").read_text())["hooks"]
    assert [(t["name"], t["type"], t.get("strict", False)) for t in tables] == [
        ("dos-pretool", "pre_tool", True), ("dos-posttool", "post_tool", False), ("dos-stop", "post_agent", False)]
    assert [set(t) for t in tables] == [{"name", "type", "command", "strict"}, {"name", "type", "command"},
                                        {"name", "type", "command"}]
    assert all("--dialect vibe" in t["command"] for t in tables)
