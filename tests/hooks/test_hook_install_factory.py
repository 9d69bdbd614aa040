"""Factory Droid's wiring: DOS's hooks go into ``.factory/settings.json`` (``hooks``), which Droid reads.

Droid 0.215.0 (tests/e2e/test_droid_e2e.py) reads a ``.factory/hooks.json`` as the event map itself and
ignores a ``hooks`` object inside it ("Ignoring unknown hook event keys"), which is what older DOS
versions wrote there; it reads ``hooks`` from the ``settings.json`` beside it, merged with any
hooks.json. So the installer writes settings.json, keeps the user's own keys (the BYOK
``customModels`` live in the same file), names a hooks.json an older version left behind, and
moves DOS's entries out of it with ``--force``.
"""

from __future__ import annotations

import json
from pathlib import Path

from dos.hooks.install import SPECS, install_one, installed_command
from dos.service.wiring import command_for_scope

USER = {"customModels": [{"model": "m", "displayName": "mine", "baseUrl": "http://127.0.0.1:1/v1",
                          "apiKey": "k", "provider": "generic-chat-completion-api"}],
        "hooks": {"PreToolUse": [{"matcher": "Execute", "hooks": [{"type": "command", "command": "./mine.sh"}]}]}}


def test_factory_hooks_go_into_settings_json_beside_the_users_keys(tmp_path: Path) -> None:
    settings = tmp_path / ".factory" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps(USER, indent=2))
    install_one(tmp_path, SPECS["factory"])
    data = json.loads(settings.read_text())
    assert data["customModels"] == USER["customModels"], "the user's BYOK models are kept"
    pre = data["hooks"]["PreToolUse"]
    assert pre[0] == USER["hooks"]["PreToolUse"][0], "the user's own hook stays first"
    assert pre[1] == {"hooks": [{"type": "command", "command": command_for_scope("factory", "pretool", "project")}]}
    assert sorted(data["hooks"]) == ["PostToolUse", "PreToolUse", "SessionStart", "Stop", "SubagentStop"]
    assert not (tmp_path / ".factory" / "hooks.json").exists(), "DOS wrote the file Droid reads as bare events"
    assert installed_command(tmp_path, "factory", "PreToolUse") == pre[1]["hooks"][0]["command"]
    install_one(tmp_path, SPECS["factory"], remove=True)
    assert json.loads(settings.read_text()) == USER


def test_factory_user_scope_is_the_users_settings_json(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = install_one(tmp_path / "repo", SPECS["factory"], scope="user", env={"HOME": str(home)})
    data = json.loads((home / ".factory" / "settings.json").read_text())
    assert "PreToolUse" in data["hooks"], out
    assert not (home / ".factory" / "hooks.json").exists()


def test_a_hooks_json_an_older_dos_wrote_is_named_and_moved_by_force(tmp_path: Path) -> None:
    """The ``{"hooks": {...}}`` older versions put in .factory/hooks.json (never run by Droid): a plain install
    wires settings.json and names the old file; ``--force`` takes DOS's entries out of it."""
    legacy = tmp_path / ".factory" / "hooks.json"
    legacy.parent.mkdir()
    old = {"hooks": {"PreToolUse": [{"hooks": [{"type": "command",
                                                "command": command_for_scope("factory", "pretool", "project")}]}]}}
    legacy.write_text(json.dumps(old, indent=2))
    out = install_one(tmp_path, SPECS["factory"])
    assert "PreToolUse" in json.loads((tmp_path / ".factory" / "settings.json").read_text())["hooks"]
    assert str(legacy) in out and "--force" in out, out
    install_one(tmp_path, SPECS["factory"], force=True)
    left = json.loads(legacy.read_text()) if legacy.exists() else {}
    assert "dos-hook" not in json.dumps(left), f"the old wiring is still in {legacy}: {left}"
    assert "PreToolUse" in json.loads((tmp_path / ".factory" / "settings.json").read_text())["hooks"]
