"""Helpers for the observability tests: a workspace with lanes, a service context, hook calls."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path
from typing import Any, Callable

from dos.config import Workspace
from dos.service.context import Context

DOS_TOML = """[lanes]
concurrent = ["src", "docs"]
exclusive = ["global"]

[lanes.trees]
src = ["src/**"]
docs = ["docs/**"]
global = ["**/*"]
"""


def workspace(repo: Any, extra_toml: str = "") -> Path:
    """REPO with lanes src/docs/global, a shipped AUTH1 and an initialised store."""
    repo.write("dos.toml", DOS_TOML + extra_toml)
    repo.write("src/app.py", "a\n")
    repo.commit("AUTH1: ship the login form")
    with context(repo.path) as ctx:
        ctx.store.engine.migrate()
    return repo.path


def context(root: Path, clock: Callable[[], int] | None = None) -> Context:
    return Context(Workspace(Path(root), "--workspace"), clock=clock)


def rows(root: Path, sql: str = "SELECT seq, syscall, verdict, session, lane, subject, event_seq FROM verdicts "
                                "ORDER BY seq") -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(Path(root) / ".dos" / "store.sqlite3")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def sql(root: Path, statement: str, params: tuple[Any, ...] = ()) -> None:
    """Edit the store behind DOS's back, as an attacker with file access would."""
    conn = sqlite3.connect(Path(root) / ".dos" / "store.sqlite3", isolation_level=None)
    try:
        conn.execute(statement, params)
    finally:
        conn.close()


def call_hook(verb: str, payload: dict[str, Any], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    from dos.hooks.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    code = main([verb], io.StringIO(json.dumps(payload)), out, err, env or {})
    return code, out.getvalue(), err.getvalue()


def edit(root: Path, session: str, rel: str, tool: str = "Edit") -> dict[str, Any]:
    return {"session_id": session, "cwd": str(root), "hook_event_name": "PreToolUse", "tool_name": tool,
            "tool_input": {"file_path": str(Path(root) / rel), "old_string": "a", "new_string": "b"}}


def read(root: Path, session: str, rel: str) -> dict[str, Any]:
    return {"session_id": session, "cwd": str(root), "hook_event_name": "PreToolUse", "tool_name": "Read",
            "tool_input": {"file_path": str(Path(root) / rel)}}
