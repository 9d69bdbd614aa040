"""``dos serve``: bind the socket, say where, and run the dashboard under uvicorn until Ctrl-C."""

from __future__ import annotations

import socket
import sys
from typing import Any

from dos.errors import UsageError


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on HOST:PORT (PORT 0: a free one); UsageError when it cannot be had."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UsageError(f"dos serve: cannot resolve --host {host!r} ({exc.strerror})") from None
    family, kind, proto, _, addr = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise UsageError(f"dos serve: cannot listen on {host}:{port} ({exc.strerror}); pick another --port") from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/"


def serve(workspace: Any, config: Any, *, host: str, port: int, token: str, allow_ops: bool,
          poll_s: float = 0.1) -> None:
    """Serve the dashboard of WORKSPACE until interrupted."""
    try:
        import starlette  # noqa: F401 - the app's framework, imported by dos.web.app
        import uvicorn
    except ImportError as exc:
        from dos.errors import MissingExtra

        raise MissingExtra(f"dos serve needs the web extra ({exc.name} is not installed): "
                           "pip install 'dos[web]'") from None

    from dos.service.context import Context
    from dos.web.app import create_app

    app = create_app(lambda: Context(workspace, config), token=token, host=host, allow_ops=allow_ops,
                     poll_s=poll_s)
    sock = bind(host, port)
    url = url_of(sock, host)
    mode = "operations enabled (halt, release expired)" if allow_ops else "read-only"
    sys.stdout.write(f"dos serve: {url} ({mode}; Ctrl-C to stop)\n")
    if token:
        sys.stdout.write("dos serve: open it with ?token=<your token> once (a cookie keeps it), or send "
                         "'Authorization: Bearer <token>'\n")
    sys.stdout.flush()
    config_ = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=1,
                             lifespan="on", proxy_headers=False, server_header=False)
    server = uvicorn.Server(config_)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
