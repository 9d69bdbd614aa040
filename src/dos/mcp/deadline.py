"""Run a blocking tool body on a worker thread, raced against a deadline.

A hung git or a locked store cannot hang the server: past the deadline the caller gets
``TimedOut`` while the abandoned body finishes (or not) on its own thread. Workers are
daemon threads kept for the next call once their body returns (each keeps its own store
handle, ``dos.mcp.context``); a call finds an idle one or starts one, so there are never
more than ``MAX_IN_FLIGHT`` of them.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from typing import Any, Callable

DEFAULT_DEADLINE_MS = 5000
DEADLINE_ENV = "DOS_MCP_TOOL_DEADLINE_MS"
MAX_IN_FLIGHT = 16  # worker threads, abandoned ones included; past this, calls are refused at once

_lock = threading.Lock()
_in_flight = 0
_idle: list[_Worker] = []  # workers waiting for a body, the most recently used last


class _Worker(threading.Thread):
    """A daemon thread that runs one body at a time and then waits for the next."""

    def __init__(self) -> None:
        super().__init__(name="dos-mcp-tool", daemon=True)
        self.jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()

    def run(self) -> None:
        while True:
            self.jobs.get()()


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
    """FN() on an idle worker thread (or a new one); its result or exception, or TimedOut after DEADLINE_MS.

    DEADLINE_MS 0: no limit. Overloaded, without starting a thread, while MAX_IN_FLIGHT earlier
    bodies are still running.
    """
    global _in_flight
    with _lock:
        if _in_flight >= MAX_IN_FLIGHT:
            raise Overloaded(_in_flight)
        _in_flight += 1
        worker = _idle.pop() if _idle else None
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
                _idle.append(threading.current_thread())

    if worker is None:
        try:
            worker = _Worker()
            worker.start()
        except BaseException:
            with _lock:
                _in_flight -= 1
            raise
    worker.jobs.put(body)
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
