"""`dos init --mcp HOST` for every host with a documented MCP file: the real CLI writes the host's own
file, a real parser for its format reads the entry back, a rerun changes nothing, --remove gives back
the user's bytes, and a file that does not parse is one line naming it and the line, left untouched."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from dos.service.wiring_files import _drop_trailing_commas, strip_comments

PY = sys.executable


def _jsonc(text: str) -> Any:
    """JSON with comments and trailing commas, read the way the hooks code reads Gemini's settings."""
    body, _ = strip_comments(text)
    return json.loads(_drop_trailing_commas(body))


@dataclass(frozen=True)
class Case:
    host: str
    where: Callable[[Path, Path], Path]  # (workspace, home) -> the host's file
    fmt: str  # json | jsonc | toml | toml-list | yaml | yaml-list
    keys: tuple[str, ...]  # the path to the server map
    seed: str  # the user's file before DOS: comments (where the format has them) and another server
    portable: str | None  # the --workspace value a project entry gets (None: user file, absolute)
    shape: dict[str, Any]  # fields the entry must carry besides the command

    @property
    def id(self) -> str:
        return self.host


_JSON_SEED = '{\n  "theme": "dark",\n  "mcpServers": {\n    "other": {\n      "command": "other-mcp"\n    }\n  }\n}\n'
_JSONC_SEED = ('{\n  // my own settings\n  "theme": "dark", /* keep */\n  "mcpServers": {\n'
               '    "other": {"command": "other-mcp"}, // a trailing comma, as JSONC allows\n  },\n}\n')


def _seed(key: str, other: str, comments: bool) -> str:
    if comments:
        return f'{{\n  // mine\n  "a": 1,\n  "{key}": {{\n    "other": {other}, // keep\n  }},\n}}\n'
    return f'{{\n  "a": 1,\n  "{key}": {{\n    "other": {other}\n  }}\n}}\n'


_STDIO = '{"command": "other-mcp", "args": []}'
_OPENCODE_OTHER = '{"type": "local", "command": ["other-mcp"]}'

CASES = [
    Case("claude-code", lambda ws, h: ws / ".mcp.json", "json", ("mcpServers",), _JSON_SEED,
         "${CLAUDE_PROJECT_DIR:-.}", {"type": "stdio"}),
    Case("cursor", lambda ws, h: ws / ".cursor" / "mcp.json", "json", ("mcpServers",), _JSON_SEED,
         "${workspaceFolder}", {}),
    Case("gemini", lambda ws, h: ws / ".gemini" / "settings.json", "jsonc", ("mcpServers",), _JSONC_SEED, ".", {}),
    Case("qwen", lambda ws, h: ws / ".qwen" / "settings.json", "jsonc", ("mcpServers",), _JSONC_SEED, ".", {}),
    Case("tabnine", lambda ws, h: ws / ".tabnine" / "agent" / "settings.json", "jsonc", ("mcpServers",),
         _JSONC_SEED, ".", {}),
    Case("vscode", lambda ws, h: ws / ".vscode" / "mcp.json", "jsonc", ("servers",),
         _seed("servers", _STDIO, True).replace('"a": 1', '"inputs": []'), "${workspaceFolder}", {"type": "stdio"}),
    Case("copilot", lambda ws, h: ws / ".github" / "mcp.json", "json", ("mcpServers",), _JSON_SEED, ".",
         {"type": "local", "tools": ["*"]}),
    Case("crush", lambda ws, h: ws / ".crush.json", "json", ("mcp",), _seed("mcp", _STDIO, False), ".",
         {"type": "stdio"}),
    Case("opencode", lambda ws, h: ws / "opencode.json", "jsonc", ("mcp",),
         _seed("mcp", _OPENCODE_OTHER, True).replace('"a": 1', '"$schema": "https://opencode.ai/config.json"'),
         ".", {"type": "local", "enabled": True}),
    Case("kilo", lambda ws, h: ws / "kilo.json", "jsonc", ("mcp",), _seed("mcp", _OPENCODE_OTHER, True), ".",
         {"type": "local", "enabled": True}),
    Case("factory", lambda ws, h: ws / ".factory" / "mcp.json", "json", ("mcpServers",), _JSON_SEED, ".",
         {"type": "stdio"}),
    Case("kimi", lambda ws, h: ws / ".kimi-code" / "mcp.json", "json", ("mcpServers",), _JSON_SEED, ".", {}),
    Case("amp", lambda ws, h: ws / ".amp" / "settings.json", "jsonc", ("amp.mcpServers",),
         _seed("amp.mcpServers", _STDIO, True), ".", {}),
    Case("roo", lambda ws, h: ws / ".roo" / "mcp.json", "json", ("mcpServers",), _JSON_SEED, "${workspaceFolder}",
         {}),
    Case("continue", lambda ws, h: ws / ".continue" / "mcpServers" / "dos.json", "json", ("mcpServers",),
         _JSON_SEED, ".", {}),
    Case("claude-desktop", lambda ws, h: h / ".config" / "Claude" / "claude_desktop_config.json", "json",
         ("mcpServers",), _JSON_SEED, None, {}),
    Case("codex", lambda ws, h: h / ".codex" / "config.toml", "toml", ("mcp_servers",),
         '# my codex\nmodel = "o3"\n\n[mcp_servers.other]\ncommand = "other-mcp"  # keep\n', None, {}),
    Case("vibe", lambda ws, h: h / ".vibe" / "config.toml", "toml-list", ("mcp_servers",),
         '# my vibe\nactive_model = "devstral"\n\n[[mcp_servers]]\nname = "other"\ntransport = "stdio"\n'
         'command = "other-mcp"  # keep\n', None, {"name": "dos", "transport": "stdio"}),
    Case("windsurf", lambda ws, h: h / ".codeium" / "windsurf" / "mcp_config.json", "json", ("mcpServers",),
         _JSON_SEED, None, {}),
    Case("antigravity", lambda ws, h: h / ".gemini" / "antigravity" / "mcp_config.json", "json", ("mcpServers",),
         _JSON_SEED, None, {}),
    Case("augment", lambda ws, h: h / ".augment" / "settings.json", "json", ("mcpServers",), _JSON_SEED, None, {}),
    Case("openhands", lambda ws, h: h / ".openhands" / "mcp.json", "json", ("mcpServers",), _JSON_SEED, None, {}),
    Case("cline", lambda ws, h: h / ".cline" / "data" / "settings" / "cline_mcp_settings.json", "json",
         ("mcpServers",), _JSON_SEED, None, {"disabled": False}),
    Case("goose", lambda ws, h: h / ".config" / "goose" / "config.yaml", "yaml", ("extensions",),
         "# goose settings\nGOOSE_PROVIDER: openai  # mine\nextensions:\n  developer:\n    enabled: true  # on\n"
         "    type: builtin\n\n# the mode\nGOOSE_MODE: auto\n", None,
         {"type": "stdio", "name": "dos", "enabled": True, "timeout": 300}),
    Case("hermes", lambda ws, h: h / ".hermes" / "config.yaml", "yaml", ("mcp_servers",),
         "# hermes profile\nmodel: x  # mine\nmcp_servers:\n  other:\n    command: other-mcp  # keep\n", None, {}),
    Case("continue-cli", lambda ws, h: h / ".continue" / "config.yaml", "yaml-list", ("mcpServers",),
         "# my cn config\nname: mine\nversion: 0.0.1\nschema: v1\nmodels:\n  - name: m  # mine\n"
         "    provider: openai\nmcpServers:\n  - name: other\n    command: other-mcp  # keep\n", None,
         {"name": "dos"}),
]


def _load(case: Case, text: str) -> Any:
    if case.fmt == "json":
        return json.loads(text)
    if case.fmt == "jsonc":
        return _jsonc(text)
    if case.fmt in ("toml", "toml-list"):
        return tomllib.loads(text)
    return yaml.safe_load(text)


def _servers(case: Case, data: Any) -> Any:
    node = data
    for k in case.keys:
        node = node[k]
    return node


def _ours(case: Case, data: Any) -> dict[str, Any] | None:
    servers = _servers(case, data)
    if case.fmt in ("toml-list", "yaml-list"):
        return next((t for t in servers if t.get("name") == "dos"), None)
    return servers.get("dos")


def _others(case: Case, data: Any) -> Any:
    servers = _servers(case, data)
    if case.fmt in ("toml-list", "yaml-list"):
        return [t for t in servers if t.get("name") != "dos"]
    return {k: v for k, v in servers.items() if k != "dos"}


def _command(case: Case, e: dict[str, Any]) -> list[str]:
    """The entry's argv, whatever the host calls its fields."""
    if case.host in ("opencode", "kilo"):
        return list(e["command"])
    return [e["cmd"] if case.host == "goose" else e["command"], *e["args"]]


def _env(e: dict[str, Any]) -> dict[str, str]:
    return e.get("env") or e.get("environment") or e.get("envs") or {}


def _check_entry(case: Case, e: dict[str, Any] | None, ws: Path) -> None:
    assert e is not None, "no dos entry"
    argv = _command(case, e)
    if case.portable is not None:
        assert argv == ["dos-mcp", "--workspace", case.portable], argv
    else:
        assert argv == [PY, "-m", "dos.mcp", "--workspace", str(ws.resolve())], argv
    assert _env(e) == {"PYTHONIOENCODING": "utf-8"}
    for k, v in case.shape.items():
        assert e[k] == v, (k, e)


@pytest.fixture
def home() -> Path:
    return Path(os.environ["HOME"])  # the isolated home the suite gives every test


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_register_keeps_the_users_file_and_remove_gives_it_back(tmp_path, run_dos, home, case) -> None:
    """Into a file the user already has (comments, another server): the entry is added with the real
    parser reading it back, a rerun leaves the bytes, --remove restores the user's exact bytes."""
    ws = tmp_path / "ws"
    ws.mkdir()
    path = case.where(ws, home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(case.seed)
    before = _load(case, case.seed)

    first = run_dos("init", "--mcp", case.host, cwd=ws)
    assert first.returncode == 0, first.stderr
    assert "registered in" in first.stdout and str(path) in first.stdout, first.stdout
    data = _load(case, path.read_text())
    _check_entry(case, _ours(case, data), ws)
    assert _others(case, data) == _others(case, before), "another server changed"
    if case.fmt in ("jsonc", "toml", "toml-list", "yaml", "yaml-list"):
        assert "keep" in path.read_text() or "mine" in path.read_text(), "the user's comments were dropped"

    snapshot = path.read_bytes()
    again = run_dos("init", "--mcp", case.host, cwd=ws)
    assert again.returncode == 0 and "already registered" in again.stdout, again.stdout
    assert path.read_bytes() == snapshot

    gone = run_dos("init", "--mcp", case.host, "--remove", cwd=ws)
    assert gone.returncode == 0 and "removed from" in gone.stdout, gone.stderr
    assert path.read_text() == case.seed
    noop = run_dos("init", "--mcp", case.host, "--remove", cwd=ws)
    assert noop.returncode == 0 and "was not in" in noop.stdout
    assert not (ws / "dos.toml").exists(), "wiring a host must not write dos.toml"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_file_dos_creates_is_removed_with_the_entry(tmp_path, run_dos, home, case) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    path = case.where(ws, home)
    assert run_dos("init", "--mcp", case.host, cwd=ws).returncode == 0
    _check_entry(case, _ours(case, _load(case, path.read_text())), ws)
    assert run_dos("init", "--mcp", case.host, "--remove", cwd=ws).returncode == 0
    assert not path.exists()


_BROKEN = {"json": '{\n  "mcpServers": {\n    "x": 1,\n  }\n}\n',  # a trailing comma strict JSON refuses
           "jsonc": '{\n  // fine\n  "mcpServers": {\n    "x": [1,\n  }\n}\n',
           "toml": 'model = "m"\n[mcp_servers\n', "toml-list": 'active_model = "m"\n[[mcp_servers]\n',
           "yaml": "GOOSE_MODE: auto\nextensions: [1\n", "yaml-list": "name: x\nmcpServers:\n  - name: a\n   b: [\n"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_file_that_does_not_parse_is_one_line_and_left_alone(tmp_path, run_dos, home, case) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    path = case.where(ws, home)
    path.parent.mkdir(parents=True, exist_ok=True)
    broken = _BROKEN[case.fmt]
    path.write_text(broken)
    for extra in ((), ("--remove",)):
        proc = run_dos("init", "--mcp", case.host, *extra, cwd=ws)
        assert proc.returncode == 2, proc
        assert proc.stderr.startswith("error: ") and str(path) in proc.stderr, proc.stderr
        assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
        if case.fmt != "toml":  # tomlkit names the line too, in its own words
            assert "line" in proc.stderr, proc.stderr
        assert path.read_text() == broken


def test_a_stale_entry_is_replaced_where_it_stands(tmp_path, run_dos) -> None:
    """An old `dos` entry in a JSONC file is rewritten in place; the user's comment beside it stays."""
    ws = tmp_path / "ws"
    (ws / ".gemini").mkdir(parents=True)
    path = ws / ".gemini" / "settings.json"
    path.write_text('{\n  "mcpServers": {\n    // ours, old\n    "dos": {"command": "stale"},\n'
                    '    "other": {"command": "x"}\n  }\n}\n')
    assert run_dos("init", "--mcp", "gemini", cwd=ws).returncode == 0
    text = path.read_text()
    assert "stale" not in text and "// ours, old" in text
    data = _jsonc(text)
    assert list(data["mcpServers"]) == ["dos", "other"]
    assert data["mcpServers"]["dos"]["command"] == "dos-mcp"


def test_opencode_and_kilo_use_an_existing_jsonc_file(tmp_path, run_dos) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    for name in ("opencode.jsonc", "kilo.jsonc"):
        (ws / name).write_text('{\n  // mine\n  "mcp": {},\n}\n')
    for host, name in (("opencode", "opencode.jsonc"), ("kilo", "kilo.jsonc")):
        out = run_dos("init", "--mcp", host, cwd=ws)
        assert out.returncode == 0 and str(ws / name) in out.stdout, out.stdout
        assert _jsonc((ws / name).read_text())["mcp"]["dos"]["command"][0] == "dos-mcp"
    assert not (ws / "opencode.json").exists() and not (ws / "kilo.json").exists()


def test_vibe_writes_the_projects_config_when_there_is_one(tmp_path, run_dos, home) -> None:
    """Vibe reads ./.vibe/config.toml instead of the user's: then the entry goes there, portable."""
    ws = tmp_path / "ws"
    (ws / ".vibe").mkdir(parents=True)
    project = ws / ".vibe" / "config.toml"
    project.write_text('# project vibe\nactive_model = "m"\n')
    out = run_dos("init", "--mcp", "vibe", cwd=ws)
    assert out.returncode == 0 and str(project) in out.stdout
    table = tomllib.loads(project.read_text())["mcp_servers"][0]
    assert table["command"] == "dos-mcp" and table["args"] == ["--workspace", "."]
    assert not (home / ".vibe" / "config.toml").exists()


def test_yaml_in_flow_style_is_rewritten_and_says_so(tmp_path, run_dos, home) -> None:
    """A layout the splice cannot edit is dumped by PyYAML, and the output line says comments were lost."""
    ws = tmp_path / "ws"
    ws.mkdir()
    path = home / ".hermes" / "config.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("# mine\nmcp_servers: {other: {command: x}}\n")
    out = run_dos("init", "--mcp", "hermes", cwd=ws)
    assert out.returncode == 0 and "comments were not kept" in out.stdout, out.stdout
    data = yaml.safe_load(path.read_text())
    assert data["mcp_servers"]["other"] == {"command": "x"} and data["mcp_servers"]["dos"]["command"] == PY


def test_hosts_without_an_mcp_file_are_named_plainly(tmp_path, run_dos) -> None:
    for host, says in (("claude-cowork", "claude-desktop"), ("codebuddy", "by hand")):
        proc = run_dos("init", "--mcp", host, cwd=tmp_path)
        assert proc.returncode == 2 and "not registered" in proc.stderr and says in proc.stderr, proc.stderr
        assert len(proc.stderr.splitlines()) == 1


def test_aliases_reach_the_same_file(tmp_path, run_dos) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    out = run_dos("init", "--mcp", "cursor-cli", cwd=ws)
    assert out.returncode == 0 and str(ws / ".cursor" / "mcp.json") in out.stdout


def test_auto_registers_only_hosts_whose_file_is_in_the_workspace(tmp_path, run_dos, home) -> None:
    """--mcp auto: Gemini, Factory and Kimi's project files are written; Antigravity (found by its
    `.agents` directory) keeps its file in the home, so it is left alone."""
    ws = tmp_path / "ws"
    for d in (".gemini", ".factory", ".agents"):
        (ws / d).mkdir(parents=True)
    bare_path = f"{Path(PY).parent}{os.pathsep}/usr/bin{os.pathsep}/bin"
    out = run_dos("init", "--mcp", "auto", cwd=ws, env={"PATH": bare_path})
    assert out.returncode == 0, out.stderr
    assert _jsonc((ws / ".gemini" / "settings.json").read_text())["mcpServers"]["dos"]["command"] == "dos-mcp"
    assert json.loads((ws / ".factory" / "mcp.json").read_text())["mcpServers"]["dos"]["type"] == "stdio"
    assert not (home / ".gemini" / "antigravity").exists()
    gone = run_dos("init", "--mcp", "auto", "--remove", cwd=ws, env={"PATH": bare_path})
    assert gone.returncode == 0
    assert not (ws / ".gemini" / "settings.json").exists() and not (ws / ".factory" / "mcp.json").exists()


@pytest.mark.parametrize("host", ["opencode", "goose", "vibe", "continue-cli"])
def test_the_written_entry_starts_a_working_server(tmp_path, run_dos, home, dos_env, host) -> None:
    """Start the server exactly as the host would from what DOS wrote (OpenCode's argv array, Goose's
    `cmd`/`envs` in YAML, Vibe's [[mcp_servers]] table, the Continue CLI's `mcpServers` item), cwd the
    workspace, and call a tool."""
    import anyio
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    case = next(c for c in CASES if c.host == host)
    ws = tmp_path / "ws"
    ws.mkdir()
    assert run_dos("init", "--mcp", host, cwd=ws).returncode == 0
    e = _ours(case, _load(case, case.where(ws, home).read_text()))
    argv = _command(case, e)
    path_var = f"{Path(PY).parent}{os.pathsep}{os.environ['PATH']}"
    params = StdioServerParameters(command=argv[0], args=argv[1:], cwd=str(ws),
                                   env=dos_env({**_env(e), "PATH": path_var}))

    async def go():
        with open(tmp_path / "server.log", "w") as log:
            async with stdio_client(params, errlog=log) as (r, w):
                async with ClientSession(r, w) as s:
                    await s.initialize()
                    return (await s.call_tool("dos_doctor", {})).structuredContent

    assert anyio.run(go)["workspace"] == str(ws.resolve())


def test_continue_cli_honours_continue_global_dir_and_says_what_a_new_file_needs(tmp_path, run_dos, home) -> None:
    """cn reads $CONTINUE_GLOBAL_DIR/config.yaml (default ~/.continue). A file DOS creates gets the `name`,
    `version` and `schema` cn refuses to load without, but no model: the output line says cn needs one
    and now loads this file instead of its Hub default. Removing DOS's item deletes the file again."""
    ws = tmp_path / "ws"
    ws.mkdir()
    cdir = tmp_path / "cn-home"
    path = cdir / "config.yaml"
    out = run_dos("init", "--mcp", "continue-cli", cwd=ws, env={"CONTINUE_GLOBAL_DIR": str(cdir)})
    assert out.returncode == 0 and str(path) in out.stdout, out.stderr
    assert "needs a model" in out.stdout and "instead of its default" in out.stdout, out.stdout
    data = yaml.safe_load(path.read_text())
    assert data["name"] and data["version"] and data["schema"] == "v1" and "models" not in data
    assert data["mcpServers"] == [{"name": "dos", "command": PY, "args": ["-m", "dos.mcp", "--workspace",
                                                                           str(ws.resolve())],
                                   "env": {"PYTHONIOENCODING": "utf-8"}}]
    assert not (home / ".continue").exists()
    again = run_dos("init", "--mcp", "continue-cli", cwd=ws, env={"CONTINUE_GLOBAL_DIR": str(cdir)})
    assert "already registered" in again.stdout and "needs a model" not in again.stdout
    gone = run_dos("init", "--mcp", "continue-cli", "--remove", cwd=ws, env={"CONTINUE_GLOBAL_DIR": str(cdir)})
    assert gone.returncode == 0 and "removed from" in gone.stdout and not path.exists()


def test_continue_cli_refuses_a_server_map_in_one_line(tmp_path, run_dos, home) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    path = home / ".continue" / "config.yaml"
    path.parent.mkdir(parents=True)
    text = "name: x\nversion: 1\nmcpServers:\n  other:\n    command: o\n"
    path.write_text(text)
    proc = run_dos("init", "--mcp", "continue-cli", cwd=ws)
    assert proc.returncode == 2 and str(path) in proc.stderr and "must be a list" in proc.stderr, proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and path.read_text() == text


def test_continue_cli_flow_style_list_is_rewritten_and_says_so(tmp_path, run_dos, home) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    path = home / ".continue" / "config.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("# mine\nname: x\nversion: 1\nmcpServers: [{name: other, command: o}]\n")
    out = run_dos("init", "--mcp", "continue-cli", cwd=ws)
    assert out.returncode == 0 and "comments were not kept" in out.stdout, out.stdout
    servers = yaml.safe_load(path.read_text())["mcpServers"]
    assert servers[0] == {"name": "other", "command": "o"} and servers[1]["command"] == PY


def test_continue_points_cli_users_to_continue_cli(tmp_path, run_dos) -> None:
    out = run_dos("init", "--mcp", "continue", cwd=tmp_path)
    assert out.returncode == 0 and "dos init --mcp continue-cli" in out.stdout, out.stdout
