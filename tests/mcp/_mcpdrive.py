"""Drive the real ``dos-mcp`` server in a subprocess with the MCP SDK's own client."""

from __future__ import annotations

import json
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Mapping




from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402


@asynccontextmanager
async def mcp_session(cwd: Path, *args: str, env: Mapping[str, str],
                      errlog: Path | None = None) -> AsyncIterator[ClientSession]:
    """An initialised client session on ``python -m dos.mcp ARGS`` started in CWD with ENV (complete)."""
    params = StdioServerParameters(command=sys.executable, args=["-m", "dos.mcp", *args],
                                   env=dict(env), cwd=str(cwd))
    log_path = errlog or cwd.parent / f"dos-mcp-{cwd.name}.log"
    with open(log_path, "a", encoding="utf-8") as log:
        async with stdio_client(params, errlog=log) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session


async def call(session: ClientSession, tool: str, **arguments: Any) -> tuple[bool, dict[str, Any]]:
    """(is_error, structured result) of one tool call; the text block must carry the same JSON or message."""
    res = await session.call_tool(tool, arguments)
    data = res.structuredContent
    assert isinstance(data, dict), f"{tool} returned no structured content: {res.content}"
    text = res.content[0].text
    if res.isError:
        assert text == data["message"]
    else:
        assert json.loads(text) == data
    return bool(res.isError), data
