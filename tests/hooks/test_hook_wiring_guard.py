"""dos guard: absolute commands for one run; Codex reviews exactly DOS's session hooks; Gemini gets a run home."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

from dos.hooks.guard import launch, plan_launch
from dos.service.host_gemini import RunHome


def test_every_host_gets_absolute_commands_and_an_absolute_mcp_server(tmp_path: Path) -> None:
    for cmd in (["claude", "-p", "hi"], ["codex", "exec", "hi"], ["gemini", "-p", "hi"]):
        plan = plan_launch(cmd, verify_on_stop=True, mcp=True, root=str(tmp_path))
        text = json.dumps(plan.to_dict())
        assert '"dos-mcp"' not in text and "dos-hook" not in text
        assert sys.executable in text
    codex = plan_launch(["codex", "exec", "hi"], verify_on_stop=False, mcp=False, root=str(tmp_path))
    assert codex.argv[-2:] == ("exec", "hi") and codex.review == codex.argv[1:-2]
    assert all(flag.startswith("hooks.") for flag in codex.review[1::2])


def _fake(tmp: Path, name: str, body: str) -> Path:
    exe = tmp / "bin" / name
    exe.parent.mkdir(exist_ok=True)
    exe.write_text("#!/bin/sh\n" + body)
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


def test_codex_is_not_started_when_its_hooks_cannot_be_reviewed(tmp_path: Path, capsys) -> None:
    exe = _fake(tmp_path, "codex", 'for a in "$@"; do [ "$a" = app-server ] && exit 3; done\ntouch "$0.ran"\nexit 0\n')
    plan = plan_launch([str(exe), "exec", "hi"], verify_on_stop=False, mcp=False, root=str(tmp_path))
    assert launch(plan, str(tmp_path)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not starting codex without DOS" in err
    assert not Path(f"{exe}.ran").exists()


def test_gemini_run_home_mirrors_the_users_and_adds_dos_hooks(tmp_path: Path, monkeypatch) -> None:
    real = Path(os.environ["HOME"]) / ".gemini"
    (real / "tmp").mkdir(parents=True)
    user = {"security": {"auth": {"selectedType": "gemini-api-key"}},
            "hooks": {"BeforeTool": [{"hooks": [{"type": "command", "command": "mine"}]}]}}
    (real / "settings.json").write_text(json.dumps(user))
    (real / "trustedFolders.json").write_text("{}")
    plan = plan_launch(["gemini", "-p", "x"], verify_on_stop=True, mcp=False, root=str(tmp_path))
    home = RunHome(plan.gemini["hooks"], env=dict(os.environ))
    env = home.start()
    gdir = Path(env["GEMINI_CLI_HOME"]) / ".gemini"
    assert env["GEMINI_CLI_TRUSTED_FOLDERS_PATH"] == str(real / "trustedFolders.json")
    assert (gdir / "tmp").is_symlink() and (gdir / "trustedFolders.json").is_symlink()
    merged = json.loads((gdir / "settings.json").read_text())
    assert merged["security"] == user["security"]
    before = [h["command"] for g in merged["hooks"]["BeforeTool"] for h in g["hooks"]]
    assert before[0] == "mine" and "pretool --dialect gemini" in before[1]
    assert sorted(merged["hooks"]) == ["AfterAgent", "AfterTool", "BeforeTool"]
    (gdir / "history").mkdir()  # something Gemini creates during the run
    (gdir / "settings.json").write_text("{}")
    notes = home.finish()
    assert (real / "history").is_dir() and not Path(env["GEMINI_CLI_HOME"]).exists()
    assert json.loads((real / "settings.json").read_text()) == user, "the user's settings are never written"
    assert len(notes) == 1 and "changed its settings" in notes[0]


def test_guard_runs_gemini_with_its_run_home(tmp_path: Path) -> None:
    exe = _fake(tmp_path, "gemini", 'cat "$GEMINI_CLI_HOME/.gemini/settings.json" > "$0.settings"\nexit 7\n')
    plan = plan_launch([str(exe)], verify_on_stop=False, mcp=False, root=str(tmp_path))
    assert launch(plan, str(tmp_path)) == 7
    settings = json.loads(Path(f"{exe}.settings").read_text())
    assert sorted(settings["hooks"]) == ["AfterTool", "BeforeTool"]
    assert not (Path(os.environ["HOME"]) / ".gemini" / "settings.json").exists()
