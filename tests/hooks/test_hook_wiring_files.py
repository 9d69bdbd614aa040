"""The shared host-file editor: TOML through tomlkit (comments, inline tables), JSON and JSONC, one-line errors."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path

import pytest

from dos.errors import ConfigError
from dos.service.wiring_files import JsonFile, TomlFile, set_json_key, set_toml_key, strip_comments, toml_set

CODEX = '''# my settings
model = "gpt-5.5"   # pinned

[mcp_servers.other]
command = "other-mcp"  # keep me
'''
ENTRY = {"command": "/usr/bin/python3", "args": ["-m", "dos.mcp", "--workspace", "/w"],
         "env": {"PYTHONIOENCODING": "utf-8"}}


def test_toml_set_adds_a_table_and_delete_restores_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CODEX)
    assert set_toml_key(path, ("mcp_servers", "dos"), ENTRY)
    text = path.read_text()
    assert text.startswith(CODEX), "the user's lines and comments are untouched"
    assert tomllib.loads(text)["mcp_servers"]["dos"] == ENTRY
    assert not set_toml_key(path, ("mcp_servers", "dos"), ENTRY), "the same value again changes nothing"
    assert set_toml_key(path, ("mcp_servers", "dos"), None)
    assert path.read_text() == CODEX


def test_an_inline_table_is_replaced_in_place_in_its_own_style(tmp_path: Path) -> None:
    """`mcp_servers.dos = {...}` as a dotted inline table: replaced, never duplicated into invalid TOML."""
    path = tmp_path / "config.toml"
    path.write_text('model = "x"\nmcp_servers.dos = { command = "old" }\n\n[tui]\ntheme = "dark"\n')
    assert set_toml_key(path, ("mcp_servers", "dos"), ENTRY)
    text = path.read_text()
    data = tomllib.loads(text)
    assert data["mcp_servers"]["dos"] == ENTRY and data["tui"] == {"theme": "dark"}
    assert text.count("mcp_servers") == 1 and "[mcp_servers.dos]" not in text
    assert set_toml_key(path, ("mcp_servers", "dos"), None)
    assert tomllib.loads(path.read_text()) == {"model": "x", "tui": {"theme": "dark"}}


def test_a_file_left_empty_is_deleted_and_a_missing_one_created(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    assert set_toml_key(path, ("a", "b"), {"c": 1})
    assert tomllib.loads(path.read_text()) == {"a": {"b": {"c": 1}}}
    assert set_toml_key(path, ("a", "b"), None)
    assert not path.exists()
    assert not set_toml_key(path, ("a", "b"), None), "deleting what is not there changes nothing"


@pytest.mark.parametrize("text", ['[mcp_servers.dos\n', 'a = 1\na = 2\n', 'x = "unterminated\n'])
def test_a_broken_toml_file_is_one_line_naming_the_file_and_the_fix(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        set_toml_key(path, ("mcp_servers", "dos"), ENTRY)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(str(path)) and "fix it by hand" in msg
    assert path.read_text() == text, "nothing is written"


def test_a_key_in_the_way_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('mcp_servers = "nope"\n')
    with pytest.raises(ConfigError, match="must be a table"):
        set_toml_key(path, ("mcp_servers", "dos"), ENTRY)


def test_an_empty_table_holding_a_comment_of_the_user_stays(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[hooks]\n# my notes about hooks\n')
    f = TomlFile(path)
    toml_set(f.doc, ("hooks", "x"), 1, path)
    toml_set(f.doc, ("hooks", "x"), None, path)
    assert "# my notes about hooks" in f.render()


def test_json_set_and_delete_keep_the_other_keys_in_order(tmp_path: Path) -> None:
    path = tmp_path / ".mcp.json"
    path.write_text(json.dumps({"z": 1, "mcpServers": {"other": {"command": "o"}}, "a": 2}))
    assert set_json_key(path, ("mcpServers", "dos"), {"command": "dos-mcp"})
    data = json.loads(path.read_text())
    assert list(data) == ["z", "mcpServers", "a"] and list(data["mcpServers"]) == ["other", "dos"]
    assert set_json_key(path, ("mcpServers", "dos"), None)
    assert json.loads(path.read_text()) == {"z": 1, "mcpServers": {"other": {"command": "o"}}, "a": 2}


def test_json_file_holding_only_our_key_is_deleted(tmp_path: Path) -> None:
    path = tmp_path / ".mcp.json"
    assert set_json_key(path, ("mcpServers", "dos"), {"command": "dos-mcp"})
    assert set_json_key(path, ("mcpServers", "dos"), None)
    assert not path.exists()


def test_broken_json_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="not an object") as err:
        JsonFile(path)
    assert "\n" not in str(err.value)
    path.write_text("{")
    with pytest.raises(ConfigError, match="not valid JSON"):
        JsonFile(path)


def test_jsonc_is_read_but_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    text = '{\n  // a comment with "quotes" and a // inside\n  "a": "http://x/*y*/",\n  /* block */ "b": [1, 2,],\n}\n'
    path.write_text(text)
    f = JsonFile(path, comments=True)
    assert f.data == {"a": "http://x/*y*/", "b": [1, 2]} and f.had_comments
    with pytest.raises(ConfigError, match="has comments"):
        set_json_key(path, ("c",), 1, comments=True)
    assert path.read_text() == text
    assert strip_comments('"// not a comment"')[1] is False


def test_writes_keep_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("a = 1\n")
    os.chmod(path, 0o600)
    set_toml_key(path, ("b",), 2)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_comment_above_the_next_table_survives_replace_and_delete(tmp_path: Path) -> None:
    """tomlkit files such a comment under the table before it; replacing or cutting that table keeps it."""
    head = '# my codex settings\nmodel = "o3"\n\n'
    tail = '# the other server\n[mcp_servers.other]\ncommand = "x"  # keep me\n'
    path = tmp_path / "config.toml"
    path.write_text(head + '[mcp_servers.dos]\ncommand = "stale"\n\n[mcp_servers.dos.env]\nA = "1"\n\n' + tail)
    assert set_toml_key(path, ("mcp_servers", "dos"), ENTRY)
    text = path.read_text()
    assert text.startswith(head + "[mcp_servers.dos]\n") and text.endswith(tail) and "stale" not in text
    assert set_toml_key(path, ("mcp_servers", "dos"), None)
    assert path.read_text() == head + tail
