"""The two transports: stdio (the protocol owns the real stdout) and streamable HTTP on 127.0.0.1.

In stdio mode fd 1 is handed to the protocol alone and then pointed at stderr, so a
stray print or a child process's output can never corrupt the JSON-RPC stream.
"""

from __future__ import annotations

import io
import os
import socket
import sys

import anyio

HOST = "127.0.0.1"
PATH = "/mcp"


def serve_stdio(*, workspace: str | None, deadline_ms: int) -> None:
    from mcp.server.stdio import stdio_server

    from dos.mcp.server import build_server

    proto_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    proto_out = io.TextIOWrapper(os.fdopen(proto_fd, "wb", buffering=0), encoding="utf-8",
                                 write_through=True)
    proto_in = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    server = build_server(workspace=workspace, deadline_ms=deadline_ms)

    async def run() -> None:
        async with stdio_server(stdin=anyio.wrap_file(proto_in), stdout=anyio.wrap_file(proto_out)) as (r, w):
            await server.run(r, w, server.create_initialization_options())

    anyio.run(run)


def serve_http(*, workspace: str | None, deadline_ms: int, port: int) -> None:
    """Streamable HTTP at http://127.0.0.1:PORT/mcp; the bound URL is printed to stderr first."""
    import uvicorn
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.applications import Starlette
    from starlette.routing import Route

    from dos.mcp.server import build_server

    server = build_server(workspace=workspace, deadline_ms=deadline_ms)
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=["127.0.0.1:*", "localhost:*"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*"],
    )
    manager = StreamableHTTPSessionManager(app=server, security_settings=security)

    class Endpoint:
        async def __call__(self, scope, receive, send) -> None:
            await manager.handle_request(scope, receive, send)

    app = Starlette(routes=[Route(PATH, endpoint=Endpoint())], lifespan=lambda _app: manager.run())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    bound = sock.getsockname()[1]
    sys.stderr.write(f"dos-mcp: serving streamable HTTP on http://{HOST}:{bound}{PATH}\n")
    sys.stderr.flush()
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
