"""Admission predicates: a conjunction that can only refuse.

A predicate is ``(request, candidate_tree, live) -> str | None``: a refusal reason, or
None to admit. ``run_predicates`` returns the first refusal; a predicate that raises or
returns anything but a string or None refuses, so a broken rule fails closed.
"""

from __future__ import annotations

from dos.kernel.table import table
from typing import Callable, Sequence

from dos.kernel import overlap
from dos.kernel.lanes import LaneRequest, Taxonomy
from dos.kernel.lease import Lease
from dos.kernel.overlap import tree_conflict  # noqa: F401 - re-exported
from dos.kernel.selfmodify import SELF_MODIFY_FILES  # noqa: F401 - re-exported
from dos.kernel.tree import LockMode, PathEscapesWorkspace, trees_collide

Predicate = Callable[[LaneRequest, tuple[str, ...], Sequence[Lease]], "str | None"]

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


def conflicting(tree: Sequence[str], mode: LockMode, live: Sequence[Lease],
                taxonomy: Taxonomy | None = None) -> tuple[Lease, ...]:
    """The live leases that cannot coexist with a holder of TREE in MODE (lanes declared
    exclusive in TAXONOMY always hold exclusively)."""
    if taxonomy is None:
        return overlap.conflicting(tree, mode, live)
    return overlap.conflicting(tree, mode, live, lambda lease: holder_mode(lease, taxonomy))


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


@table
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
