"""Which live leases a region collides with: the one overlap test every gate uses.

Cheap to import (the hook decides with it on every tool call). An empty tree on either
side is an unknown blast radius and collides with everything; a tree that cannot be
canonicalised collides too (fail closed).
"""

from __future__ import annotations

from dos.kernel.tree import PathEscapesWorkspace, modes_compatible, regions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Sequence

    from dos.kernel.lease import Lease
    from dos.kernel.tree import LockMode, Region

_REGIONS: dict[tuple[str, ...], tuple[Region, ...]] = {}


def tree_regions(tree: Sequence[str]) -> tuple[Region, ...]:
    """``regions(tree)`` memoised per tree (the arbiter asks about the same trees over and over)."""
    key = tuple(tree)
    found = _REGIONS.get(key)
    if found is None:
        if len(_REGIONS) > 8192:
            _REGIONS.clear()
        found = _REGIONS[key] = regions(key)
    return found


def tree_conflict(a: Sequence[str], mode_a: LockMode, b: Sequence[str], mode_b: LockMode) -> bool:
    """True if holders of A and B may not coexist; raises PathEscapesWorkspace for a bad tree."""
    if modes_compatible(mode_a, mode_b):
        return False
    ra, rb = tree_regions(a), tree_regions(b)
    if not ra or not rb:
        return True
    return any(x.collides(y) for x in ra for y in rb)


def conflicting(tree: Sequence[str], mode: LockMode, live: Sequence[Lease],
                mode_of: Callable[[Lease], LockMode] | None = None) -> tuple[Lease, ...]:
    """The LIVE leases that cannot coexist with a holder of TREE in MODE.

    MODE_OF gives a lease's effective mode (default: its recorded mode).
    """
    found = []
    for lease in live:
        held = lease.mode if mode_of is None else mode_of(lease)
        try:
            clash = tree_conflict(tree, mode, lease.tree, held)
        except PathEscapesWorkspace:
            clash = True
        if clash:
            found.append(lease)
    return tuple(found)
