"""What one tool call sees: its checked arguments and the service context of its workspace.

The workspace is the call's ``workspace`` argument, else the server's ``--workspace``,
else the usual discovery. Config and store are opened per call, inside the worker
thread, so a changed ``dos.toml`` is read on the next call and no SQLite handle crosses
threads. Under a deadline, a locked store gives up at half of it: a write that could not
start in time fails (StoreBusy) instead of committing after the agent was told STALLED.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import cached_property
from typing import Any, Iterator


class Call:
    """One tool invocation's context."""

    def __init__(self, tool: str, args: dict[str, Any], default_workspace: str | None = None, *,
                 deadline_ms: int = 0, holder_pid: int | None = None) -> None:
        self.tool = tool
        self.args = args
        self._default_workspace = default_workspace
        self.deadline_ms = deadline_ms
        self.holder_pid = holder_pid  # recorded on leases; None: the TTL alone decides expiry

    @property
    def git_timeout_s(self) -> float | None:
        """Seconds git may run: just past the deadline (which answers first), so a hung git is killed."""
        return self.deadline_ms / 1000 + 1 if self.deadline_ms > 0 else None

    @cached_property
    def workspace(self):  # -> dos.config.Workspace
        from dos.config import find_workspace
        from dos.errors import WorkspaceError

        given = self.args.get("workspace")
        try:
            return find_workspace(given or self._default_workspace or None)
        except WorkspaceError:
            if not given:
                raise
            from dos.mcp.args import BadArgument

            raise BadArgument(self.tool, "workspace", f"{given!r} is not a directory; pass the workspace "
                                                      f"root, or omit it for the server's") from None

    @cached_property
    def config(self):  # -> dos.config.Config
        from dos.config import load_config

        return load_config(self.workspace.root)

    @contextmanager
    def service(self) -> Iterator[Any]:
        """The call's service context (store closed when the block ends)."""
        from dos.service.context import Context

        busy = None
        if self.deadline_ms > 0:
            busy = min(self.config.store.busy_timeout_ms, max(50, self.deadline_ms // 2))
        ctx = Context(self.workspace, self.config, busy_timeout_ms=busy)
        try:
            yield ctx
        finally:
            ctx.close()
