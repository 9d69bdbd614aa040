"""The lane taxonomy and the arbiter's request and decision types.

``Taxonomy`` is the kernel's view of ``[lanes]`` (the shell builds it from config).
``arbitrate`` lives in ``dos.kernel.arbiter``: a pure function
``arbitrate(request, live, taxonomy, *, predicates=(), force=False) -> LaneDecision``.
"""

from __future__ import annotations

from dos.kernel.table import field, table
from typing import Any, Literal, Mapping

from dos.kernel.tree import LockMode


@table
class Taxonomy:
    """Declared lanes. Names are matched case-insensitively; trees are looked up the same way."""

    concurrent: tuple[str, ...] = ("main",)
    exclusive: tuple[str, ...] = ("global",)
    autopick: tuple[str, ...] = ("main",)
    trees: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)
    protected: tuple[str, ...] = ()  # files the self-modify predicate guards (the shell keeps those that exist)

    def canonical(self, name: str) -> str:
        """NAME with aliases applied and the declared spelling restored, else NAME unchanged."""
        name = self.aliases.get(name, name)
        for declared in (*self.concurrent, *self.exclusive, *self.trees):
            if declared.casefold() == name.casefold():
                return declared
        return name

    def tree_for(self, name: str) -> tuple[str, ...]:
        """The declared tree of lane NAME (any case, aliases applied); () if unknown."""
        want = self.canonical(name).casefold()
        for lane, tree in self.trees.items():
            if lane.casefold() == want:
                return tuple(tree)
        return ()

    def is_exclusive(self, name: str) -> bool:
        want = self.canonical(name).casefold()
        return any(lane.casefold() == want for lane in self.exclusive)

    def is_concurrent(self, name: str) -> bool:
        want = self.canonical(name).casefold()
        return any(lane.casefold() == want for lane in self.concurrent)

    def is_known(self, name: str) -> bool:
        """Declared, autopick, given a tree, or an alias key."""
        want = self.canonical(name).casefold()
        names = (*self.concurrent, *self.exclusive, *self.autopick, *self.trees, *self.aliases)
        return any(lane.casefold() == want for lane in names) or name.casefold() in {
            a.casefold() for a in self.aliases}

    def is_declared(self, name: str) -> bool:
        want = self.canonical(name).casefold()
        return any(lane.casefold() == want for lane in (*self.concurrent, *self.exclusive))


@table
class LaneRequest:
    """A request for a lane: a named lane, or none for an auto-pick. TREE overrides the declared tree."""

    lane: str = ""
    kind: str = ""
    tree: tuple[str, ...] = ()
    holder: str = ""
    mode: LockMode = LockMode.EXCLUSIVE


@table
class LaneDecision:
    """The arbiter's verdict. ``to_dict`` keeps the reference's field names."""

    outcome: Literal["acquire", "refuse"]
    lane: str
    lane_kind: str
    tree: tuple[str, ...]
    reason: str
    auto_picked: bool = False
    free_clusters: tuple[str, ...] = ()
    pick_count: int | None = None
    blocking: tuple[str, ...] = ()  # lease_ids of the live leases that caused a refusal
    mode: LockMode = LockMode.EXCLUSIVE  # how the grant holds its region (record it on the lease)

    @property
    def granted(self) -> bool:
        return self.outcome == "acquire"

    @property
    def token(self) -> str:
        return self.outcome.upper()

    @property
    def evidence(self) -> dict[str, Any]:
        return {"tree": list(self.tree), "blocking": list(self.blocking), "free_clusters": list(self.free_clusters)}

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "lane": self.lane, "lane_kind": self.lane_kind,
                "tree": list(self.tree), "reason": self.reason, "auto_picked": self.auto_picked,
                "free_clusters": list(self.free_clusters), "pick_count": self.pick_count,
                "blocking": list(self.blocking)}
