"""``dos-mcp``: serve the DOS tools over stdio (default) or streamable HTTP on 127.0.0.1.

Exits 2 for bad flags or environment, and with ``--http`` 1 when the MCP SDK is missing or
the wrong major version (with the command that fixes it); stdio needs no SDK.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from dos import exitcodes

DEFAULT_PORT = 8765


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dos-mcp", description="The DOS MCP server (stdio by default).")
    p.add_argument("--workspace", metavar="DIR", help="workspace root for every call that does not name one")
    p.add_argument("--http", action="store_true", help="serve streamable HTTP on 127.0.0.1 instead of stdio")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"with --http: the port (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    return p


def sdk_problem() -> str | None:
    """Why the installed MCP SDK cannot run this server, or None if it can."""
    from importlib.metadata import PackageNotFoundError, version

    from dos.mcp import MCP_RANGE

    try:
        found = version("mcp")
    except PackageNotFoundError:
        return f"dos-mcp needs the MCP SDK (mcp{MCP_RANGE}); install it with: pip install 'dos[mcp]'"
    major = found.split(".", 1)[0]
    if major != "1":
        return (f"dos-mcp needs mcp{MCP_RANGE} but mcp {found} is installed (2.x changed the server API); "
                f"fix with: pip install 'mcp{MCP_RANGE}'")
    try:
        import mcp.server.lowlevel  # noqa: F401
    except ImportError as exc:
        return (f"dos-mcp cannot import the MCP SDK (mcp {found}): {exc}; "
                f"reinstall with: pip install 'mcp{MCP_RANGE}'")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.version:
        from dos._version import __version__

        print(f"dos-mcp {__version__}")
        return exitcodes.OK
    from dos.mcp.deadline import deadline_from_env

    try:
        deadline_ms = deadline_from_env()
    except ValueError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exitcodes.CONTRACT_ERROR
    if args.workspace and not os.path.isdir(args.workspace):
        sys.stderr.write(f"error: --workspace {args.workspace!r} is not a directory\n")
        return exitcodes.CONTRACT_ERROR
    if not 0 <= args.port <= 65535:
        sys.stderr.write(f"error: --port {args.port} is out of range (0-65535)\n")
        return exitcodes.CONTRACT_ERROR
    problem = sdk_problem() if args.http else None
    if problem:
        sys.stderr.write(f"error: {problem}\n")
        return exitcodes.MISSING_EXTRA
    workspace = os.path.abspath(args.workspace) if args.workspace else None
    from dos.mcp import transports

    try:
        if args.http:
            transports.serve_http(workspace=workspace, deadline_ms=deadline_ms, port=args.port)
        else:
            transports.serve_stdio(workspace=workspace, deadline_ms=deadline_ms)
    except KeyboardInterrupt:
        return exitcodes.INTERRUPTED
    except OSError as exc:
        sys.stderr.write(f"error: dos-mcp: {exc.strerror or exc}\n")
        return exitcodes.CONTRACT_ERROR
    return exitcodes.OK


if __name__ == "__main__":
    sys.exit(main())
