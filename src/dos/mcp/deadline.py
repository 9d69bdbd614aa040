"""Run a blocking tool body in a daemon thread, raced against a deadline.

A hung git or a locked store cannot hang the server: past the deadline the caller gets
``TimedOut`` while the abandoned daemon thread finishes (or not) on its own.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any, Callable

DEFAULT_DEADLINE_MS = 5000
DEADLINE_ENV = "DOS_MCP_TOOL_DEADLINE_MS"
MAX_IN_FLIGHT = 16  # worker threads, abandoned ones included; past this, calls are refused at once

_lock = threading.Lock()
_in_flight = 0


class Overloaded(Exception):
    """Too many earlier calls are still stuck in their worker threads."""

    def __init__(self, in_flight: int) -> None:
        super().__init__(f"{in_flight} earlier call(s) are still stuck (git or the store is blocked)")
        self.in_flight = in_flight


class TimedOut(Exception):
    """The tool body did not finish within its deadline."""

    def __init__(self, deadline_ms: int) -> None:
        super().__init__(f"no answer within {deadline_ms} ms")
        self.deadline_ms = deadline_ms


def deadline_from_env(env: dict[str, str] | None = None) -> int:
    """The per-call deadline in ms from DOS_MCP_TOOL_DEADLINE_MS (0 disables); ValueError if malformed."""
    raw = (os.environ if env is None else env).get(DEADLINE_ENV, "").strip()
    if not raw:
        return DEFAULT_DEADLINE_MS
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{DEADLINE_ENV}={raw!r} is not an integer number of milliseconds "
                         f"(0 disables the deadline; default {DEFAULT_DEADLINE_MS})") from None
    if value < 0:
        raise ValueError(f"{DEADLINE_ENV}={raw!r} is negative (0 disables the deadline)")
    return value


async def run_with_deadline(fn: Callable[[], Any], deadline_ms: int) -> Any:
    """FN() in a fresh daemon thread; its result or exception, or TimedOut after DEADLINE_MS (0: no limit).

    Overloaded, without starting a thread, while MAX_IN_FLIGHT earlier bodies are still running.
    """
    global _in_flight
    with _lock:
        if _in_flight >= MAX_IN_FLIGHT:
            raise Overloaded(_in_flight)
        _in_flight += 1
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[Any] = loop.create_future()

    def settle(ok: bool, value: Any) -> None:
        if not fut.done():
            (fut.set_result if ok else fut.set_exception)(value)

    def body() -> None:
        global _in_flight
        try:
            result = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting caller
            _post(loop, settle, False, exc)
        else:
            _post(loop, settle, True, result)
        finally:
            with _lock:
                _in_flight -= 1

    threading.Thread(target=body, name="dos-mcp-tool", daemon=True).start()
    if deadline_ms <= 0:
        return await fut
    try:
        return await asyncio.wait_for(asyncio.shield(fut), deadline_ms / 1000)
    except asyncio.TimeoutError:
        raise TimedOut(deadline_ms) from None


def _post(loop: asyncio.AbstractEventLoop, settle: Callable[[bool, Any], None], ok: bool, value: Any) -> None:
    try:
        loop.call_soon_threadsafe(settle, ok, value)
    except RuntimeError:  # the loop closed while an abandoned call was still running
        pass
