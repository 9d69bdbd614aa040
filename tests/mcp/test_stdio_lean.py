"""The stdio server answers MCP without the SDK, follows JSON-RPC on bad input, and says what HTTP says.

The SDK client tests (test_server.py and the rest) drive stdio as a host does; these speak the
wire directly: a server whose ``mcp`` package cannot even be imported still serves, every kind
of bad line gets its JSON-RPC error and the session goes on, and ``tools/list``,
``resources/list`` and a tool call over stdio equal the SDK server's answers over HTTP.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "wire", "version": "0"}}}


def _exchange(cwd: Path, env: dict[str, str], lines: list[str], answers: int) -> list[dict[str, Any]]:
    """Send LINES to ``python -m dos.mcp`` and read ANSWERS answers (then close its stdin)."""
    proc = subprocess.Popen([sys.executable, "-m", "dos.mcp"], cwd=cwd, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for line in lines:
            proc.stdin.write(line + "\n")
        proc.stdin.flush()
        got = [json.loads(proc.stdout.readline()) for _ in range(answers)]
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
        return got
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_stdio_serves_with_no_importable_sdk(repo, tmp_path, dos_env) -> None:
    """An ``mcp`` package that raises on import, first on the path: stdio still initializes, lists and calls."""
    fake = tmp_path / "fake" / "mcp"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('the MCP SDK was imported on the stdio path')\n")
    env = dos_env()
    env["PYTHONPATH"] = f"{fake.parent}{os.pathsep}{env['PYTHONPATH']}"
    repo.commit("first")
    lines = [json.dumps(INIT), json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
             json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
             json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                         "params": {"name": "dos_doctor", "arguments": {}}})]
    init, listed, doctor = sorted(_exchange(repo.path, env, lines, 3), key=lambda m: m["id"])
    assert init["result"]["protocolVersion"] == "2025-06-18" and init["result"]["serverInfo"]["name"] == "dos"
    assert "dos_lease_acquire" in {t["name"] for t in listed["result"]["tools"]}
    assert doctor["result"]["isError"] is False
    assert doctor["result"]["structuredContent"]["workspace"] == str(repo.path)


def test_bad_lines_get_json_rpc_errors_and_the_session_goes_on(repo, dos_env) -> None:
    lines = ["not json", json.dumps([{"jsonrpc": "2.0", "id": 9, "method": "ping"}]), json.dumps(42),
             json.dumps({"jsonrpc": "2.0", "id": 2, "method": "no/such"}),
             json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": [1]}),
             json.dumps({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"arguments": {}}}),
             json.dumps({"jsonrpc": "2.0", "id": 5, "method": "resources/read", "params": {"uri": "dos://nope"}}),
             json.dumps({"jsonrpc": "1.0", "id": 6, "method": "ping"}),
             json.dumps({"jsonrpc": "2.0", "id": True, "method": "ping"}),
             json.dumps({"jsonrpc": "2.0", "id": 7, "result": {}}),  # a client's answer: no reply
             json.dumps({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}}),
             json.dumps({"jsonrpc": "2.0", "id": "last", "method": "ping"})]
    got = _exchange(repo.path, dos_env(), lines, 10)
    codes = [(m["id"], m.get("error", {}).get("code")) for m in got]
    assert codes[:3] == [(None, -32700), (None, -32600), (None, -32600)], codes
    by_id = {m["id"]: m for m in got if m["id"] is not None}
    assert by_id[2]["error"]["code"] == -32601 and "no/such" in by_id[2]["error"]["message"]
    assert by_id[3]["error"]["code"] == -32602 and by_id[4]["error"]["code"] == -32602
    assert by_id[5]["error"]["code"] == -32002 and "dos://nope" in by_id[5]["error"]["message"]
    assert by_id[6]["error"]["code"] == -32600
    assert [m["error"]["code"] for m in got if m["id"] is None][3:] == [-32600], "id true is no id"
    assert by_id["last"] == {"jsonrpc": "2.0", "id": "last", "result": {}}
    assert 7 not in by_id


def test_stdio_and_http_give_the_same_answers(repo, dos_env) -> None:
    """tools/list, resources/list and dos_doctor over the lean stdio server equal the SDK server's over HTTP."""
    repo.commit("first")
    lines = [json.dumps(INIT), json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
             json.dumps({"jsonrpc": "2.0", "id": 3, "method": "resources/list"}),
             json.dumps({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
                         "params": {"name": "dos_doctor", "arguments": {}}}),
             json.dumps({"jsonrpc": "2.0", "id": 5, "method": "tools/call",
                         "params": {"name": "dos_lease_status", "arguments": {"lane": 7}}})]
    stdio = {m["id"]: m["result"] for m in _exchange(repo.path, dos_env(), lines, 5)}
    proc = subprocess.Popen([sys.executable, "-m", "dos.mcp", "--http", "--port", "0"], cwd=repo.path,
                            env=dos_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        url = proc.stderr.readline().rsplit(" ", 1)[1].strip()

        async def go() -> dict[int, Any]:
            async with streamable_http_client(url) as (read, write, _sid):
                async with ClientSession(read, write) as s:
                    init = await s.initialize()
                    tools = await s.list_tools()
                    res = await s.list_resources()
                    doctor = await s.call_tool("dos_doctor", {})
                    bad = await s.call_tool("dos_lease_status", {"lane": 7})
            dump = {"by_alias": True, "exclude_none": True, "mode": "json"}
            return {1: init.model_dump(**dump), 2: tools.model_dump(**dump), 3: res.model_dump(**dump),
                    4: doctor.model_dump(**dump), 5: bad.model_dump(**dump)}

        http = anyio.run(go)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()
    assert stdio[1]["capabilities"] == http[1]["capabilities"] and stdio[1]["instructions"] == http[1]["instructions"]
    assert stdio[1]["serverInfo"]["name"] == http[1]["serverInfo"]["name"]
    assert stdio[2] == http[2]
    assert stdio[3] == http[3]
    for key in (4, 5):
        assert stdio[key]["isError"] == http[key]["isError"]
        assert stdio[key]["structuredContent"].keys() == http[key]["structuredContent"].keys()
    assert stdio[5] == http[5], "a bad argument is answered alike"
