"""The two transports: stdio (the protocol owns the real stdin and stdout) and streamable HTTP on 127.0.0.1.

stdio is answered by ``dos.mcp.stdio`` without the SDK (start-up is what an agent host waits
for); streamable HTTP by the SDK's session manager around ``dos.mcp.server``.

In stdio mode fds 0 and 1 are handed to the protocol alone; then fd 1 points at stderr
and fd 0 at /dev/null, so a stray print or a child process's output can never corrupt
the JSON-RPC stream, and no child can read a request meant for the server.

The stdio pipes are served without a thread hop per message: one reader thread does
blocking reads and hands whole lines (split at ``\n``, decoded as UTF-8 with bad bytes
replaced) to the event loop, and each answer is written straight to the pipe. No file
status flag of an inherited descriptor is changed.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading

HOST = "127.0.0.1"
PATH = "/mcp"


def serve_stdio(*, workspace: str | None, deadline_ms: int) -> None:
    """Serve one client on stdin and stdout (``dos.mcp.stdio``: no SDK on this path)."""
    from dos.mcp.stdio import Session

    proto_out = os.dup(1)
    proto_in = os.dup(0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)

    async def run() -> None:
        await Session(proto_out, workspace=workspace, deadline_ms=deadline_ms).serve(_Lines(proto_in))

    asyncio.run(run())


class _Lines:
    """The lines of FD as an async iterator of str, read by a daemon thread; ends at EOF."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._loop = asyncio.get_running_loop()
        self._lines: asyncio.Queue[bytes | None] = asyncio.Queue()
        threading.Thread(target=self._pump, name="dos-mcp-stdin", daemon=True).start()

    def _pump(self) -> None:
        buf = bytearray()
        while True:
            try:
                chunk = os.read(self._fd, 1 << 16)
            except InterruptedError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                for last in ((bytes(buf),) if buf else ()) + (None,):
                    self._post(last)
                return
            buf += chunk
            start = 0
            while (end := buf.find(b"\n", start)) >= 0:
                self._post(bytes(buf[start:end + 1]))
                start = end + 1
            del buf[:start]

    def _post(self, line: bytes | None) -> None:
        try:
            self._loop.call_soon_threadsafe(self._lines.put_nowait, line)
        except RuntimeError:  # the loop has closed: nobody is reading any more
            pass

    def __aiter__(self) -> _Lines:
        return self

    async def __anext__(self) -> str:
        line = await self._lines.get()
        if line is None:
            raise StopAsyncIteration
        return line.decode("utf-8", "replace")


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
    sock.listen(128)  # listening before the line is printed: a client that reads it and connects is queued, not refused
    bound = sock.getsockname()[1]
    sys.stderr.write(f"dos-mcp: serving streamable HTTP on http://{HOST}:{bound}{PATH}\n")
    sys.stderr.flush()
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
