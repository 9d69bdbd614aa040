"""The referee's own decision code and state: a lane may not reach them, a hook may not write them.

A worker that rewrites the arbiter while it referees could admit anything. The shell
keeps only the candidates (files or package directories) that exist in a workspace, so a foreign repository protects none.
"""

from __future__ import annotations

SELF_MODIFY_FILES: tuple[str, ...] = (
    "src/dos/kernel/arbiter.py",
    "src/dos/kernel/admission.py",
    "src/dos/kernel/tree.py",
    "src/dos/kernel/lanes.py",
    "src/dos/kernel/lease.py",
    "src/dos/kernel/liveness.py",
    "src/dos/kernel/supervise.py",
    "src/dos/kernel/enforce.py",
    "src/dos/kernel/overlap.py",
    "src/dos/kernel/lease_index.py",
    "src/dos/kernel/table.py",  # the value classes of lanes and admission
    "src/dos/kernel/footprint",  # a package: the whole directory
    "src/dos/exitcodes.py",
    "src/dos/config",
    "src/dos/plugins.py",
)
STATE_DIR = ".dos"  # the store, caches and streams: never a tool call's target


def in_state_dir(path: str) -> bool:
    """True for a workspace-relative PATH inside the state directory (case-folded, errs toward yes)."""
    head = path.replace("\\", "/").lstrip("/").split("/", 1)[0]
    return head.casefold() == STATE_DIR
