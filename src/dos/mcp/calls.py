"""What the DOS MCP server answers, as plain JSON: the tool list, a tool call's result, the resources.

Both transports serve these: the lean stdio session (``dos.mcp.stdio``) writes them as they
are, the SDK server (``dos.mcp.server``, streamable HTTP) wraps them in the SDK's types. Every
call is validated here (a bad argument is an error result naming it), then run on a worker
thread under the deadline; a timeout answers a typed ``STALLED`` result. Nothing a tool
raises escapes ``call_result``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from dos.mcp.args import BadArgument, validate
from dos.mcp.catalog import TOOLS
from dos.mcp.context import Call
from dos.mcp.deadline import Overloaded, TimedOut, run_with_deadline

INSTRUCTIONS = (
    "DOS is the referee for agents sharing this git repository. Before writing, take a lane with "
    "dos_lease_acquire (it refuses and names the holder if someone has it), heartbeat it, and "
    "release it when done. Ask dos_verify whether a phase really shipped instead of trusting a claim."
)
RESOURCES = {
    "dos://config": ("workspace config", "The workspace's effective dos.toml configuration (JSON)."),
    "dos://leases": ("live leases", "Every lease in the store with holder, fence and expiry (JSON)."),
}
MIME = "application/json"


class UnknownResource(ValueError):
    """A resources/read of a URI this server does not have."""


def tool_defs() -> list[dict[str, Any]]:
    """The catalog as MCP tool definitions (``tools/list``), in catalog order."""
    return [{"name": t.name, "description": t.description, "inputSchema": t.schema(),
             "annotations": {"readOnlyHint": t.read_only, "destructiveHint": False}} for t in TOOLS.values()]


def resource_defs() -> list[dict[str, Any]]:
    """The resources (``resources/list``)."""
    return [{"uri": uri, "name": name, "description": desc, "mimeType": MIME} for uri, (name, desc) in RESOURCES.items()]


async def call_result(name: str, arguments: Any, *, workspace: str | None, deadline_ms: int,
                      holder_pid: int | None = None) -> dict[str, Any]:
    """The ``tools/call`` result of tool NAME: validated, run under the deadline, shaped; never raises."""
    from dos.errors import DosError

    spec = TOOLS.get(name) if isinstance(name, str) else None
    if spec is None:
        return _error({"error": "unknown_tool", "tool": name,
                       "message": f"unknown tool {name!r} (tools: {', '.join(sorted(TOOLS))})"})
    try:
        args = validate(name, spec.params, arguments)
        call = Call(name, args, workspace, deadline_ms=deadline_ms, holder_pid=holder_pid)
        result = await run_with_deadline(lambda: spec.body(call), deadline_ms)
    except BadArgument as exc:
        return _error({"error": "bad_argument", "tool": name, "argument": exc.argument, "message": str(exc)})
    except TimedOut as exc:
        return _error(stalled(name, exc.deadline_ms, writes=not spec.read_only))
    except Overloaded as exc:
        return _error({"verdict": "STALLED", "error": "overloaded", "tool": name, "in_flight": exc.in_flight,
                       "message": f"{name}: refused: {exc}",
                       "interpretation": "NO VERDICT: the server is waiting on blocked git or store calls; "
                                         "treat the answer as unknown and ask the operator."})
    except DosError as exc:
        return _error({"error": type(exc).__name__, "tool": name, "message": f"{name}: {exc}",
                       "exit_code": exc.exit_code})
    except Exception as exc:  # noqa: BLE001 - a tool bug must not take the server down
        print(f"dos-mcp: {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return _error({"error": "internal", "tool": name,
                       "message": f"{name}: internal error: {type(exc).__name__}: {exc}"})
    return {"content": [{"type": "text", "text": _dump(result)}], "structuredContent": result, "isError": False}


def stalled(name: str, deadline_ms: int, *, writes: bool = False) -> dict[str, Any]:
    """The typed timeout result: the call gave no verdict, so the agent must not assume one."""
    verb = name.removeprefix("dos_").replace("_", "-")
    check = " Check dos_lease_status before retrying: the change may still land." if writes else ""
    return {
        "verdict": "STALLED", "error": "timeout", "tool": name, "deadline_ms": deadline_ms,
        "reason": f"{name} did not answer within {deadline_ms} ms (git or the store is blocked)",
        "fallback": f"run `dos {verb} --json` in a shell, or retry later",
        "interpretation": f"NO VERDICT: {name} timed out after {deadline_ms} ms; treat the answer as "
                          f"unknown, do not act on it, and retry or ask the operator.{check}",
        "message": f"{name}: timed out after {deadline_ms} ms",
    }


async def read_resource(uri: str, *, workspace: str | None, deadline_ms: int) -> str:
    """The JSON text of resource URI (UnknownResource for one this server does not have)."""
    if uri not in RESOURCES:
        raise UnknownResource(f"unknown resource {uri!r} (resources: {', '.join(RESOURCES)})")
    data = await run_with_deadline(lambda: _resource(uri, workspace), deadline_ms)
    return json.dumps(data, indent=2, sort_keys=True)


def _error(payload: dict[str, Any]) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": payload["message"]}], "structuredContent": payload, "isError": True}


def _dump(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2, sort_keys=True, default=str)


def _resource(key: str, workspace: str | None) -> dict[str, Any]:
    call = Call("resource", {}, workspace)
    if key == "dos://config":
        return {"workspace": str(call.workspace.root), "found_by": call.workspace.found_by,
                "config": _plain(call.config)}
    from dos.service import leases

    with call.service() as ctx:
        now = ctx.now_ms()
        rows = [dict(x.to_dict(), live=live, expires_in_ms=x.expires_ms - now)
                for x, live in leases.leases(ctx, include_expired=True)]
    rows.sort(key=lambda r: r["fence"])
    return {"workspace": str(call.workspace.root), "now_ms": now, "leases": rows}


def _plain(value: Any) -> Any:
    """Config tables, mappings and tuples as plain JSON values."""
    from dos.kernel import table as tables

    if tables.is_table(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in tables.fields(value)}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
