"""The pretool hook on a PostgreSQL store, as the installer wires it, at 0 to 10,000 live leases.

    python bench/run.py hook_pg

The same workspaces and payloads as ``bench_hook`` (sess-A holds src, sess-B docs, the rest
small trees under ``work/``), each in its own schema of one throwaway server (or
DOS_TEST_PG_URL's). Allow rows are grouped against allow with no lease, deny rows against
deny with the two leases it needs; the goal is those ratios within 1.10x at 10,000 leases.
The session-start (every lease listed) and stop rows (a session's claim) run once a session
or a turn, not on every tool call.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import json

from bench_hook import _pre, _stop, _workspace, hook_cmd
from bench_store import start_postgres
from run import Case


def cases(tmp: Path) -> list[Case]:
    url = start_postgres()
    out = [Case("python -I -c pass", [sys.executable, "-I", "-c", "pass"], baseline=True)]
    for label, leases in (("0 leases", 0), ("2 leases", 2), ("100 leases", 100), ("1,000 leases", 1000),
                          ("10,000 leases", 10_000)):
        name = "hookpg_" + label.replace(" ", "_").replace(",", "")
        env = {"DOS_STORE_URL": url, "DOS_STORE_SCHEMA": name}
        old = dict(os.environ)
        os.environ.update(env)
        try:
            ws = _workspace(tmp, name, leases, 0)
        finally:
            os.environ.clear()
            os.environ.update(old)
        out.append(Case(f"pretool allow, {label}", hook_cmd("pretool"), cwd=ws, env=env,
                        stdin=_pre(ws, "src/app.py"), group="allow", baseline=not leases))
        if leases:
            out.append(Case(f"pretool deny, {label}", hook_cmd("pretool"), cwd=ws, env=env,
                            stdin=_pre(ws, "docs/g.md"), ok_codes=(2,), group="deny", baseline=leases == 2))
        if leases == 10_000:
            out.append(Case(f"pretool allow under work/ (every lease's head), {label}", hook_cmd("pretool"),
                            cwd=ws, env=env, stdin=_pre(ws, "work/free/x.py"), group="allow"))
        if leases in (0, 10_000):  # once a session or a turn: they read the whole view, or a session's claim
            start = json.dumps({"session_id": "sess-C", "cwd": str(ws), "hook_event_name": "SessionStart",
                                "source": "startup"}).encode()
            out.append(Case(f"session-start, {label}", hook_cmd("session-start"), cwd=ws, env=env, stdin=start))
            out.append(Case(f"stop, no claim, {label}", hook_cmd("stop"), cwd=ws, env=env, stdin=_stop(ws, "sess-A")))
            out.append(Case(f"stop, claim that verifies, {label}", hook_cmd("stop"), cwd=ws, env=env,
                            stdin=_stop(ws, "sess-C")))
    return out
