"""Streamable HTTP on 127.0.0.1: the SDK's HTTP client lists and calls tools; foreign hosts are refused."""

from __future__ import annotations

import subprocess
import sys

import anyio
import httpx
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client


def test_streamable_http_smoke(repo, dos_env) -> None:
    """`dos-mcp --http --port 0` serves on 127.0.0.1; a client lists tools and calls dos_lease_status."""
    repo.commit("first")
    proc = subprocess.Popen([sys.executable, "-m", "dos.mcp", "--http", "--port", "0"], cwd=repo.path,
                            env=dos_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert "serving streamable HTTP on http://127.0.0.1:" in line, line
        url = line.rsplit(" ", 1)[1].strip()

        async def go():
            async with streamable_http_client(url) as (read, write, _sid):
                async with ClientSession(read, write) as s:
                    await s.initialize()
                    names = {t.name for t in (await s.list_tools()).tools}
                    res = await s.call_tool("dos_doctor", {})
                    return names, res

        names, res = anyio.run(go)
        assert {"dos_lease_acquire", "dos_doctor"} <= names
        assert not res.isError and res.structuredContent["workspace"] == str(repo.path)
        foreign = httpx.post(url, headers={"Host": "evil.example:80", "Content-Type": "application/json",
                                           "Accept": "application/json, text/event-stream"},
                             content=b"{}", timeout=30)
        assert foreign.status_code in (400, 403, 421), foreign.status_code
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stderr.close()
