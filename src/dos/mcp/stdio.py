"""MCP over stdio without the SDK: newline-delimited JSON-RPC 2.0 on the protocol's own fds.

An agent host starts ``dos-mcp`` with every session, and importing the SDK (its pydantic
models, httpx, jsonschema) costs about forty times Python's own start-up. The stdio protocol
the tools need is small: ``initialize``, ``ping``, ``tools/list``, ``tools/call``,
``resources/list``, ``resources/read`` and notifications, answered here from
``dos.mcp.calls``, the same answers the SDK server gives over HTTP (a test holds the two
equal). Each request runs as its own task, so a slow tool never holds up a ``ping``; errors
follow JSON-RPC: -32700 unparsable, -32600 not a request (batches included: MCP 2025-06-18
dropped them), -32601 unknown method, -32602 bad params, -32002 unknown resource.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from dos._version import __version__
from dos.mcp import SERVER_NAME

PROTOCOL_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")  # newest first
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR = -32700, -32600, -32601, -32602, -32603
RESOURCE_NOT_FOUND = -32002
CAPABILITIES = {"experimental": {}, "resources": {"subscribe": False, "listChanged": False},
                "tools": {"listChanged": False}}
_NO_ID = object()


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class Session:
    """One client on the pipes: reads requests, answers each on its own task, writes whole lines to OUT_FD."""

    def __init__(self, out_fd: int, *, workspace: str | None, deadline_ms: int) -> None:
        self.out_fd = out_fd
        self.workspace = workspace
        self.deadline_ms = deadline_ms
        self.tasks: set[asyncio.Task[None]] = set()
        self.methods = {"initialize": self.initialize, "ping": self.ping, "tools/list": self.tools_list,
                        "tools/call": self.tools_call, "resources/list": self.resources_list,
                        "resources/read": self.resources_read}

    async def serve(self, lines: Any) -> None:
        """Answer every line of LINES (an async iterator of str) until it ends, then the calls in flight."""
        async for line in lines:
            if line.strip():
                task = asyncio.get_running_loop().create_task(self.handle(line))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    async def handle(self, line: str) -> None:
        try:
            msg = json.loads(line)
        except ValueError as exc:
            return self.error(None, PARSE_ERROR, f"Parse error: {exc}")
        if isinstance(msg, list):
            return self.error(None, INVALID_REQUEST, "Invalid request: batches are not supported")
        if not isinstance(msg, dict):
            return self.error(None, INVALID_REQUEST, "Invalid request: not a JSON-RPC object")
        mid = msg.get("id", _NO_ID)
        method = msg.get("method")
        if method is None and ("result" in msg or "error" in msg):
            return None  # a client's answer: this server sends no requests
        valid_id = mid is _NO_ID or (isinstance(mid, (str, int)) and not isinstance(mid, bool))
        if msg.get("jsonrpc") != "2.0" or not isinstance(method, str) or not valid_id:
            return self.error(mid if valid_id and mid is not _NO_ID else None, INVALID_REQUEST,
                              "Invalid request: needs jsonrpc \"2.0\", a method name and a string or integer id")
        if mid is _NO_ID:
            return None  # a notification (initialized, cancelled, ...): nothing to answer
        params = msg.get("params", {})
        if params is None:
            params = {}
        handler = self.methods.get(method)
        if handler is None:
            return self.error(mid, METHOD_NOT_FOUND, f"Method not found: {method}")
        if not isinstance(params, dict):
            return self.error(mid, INVALID_PARAMS, f"Invalid params: {method} takes an object")
        try:
            result = await handler(params)
        except RpcError as exc:
            return self.error(mid, exc.code, str(exc))
        except Exception as exc:  # noqa: BLE001 - one bad request must not take the session down
            return self.error(mid, INTERNAL_ERROR, f"Internal error: {type(exc).__name__}: {exc}")
        self.send({"jsonrpc": "2.0", "id": mid, "result": result})

    # ------------------------------------------------------------------ methods

    async def initialize(self, params: dict[str, Any]) -> dict[str, Any]:
        from dos.mcp.calls import INSTRUCTIONS

        asked = params.get("protocolVersion")
        version = asked if asked in PROTOCOL_VERSIONS else PROTOCOL_VERSIONS[0]
        return {"protocolVersion": version, "capabilities": CAPABILITIES,
                "serverInfo": {"name": SERVER_NAME, "version": __version__}, "instructions": INSTRUCTIONS}

    async def ping(self, params: dict[str, Any]) -> dict[str, Any]:
        return {}

    async def tools_list(self, params: dict[str, Any]) -> dict[str, Any]:
        from dos.mcp.calls import tool_defs

        return {"tools": tool_defs()}

    async def tools_call(self, params: dict[str, Any]) -> dict[str, Any]:
        from dos.mcp.calls import call_result

        name = params.get("name")
        if not isinstance(name, str):
            raise RpcError(INVALID_PARAMS, "Invalid params: tools/call needs the tool's name")
        arguments = params.get("arguments")
        return await call_result(name, {} if arguments is None else arguments, workspace=self.workspace,
                                 deadline_ms=self.deadline_ms)

    async def resources_list(self, params: dict[str, Any]) -> dict[str, Any]:
        from dos.mcp.calls import resource_defs

        return {"resources": resource_defs()}

    async def resources_read(self, params: dict[str, Any]) -> dict[str, Any]:
        from dos.mcp.calls import MIME, UnknownResource, read_resource

        uri = params.get("uri")
        if not isinstance(uri, str):
            raise RpcError(INVALID_PARAMS, "Invalid params: resources/read needs a uri")
        try:
            text = await read_resource(uri, workspace=self.workspace, deadline_ms=self.deadline_ms)
        except UnknownResource as exc:
            raise RpcError(RESOURCE_NOT_FOUND, str(exc)) from None
        return {"contents": [{"uri": uri, "mimeType": MIME, "text": text}]}

    # ------------------------------------------------------------------ the wire

    def error(self, mid: Any, code: int, message: str) -> None:
        self.send({"jsonrpc": "2.0", "id": mid, "error": {"code": code, "message": message}})

    def send(self, msg: dict[str, Any]) -> None:
        """One message as one line (every write comes from the loop's thread, so lines never interleave)."""
        data = memoryview((json.dumps(msg, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))
        try:
            while data:
                data = data[os.write(self.out_fd, data):]
        except BrokenPipeError:  # the client went away; its remaining answers have nowhere to go
            pass
