"""Drive an MCP stdio server with the SDK client: initialize, list tools, then N calls of one tool.

    python bench/mcp_drive.py --calls 20 --tool dos_lease_status --args '{}' -- dos-mcp
"""

from __future__ import annotations

import argparse
import json
import sys

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--calls", type=int, default=0)
    p.add_argument("--tool", default="")
    p.add_argument("--args", default="{}")
    p.add_argument("--pairs", action="store_true", help="alternate dos_lease_acquire and dos_lease_release")
    p.add_argument("server", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.server[1:] if a.server[:1] == ["--"] else a.server
    params = StdioServerParameters(command=cmd[0], args=cmd[1:])

    async def go() -> None:
        async with stdio_client(params, errlog=sys.stderr) as (r, w):
            async with ClientSession(r, w) as s:
                await s.initialize()
                await s.list_tools()
                for i in range(a.calls):
                    if a.pairs:
                        got = await s.call_tool("dos_lease_acquire", {"holder": "bench", "lane": "src"})
                        assert got.structuredContent["granted"], got.content
                        rel = await s.call_tool("dos_lease_release", {"holder": "bench", "lane": "src"})
                        assert rel.structuredContent["released"], rel.content
                    else:
                        res = await s.call_tool(a.tool, json.loads(a.args))
                        assert not res.isError, res.content

    anyio.run(go)
    return 0


if __name__ == "__main__":
    sys.exit(main())
