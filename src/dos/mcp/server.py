"""The SDK's low-level ``Server`` with the DOS tools and resources: what streamable HTTP serves.

The answers themselves are ``dos.mcp.calls``' plain JSON (the lean stdio session writes the
same), wrapped here in the SDK's types.
"""

from __future__ import annotations

import json
from typing import Any

import mcp.types as types
from mcp.server.lowlevel import Server

from dos._version import __version__
from dos.mcp import SERVER_NAME
from dos.mcp.calls import INSTRUCTIONS, RESOURCES, call_result, read_resource, resource_defs, tool_defs


def build_server(*, workspace: str | None, deadline_ms: int, holder_pid: int | None = None) -> Server:
    """A low-level MCP server exposing the DOS tools and resources."""
    server: Server = Server(SERVER_NAME, version=__version__, instructions=INSTRUCTIONS)
    listed: list[types.Tool] = []  # built on the first tools/list, then the same every time

    @server.list_tools()
    async def _list_tools() -> list[types.Tool]:
        if not listed:
            listed.extend(types.Tool.model_validate(t) for t in tool_defs())
        return list(listed)

    @server.call_tool(validate_input=False)
    async def _call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        got = await call_result(name, arguments, workspace=workspace, deadline_ms=deadline_ms, holder_pid=holder_pid)
        return types.CallToolResult.model_validate(got)

    @server.list_resources()
    async def _list_resources() -> list[types.Resource]:
        return [types.Resource.model_validate(r) for r in resource_defs()]

    @server.read_resource()
    async def _read_resource(uri: Any):
        from mcp.server.lowlevel.helper_types import ReadResourceContents

        text = await read_resource(str(uri), workspace=workspace, deadline_ms=deadline_ms)
        return [ReadResourceContents(content=text, mime_type="application/json")]

    return server


__all__ = ["RESOURCES", "build_server", "json"]
