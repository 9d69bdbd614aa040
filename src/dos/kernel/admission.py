"""Admission predicates: a conjunction that can only refuse.

A predicate is ``(request, candidate_tree, live) -> str | None``: a refusal reason, or
None to admit. ``run_predicates`` returns the first refusal; a predicate that raises or
returns anything but a string or None refuses, so a broken rule fails closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

from dos.kernel.lanes import LaneRequest, Taxonomy
from dos.kernel.lease import Lease
from dos.kernel.tree import LockMode, PathEscapesWorkspace, Region, modes_compatible, regions, trees_collide

Predicate = Callable[[LaneRequest, tuple[str, ...], Sequence[Lease]], "str | None"]

# The orchestrator's own decision code: a lane whose tree reaches these would let a
# worker rewrite the referee while it referees. The shell keeps those that exist.
SELF_MODIFY_FILES: tuple[str, ...] = (
    "src/dos/kernel/arbiter.py",
    "src/dos/kernel/admission.py",
    "src/dos/kernel/tree.py",
    "src/dos/kernel/lanes.py",
    "src/dos/kernel/lease.py",
    "src/dos/kernel/liveness.py",
    "src/dos/kernel/supervise.py",
    "src/dos/exitcodes.py",
    "src/dos/config.py",
    "src/dos/plugins.py",
)


def predicate_name(predicate: object) -> str:
    """A predicate's display name: its ``name`` attribute, else its function or class name."""
    name = getattr(predicate, "name", None)
    if isinstance(name, str) and name:
        return name
    return getattr(predicate, "__name__", type(predicate).__name__)


class LaneIndex:
    """O(1) name lookups over a taxonomy, built once per taxonomy object (the arbiter's hot path)."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.aliases = dict(taxonomy.aliases)
        self.declared: dict[str, str] = {}
        for name in (*taxonomy.concurrent, *taxonomy.exclusive, *taxonomy.trees):
            self.declared.setdefault(name.casefold(), name)
        self.exclusive = {n.casefold() for n in taxonomy.exclusive}

    def canonical(self, name: str) -> str:
        name = self.aliases.get(name, name)
        return self.declared.get(name.casefold(), name)

    def is_exclusive(self, name: str) -> bool:
        return self.canonical(name).casefold() in self.exclusive


_INDEXES: dict[int, LaneIndex] = {}


def lane_index(taxonomy: Taxonomy) -> LaneIndex:
    """The (memoised) index of TAXONOMY; keyed by identity and checked, so a new taxonomy gets its own."""
    idx = _INDEXES.get(id(taxonomy))
    if idx is None or idx.taxonomy is not taxonomy:
        if len(_INDEXES) > 64:
            _INDEXES.clear()
        idx = _INDEXES[id(taxonomy)] = LaneIndex(taxonomy)
    return idx


def holder_mode(lease: Lease, taxonomy: Taxonomy | None = None) -> LockMode:
    """A lease's effective mode: a lane declared exclusive always holds exclusively."""
    if taxonomy is not None and lease_is_exclusive(lease, taxonomy):
        return LockMode.EXCLUSIVE
    return lease.mode


def lease_is_exclusive(lease: Lease, taxonomy: Taxonomy) -> bool:
    """Exclusive by the lane's declaration; a recorded exclusive kind also counts (errs toward refuse)."""
    idx = lane_index(taxonomy)
    kind = lease.lane_kind.casefold()
    return idx.is_exclusive(lease.lane) or kind == "global" or (bool(kind) and idx.is_exclusive(lease.lane_kind))


@lru_cache(maxsize=8192)
def _regions(tree: tuple[str, ...]) -> tuple[Region, ...]:
    return regions(tree)


def tree_conflict(a: Sequence[str], mode_a: LockMode, b: Sequence[str], mode_b: LockMode) -> bool:
    """``tree.region_conflict`` with the trees' regions memoised; raises PathEscapesWorkspace like it."""
    if modes_compatible(mode_a, mode_b):
        return False
    ra, rb = _regions(tuple(a)), _regions(tuple(b))
    if not ra or not rb:
        return True
    return any(x.collides(y) for x in ra for y in rb)


def conflicting(tree: Sequence[str], mode: LockMode, live: Sequence[Lease],
                taxonomy: Taxonomy | None = None) -> tuple[Lease, ...]:
    """The live leases that cannot coexist with a holder of TREE in MODE.

    An empty tree on either side is an unknown blast radius and collides with everything;
    a tree that cannot be canonicalised counts as colliding (fail closed).
    """
    found = []
    for lease in live:
        try:
            clash = tree_conflict(tree, mode, lease.tree, holder_mode(lease, taxonomy))
        except PathEscapesWorkspace:
            clash = True
        if clash:
            found.append(lease)
    return tuple(found)


def describe_holders(leases: Sequence[Lease], limit: int = 3) -> str:
    """``live lane 'src' held by agentA (lease L1)`` for up to LIMIT leases, then ``+N more``."""
    parts = [f"live lane '{x.lane}' held by {x.holder or '<nobody>'} (lease {x.lease_id})"
             for x in leases[:limit]]
    if len(leases) > limit:
        parts.append(f"+{len(leases) - limit} more")
    return ", ".join(parts)


def disjointness(request: LaneRequest, tree: tuple[str, ...], live: Sequence[Lease]) -> str | None:
    """Refuse when the candidate region collides with a live holder (shared/shared excepted)."""
    clash = conflicting(tree, request.mode, live)
    if not clash:
        return None
    lane = request.lane or "<auto>"
    if not tree:
        return (f"lane '{lane}' has an EMPTY tree (unknown blast radius) and cannot share "
                f"{describe_holders(clash)}.")
    return f"lane '{lane}' cannot share {describe_holders(clash)}: their trees collide."


disjointness.name = "disjointness"  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class SelfModify:
    """Refuse a tree that reaches the orchestrator's own running code (only --force bypasses)."""

    protected: tuple[str, ...] = SELF_MODIFY_FILES
    name: str = "self-modify"

    def __call__(self, request: LaneRequest, tree: tuple[str, ...], live: Sequence[Lease]) -> str | None:
        hit = [p for p in self.protected if _reaches(tree, p)]
        if not hit:
            return None
        shown = ", ".join(hit[:3]) + ("…" if len(hit) > 3 else "")
        return (f"lane '{request.lane or '<auto>'}' would edit the orchestrator's own running code "
                f"({shown}) — refusing (SELF_MODIFY). Pass --force only if you are deliberately "
                f"editing the kernel between loop runs.")


def _reaches(tree: Sequence[str], path: str) -> bool:
    try:
        return trees_collide(tree, (path,))
    except PathEscapesWorkspace:
        return True


def builtin_predicates(taxonomy: Taxonomy) -> tuple[Predicate, ...]:
    """Disjointness, then self-modify over the taxonomy's protected files (if any)."""
    if taxonomy.protected:
        return (disjointness, SelfModify(tuple(taxonomy.protected)))
    return (disjointness,)


def run_predicates(predicates: Sequence[Predicate], request: LaneRequest, tree: tuple[str, ...],
                   live: Sequence[Lease]) -> str | None:
    """The first refusal among PREDICATES, or None when every one admits."""
    for predicate in predicates:
        name = predicate_name(predicate)
        try:
            verdict = predicate(request, tree, live)
        except Exception as exc:  # a broken rule refuses; it never admits
            return (f"admission predicate '{name}' raised ({type(exc).__name__}: {exc}) — "
                    f"refusing fail-closed.")
        if verdict is None:
            continue
        if not isinstance(verdict, str):
            return (f"admission predicate '{name}' returned a {type(verdict).__name__}, not a "
                    f"reason or None — refusing fail-closed.")
        return verdict or f"admission predicate '{name}' refused."
    return None
