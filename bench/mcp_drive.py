"""Drive an MCP stdio server: initialize, list tools, then N calls of one tool (or N acquire+release pairs).

    python bench/mcp_drive.py --calls 20 --tool dos_lease_status --args '{}' -- dos-mcp
    python bench/mcp_drive.py --sdk-client -- dos-mcp      # the same through the SDK's ClientSession

By default the client is a few lines of newline-delimited JSON-RPC over the server's pipes,
as a host that is not written in Python would be: the time is the server's (its start-up,
its SDK import, its answers), not a Python client importing the SDK as well. With
``--sdk-client`` the official SDK client drives it instead. ``--report`` prints, on
stderr, the milliseconds from spawn to the tool list and per call after it, and (bare
client, Linux) the server's CPU time for each: on a loaded machine the CPU time is the
steadier figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

PROTOCOL = "2025-06-18"


class Raw:
    """A minimal JSON-RPC client over a child's stdin/stdout (requests answered in order)."""

    def __init__(self, cmd: list[str]) -> None:
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.next_id = 0

    def send(self, msg: dict) -> None:
        self.proc.stdin.write(json.dumps(msg).encode() + b"\n")

    def request(self, method: str, params: dict) -> dict:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit(f"server exited before answering {method} (exit {self.proc.wait()})")
            msg = json.loads(line)
            if msg.get("id") == self.next_id and "method" not in msg:
                if "error" in msg:
                    raise SystemExit(f"{method}: {msg['error']}")
                return msg["result"]
            if "method" in msg and "id" in msg:  # a request from the server: this client offers nothing
                self.send({"jsonrpc": "2.0", "id": msg["id"],
                           "error": {"code": -32601, "message": "not supported by this client"}})

    def initialize(self) -> None:
        self.request("initialize", {"protocolVersion": PROTOCOL, "capabilities": {},
                                    "clientInfo": {"name": "mcp_drive", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def list_tools(self) -> list[dict]:
        return self.request("tools/list", {})["tools"]

    def call_tool(self, name: str, arguments: dict) -> dict:
        return self.request("tools/call", {"name": name, "arguments": arguments})

    def cpu_s(self) -> float | None:
        """The server's CPU time so far (user + system), or None where /proc cannot tell."""
        try:
            with open(f"/proc/{self.proc.pid}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.proc.wait()


CPU: list[float | None] = []  # the bare client's server CPU seconds: at the tool list, after the calls


def run_raw(cmd: list[str], a: argparse.Namespace) -> tuple[float, float]:
    t0 = time.perf_counter()
    c = Raw(cmd)
    try:
        c.initialize()
        assert c.list_tools()
        t1 = time.perf_counter()
        CPU.append(c.cpu_s())
        for _ in range(a.calls):
            if a.pairs:
                got = c.call_tool("dos_lease_acquire", {"holder": "bench", "lane": "src"})
                assert got["structuredContent"]["granted"], got["content"]
                rel = c.call_tool("dos_lease_release", {"holder": "bench", "lane": "src"})
                assert rel["structuredContent"]["released"], rel["content"]
            else:
                res = c.call_tool(a.tool, json.loads(a.args))
                assert not res.get("isError"), res["content"]
        t2 = time.perf_counter()
        CPU.append(c.cpu_s())
    finally:
        c.close()
    return t1 - t0, t2 - t1


def run_sdk(cmd: list[str], a: argparse.Namespace) -> tuple[float, float]:
    import anyio
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=cmd[0], args=cmd[1:])
    marks: list[float] = []

    async def go() -> None:
        marks.append(time.perf_counter())
        async with stdio_client(params, errlog=sys.stderr) as (r, w):
            async with ClientSession(r, w) as s:
                await s.initialize()
                await s.list_tools()
                marks.append(time.perf_counter())
                for _ in range(a.calls):
                    if a.pairs:
                        got = await s.call_tool("dos_lease_acquire", {"holder": "bench", "lane": "src"})
                        assert got.structuredContent["granted"], got.content
                        rel = await s.call_tool("dos_lease_release", {"holder": "bench", "lane": "src"})
                        assert rel.structuredContent["released"], rel.content
                    else:
                        res = await s.call_tool(a.tool, json.loads(a.args))
                        assert not res.isError, res.content
                marks.append(time.perf_counter())

    anyio.run(go)
    return marks[1] - marks[0], marks[2] - marks[1]


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--calls", type=int, default=0)
    p.add_argument("--tool", default="")
    p.add_argument("--args", default="{}")
    p.add_argument("--pairs", action="store_true", help="alternate dos_lease_acquire and dos_lease_release")
    p.add_argument("--sdk-client", action="store_true", help="drive the server with the MCP SDK's client")
    p.add_argument("--report", action="store_true", help="print start-up and per-call ms on stderr")
    p.add_argument("server", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.server[1:] if a.server[:1] == ["--"] else a.server
    start, calls = (run_sdk if a.sdk_client else run_raw)(cmd, a)
    if a.report:
        n = a.calls * (2 if a.pairs else 1)
        per = f", {calls / n * 1e3:.2f} ms per call ({n} calls)" if n else ""
        cpu = ""
        if len(CPU) == 2 and None not in CPU:
            cpu = f"; server CPU: {CPU[0] * 1e3:.0f} ms to the tool list"
            cpu += f", {(CPU[1] - CPU[0]) / n * 1e3:.2f} ms per call" if n else ""
        print(f"start, initialize, list tools: {start * 1e3:.1f} ms{per}{cpu}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
