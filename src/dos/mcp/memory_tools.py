"""Recall: before an agent acts on something it remembers, is the memory still true?

The same service call (and JSON) as ``dos memory recall NAME --json --explain``.
"""

from __future__ import annotations

from typing import Any

from dos.mcp.args import Param
from dos.mcp.spec import tool


@tool("dos_recall",
      "Is a remembered fact still true? Re-checks memory NAME against the files (by SHA-256) and commits "
      "(reachable from HEAD) it was remembered with. RECALL_FRESH, RECALL_STALE (do not rely on it) or "
      "RECALL_UNVERIFIABLE. Same verdict as `dos memory recall NAME --json --explain`.",
      Param("name", "string", "the memory's name (its file stem in the store)", required=True),
      Param("store", "string", "the memory directory (default: the workspace's .dos/memory)", default=""))
def recall(call) -> dict[str, Any]:
    from dos.kernel.memory import interpret
    from dos.service.memory import recall as judge

    a = call.args
    with call.service() as ctx:
        v = judge(ctx, a["name"], a.get("store", ""))
    out = v.to_dict()
    out["interpretation"] = interpret(v)
    return out
