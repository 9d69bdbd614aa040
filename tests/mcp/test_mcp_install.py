"""`dos init --mcp HOST`: per-host registration, idempotence, --remove; the entry really starts a server."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from pathlib import Path

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


@pytest.fixture
def hosts_env(tmp_path: Path) -> dict[str, str]:
    return {"CODEX_HOME": str(tmp_path / "codex-home"),
            "DOS_CLAUDE_DESKTOP_CONFIG": str(tmp_path / "desktop" / "claude_desktop_config.json")}


def _path(ws: Path, host: str, env: dict[str, str]) -> Path:
    return {"claude-code": ws / ".mcp.json", "cursor": ws / ".cursor" / "mcp.json",
            "claude-desktop": Path(env["DOS_CLAUDE_DESKTOP_CONFIG"]),
            "codex": Path(env["CODEX_HOME"]) / "config.toml"}[host]


def _entry(path: Path) -> dict | None:
    if path.suffix == ".toml":
        return tomllib.loads(path.read_text()).get("mcp_servers", {}).get("dos")
    return json.loads(path.read_text())["mcpServers"].get("dos")


@pytest.mark.parametrize("host", ["claude-code", "cursor", "claude-desktop", "codex"])
def test_register_is_idempotent_and_remove_undoes_it(tmp_path, run_dos, hosts_env, host) -> None:
    """A second run changes nothing; --remove deletes the file it created; a third --remove is a no-op."""
    ws = tmp_path / "ws"
    ws.mkdir()
    path = _path(ws, host, hosts_env)
    first = run_dos("init", "--mcp", host, cwd=ws, env=hosts_env)
    assert first.returncode == 0, first.stderr
    assert "registered in" in first.stdout and str(path) in first.stdout
    entry = _entry(path)
    assert entry and entry["args"][-2] == "--workspace"
    before = path.read_bytes()
    again = run_dos("init", "--mcp", host, cwd=ws, env=hosts_env)
    assert again.returncode == 0 and "already registered" in again.stdout
    assert path.read_bytes() == before
    assert not (ws / "dos.toml").exists(), "wiring a host must not write dos.toml"
    gone = run_dos("init", "--mcp", host, "--remove", cwd=ws, env=hosts_env)
    assert gone.returncode == 0 and "removed from" in gone.stdout
    assert not path.exists()
    noop = run_dos("init", "--mcp", host, "--remove", cwd=ws, env=hosts_env)
    assert noop.returncode == 0 and "was not in" in noop.stdout


@pytest.mark.parametrize("host", ["claude-code", "cursor", "claude-desktop"])
def test_json_hosts_keep_other_servers_and_keys(tmp_path, run_dos, hosts_env, host) -> None:
    """Other servers and top-level keys survive registration and removal."""
    ws = tmp_path / "ws"
    ws.mkdir()
    path = _path(ws, host, hosts_env)
    path.parent.mkdir(parents=True, exist_ok=True)
    original = {"theme": "dark", "mcpServers": {"other": {"command": "other-mcp", "args": []}}}
    path.write_text(json.dumps(original))
    assert run_dos("init", "--mcp", host, cwd=ws, env=hosts_env).returncode == 0
    data = json.loads(path.read_text())
    assert data["theme"] == "dark" and data["mcpServers"]["other"] == original["mcpServers"]["other"]
    assert "dos" in data["mcpServers"]
    assert run_dos("init", "--mcp", host, "--remove", cwd=ws, env=hosts_env).returncode == 0
    assert json.loads(path.read_text()) == original


def test_codex_keeps_comments_and_replaces_in_place(tmp_path, run_dos, hosts_env) -> None:
    """A stale [mcp_servers.dos] is replaced where it stands; comments and other tables are kept."""
    ws = tmp_path / "ws"
    ws.mkdir()
    path = _path(ws, "codex", hosts_env)
    path.parent.mkdir(parents=True)
    head = '# my codex settings\nmodel = "o3"\n\n'
    tail = '# the other server\n[mcp_servers.other]\ncommand = "x"  # keep me\n'
    stale = '[mcp_servers.dos]\ncommand = "stale"\n\n[mcp_servers.dos.env]\nA = "1"\n\n'
    path.write_text(head + stale + tail)
    assert run_dos("init", "--mcp", "codex", cwd=ws, env=hosts_env).returncode == 0
    text = path.read_text()
    assert text.startswith(head + "[mcp_servers.dos]\n") and text.endswith(tail)
    assert "stale" not in text and 'A = "1"' not in text
    data = tomllib.loads(text)
    assert data["mcp_servers"]["dos"]["args"][-1] == str(ws.resolve())
    assert data["mcp_servers"]["other"] == {"command": "x"}
    assert run_dos("init", "--mcp", "codex", "--remove", cwd=ws, env=hosts_env).returncode == 0
    assert path.read_text() == head + tail


def test_unparseable_config_is_refused_and_left_untouched(tmp_path, run_dos, hosts_env) -> None:
    """Broken JSON or TOML: exit 2, one line naming the file, nothing written."""
    ws = tmp_path / "ws"
    ws.mkdir()
    broken = {"claude-code": "{not json", "codex": "[mcp_servers\n"}
    for host, text in broken.items():
        path = _path(ws, host, hosts_env)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        proc = run_dos("init", "--mcp", host, cwd=ws, env=hosts_env)
        assert proc.returncode == 2
        assert proc.stderr.startswith("error: ") and str(path) in proc.stderr
        assert len(proc.stderr.splitlines()) == 1
        assert path.read_text() == text


def test_unknown_host_names_the_hosts(tmp_path, run_dos) -> None:
    proc = run_dos("init", "--mcp", "vim", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown host 'vim'" in proc.stderr and "claude-desktop" in proc.stderr


def test_desktop_default_path_is_under_home(tmp_path, run_dos) -> None:
    """Without the override the Linux default is $XDG_CONFIG_HOME/Claude (here: the isolated home)."""
    xdg = tmp_path / "xdg"
    proc = run_dos("init", "--mcp", "claude-desktop", cwd=tmp_path, env={"XDG_CONFIG_HOME": str(xdg)})
    assert proc.returncode == 0, proc.stderr
    assert _entry(xdg / "Claude" / "claude_desktop_config.json")["command"]


@pytest.mark.parametrize("host", ["claude-code", "codex"])
def test_the_registered_entry_starts_a_working_server(tmp_path, run_dos, hosts_env, dos_env, host) -> None:
    """Launch the server exactly as the host would from its entry, and list the tools."""
    ws = tmp_path / "ws"
    ws.mkdir()
    assert run_dos("init", "--mcp", host, cwd=ws, env=hosts_env).returncode == 0
    entry = _entry(_path(ws, host, hosts_env))
    args = [a.replace("${CLAUDE_PROJECT_DIR:-.}", str(ws)) for a in entry["args"]]
    path_var = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    env = dos_env({**entry.get("env", {}), "PATH": path_var})
    params = StdioServerParameters(command=entry["command"], args=args, cwd=str(tmp_path), env=env)

    async def go():
        with open(tmp_path / "server.log", "w") as log:
            async with stdio_client(params, errlog=log) as (r, w):
                async with ClientSession(r, w) as s:
                    await s.initialize()
                    names = {t.name for t in (await s.list_tools()).tools}
                    res = await s.call_tool("dos_doctor", {})
                    return names, res.structuredContent

    names, doctor = anyio.run(go)
    assert "dos_lease_acquire" in names
    assert doctor["workspace"] == str(ws.resolve())


def test_codex_inline_entry_is_replaced_in_place_and_a_broken_file_is_one_line(tmp_path, run_dos, hosts_env) -> None:
    """`mcp_servers.dos = {...}` (a dotted inline table) is replaced, never duplicated; a TOML error is
    one line naming the file, and the file is left as it was."""
    ws = tmp_path / "ws"
    ws.mkdir()
    path = _path(ws, "codex", hosts_env)
    path.parent.mkdir(parents=True)
    path.write_text('# my codex\nmodel = "m"\nmcp_servers.dos = { command = "old" }\n\n[tui]\ntheme = "dark"\n')
    out = run_dos("init", "--mcp", "codex", cwd=ws, env=hosts_env)
    assert out.returncode == 0, out.stderr
    text = path.read_text()
    doc = tomllib.loads(text)
    assert doc["mcp_servers"]["dos"]["args"][-1] == str(ws.resolve()) and doc["tui"] == {"theme": "dark"}
    assert text.startswith("# my codex\n") and "old" not in text
    broken = 'model = "m"\n[mcp_servers\n'
    path.write_text(broken)
    bad = run_dos("init", "--mcp", "codex", cwd=ws, env=hosts_env)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and str(path) in bad.stderr
    assert "Traceback" not in bad.stderr and path.read_text() == broken
