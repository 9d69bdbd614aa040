"""Live leases indexed by tree prefix: which ones a region collides with, in the region's depth.

Two tries over case-folded path segments, one for leases held exclusively and one for
shared, so a shared request never looks at shared holders. A node keeps the regions that
end on it (``src/api``), the ones that end inside a child segment (``docs/ui-*`` keeps
``ui-`` on ``docs``) and every region at or under it. Empty, universal and invalid trees
(a lease's or the query's) collide with everything of an incompatible mode, as in
``overlap.conflicting``, whose answers (the live set's order kept) these equal exactly.
Cheap to import: only ``tree`` and ``overlap``; the taxonomy's rules load when an index is given one.
"""

from __future__ import annotations

from bisect import bisect_left

from dos.kernel.overlap import tree_regions
from dos.kernel.tree import PathEscapesWorkspace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Iterator, Sequence

    from dos.kernel.lanes import Taxonomy
    from dos.kernel.lease import Lease
    from dos.kernel.tree import LockMode, Region


class _Node:
    """One path segment: regions ending here, partial tails starting here, everything below."""

    __slots__ = ("children", "ends", "tails", "below", "_child_keys", "_tail_keys")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.ends: list[int] = []
        self.tails: dict[str, list[int]] = {}
        self.below: list[int] = []
        self._child_keys: list[str] | None = None
        self._tail_keys: list[str] | None = None

    def child_keys(self) -> list[str]:
        if self._child_keys is None:
            self._child_keys = sorted(self.children)
        return self._child_keys

    def tail_keys(self) -> list[str]:
        if self._tail_keys is None:
            self._tail_keys = sorted(self.tails)
        return self._tail_keys


def _starting_with(keys: list[str], prefix: str) -> Iterator[str]:
    """The sorted KEYS that start with PREFIX."""
    for i in range(bisect_left(keys, prefix), len(keys)):
        if not keys[i].startswith(prefix):
            return
        yield keys[i]


class _Trie:
    """The regions of the leases held in one mode; values are positions in the live set."""

    __slots__ = ("root", "wide", "every")

    def __init__(self) -> None:
        self.root = _Node()
        self.wide: list[int] = []  # an empty or invalid tree: collides with everything
        self.every: list[int] = []

    def add(self, pos: int, found: tuple[Region, ...] | None) -> None:
        self.every.append(pos)
        if not found:
            self.wide.append(pos)
            return
        for r in found:
            segs = r.prefix.split("/") if r.prefix else []
            tail = segs.pop() if r.partial else None
            node = self.root
            node.below.append(pos)
            for seg in segs:
                nxt = node.children.get(seg)
                if nxt is None:
                    nxt = node.children[seg] = _Node()
                node = nxt
                node.below.append(pos)
            if tail is None:
                node.ends.append(pos)
            else:
                node.tails.setdefault(tail, []).append(pos)

    def collect(self, q: Region, out: set[int]) -> None:
        """Add to OUT every position whose region may share a path with Q."""
        out.update(self.wide)
        if q.universal:
            out.update(self.every)
            return
        segs = q.prefix.split("/")
        tail = segs.pop() if q.partial else None
        node = self.root
        for seg in segs:
            out.update(node.ends)  # a whole-segment region above Q holds it
            if node.tails:  # a region ending inside this segment (`sr*` above `src/x`)
                for i in range(1, len(seg) + 1):
                    hit = node.tails.get(seg[:i])
                    if hit:
                        out.update(hit)
            nxt = node.children.get(seg)
            if nxt is None:
                return
            node = nxt
        if tail is None:
            out.update(node.below)
            return
        out.update(node.ends)
        if node.tails:
            for i in range(1, len(tail) + 1):  # tails that are a prefix of Q's
                hit = node.tails.get(tail[:i])
                if hit:
                    out.update(hit)
            for key in _starting_with(node.tail_keys(), tail):  # and tails Q's is a prefix of
                if key != tail:
                    out.update(node.tails[key])
        if node.children:
            for key in _starting_with(node.child_keys(), tail):
                out.update(node.children[key].below)


def _safe_regions(tree: Sequence[str]) -> tuple[Region, ...] | None:
    """A tree's regions, None when it cannot be canonicalised (then it collides with everything)."""
    try:
        return tree_regions(tree)
    except PathEscapesWorkspace:
        return None


class LeaseIndex:
    """An immutable index of LIVE (in order) for one TAXONOMY; build it once per read of the live set.

    With a taxonomy, a lease on a lane declared exclusive holds exclusively (``holder_mode``),
    lane names are matched as the arbiter matches them, and ``exclusive_live`` lists those leases.
    """

    def __init__(self, live: Iterable[Lease], taxonomy: Taxonomy | None = None) -> None:
        self.live: tuple[Lease, ...] = tuple(live)
        self.taxonomy = taxonomy
        self._tries = {"exclusive": _Trie(), "shared": _Trie()}
        self._recorded_differs = False
        self._lanes: dict[str, list[Lease]] = {}
        self._invalid: list[int] = []
        self._answers: dict[tuple[tuple[str, ...], bool], tuple[Lease, ...]] = {}  # the index never changes
        exclusive: list[Lease] = []
        lanes: dict[tuple[str, str], tuple[str, bool]] = {}  # (lane, kind) -> (name, declared exclusive)
        if taxonomy is not None:
            from dos.kernel.admission import lane_index, lease_is_exclusive

            canonical = lane_index(taxonomy).canonical
        for pos, lease in enumerate(self.live):
            key = (lease.lane, lease.lane_kind)
            known = lanes.get(key)
            if known is None:
                if taxonomy is None:
                    known = (lease.lane.casefold(), False)
                else:
                    known = (canonical(lease.lane).casefold(), lease_is_exclusive(lease, taxonomy))
                lanes[key] = known
            name, declared = known
            mode = lease.mode
            if declared:
                exclusive.append(lease)
                if mode == "shared":
                    self._recorded_differs = True
                mode = "exclusive"
            found = _safe_regions(lease.tree)
            if found is None:
                self._invalid.append(pos)
            self._tries["shared" if mode == "shared" else "exclusive"].add(pos, found)
            self._lanes.setdefault(name, []).append(lease)
        self.exclusive_live: tuple[Lease, ...] = tuple(exclusive)
        self.held: frozenset[str] = frozenset(self._lanes)

    def __len__(self) -> int:
        return len(self.live)

    def same_lane(self, name: str) -> tuple[Lease, ...]:
        """The live leases on lane NAME (already canonical for the taxonomy; any case)."""
        return tuple(self._lanes.get(name.casefold(), ()))

    def conflicting(self, tree: Sequence[str], mode: LockMode | str, *, declared: bool = True) -> tuple[Lease, ...]:
        """The live leases that cannot coexist with a holder of TREE in MODE, in live-set order.

        Equals ``admission.conflicting(tree, mode, live, taxonomy)``; with DECLARED false (or
        no taxonomy) each lease holds in its recorded mode, as ``overlap.conflicting(tree, mode, live)``.
        """
        if not declared and self._recorded_differs:
            from dos.kernel.overlap import conflicting

            return conflicting(tree, mode, self.live)
        key = (tuple(tree), mode == "shared")
        hit = self._answers.get(key)
        if hit is None:
            if len(self._answers) > 256:
                self._answers.clear()
            hit = self._answers[key] = self._conflicting(key[0], key[1])
        return hit

    def _conflicting(self, tree: tuple[str, ...], shared: bool) -> tuple[Lease, ...]:
        tries = (self._tries["exclusive"],) if shared else tuple(self._tries.values())
        found = _safe_regions(tree)
        out: set[int] = set()
        for trie in tries:
            if not found:
                out.update(trie.every)
                continue
            for q in found:
                trie.collect(q, out)
        live = self.live
        return tuple(live[i] for i in sorted(out))

    def containing(self, path: str) -> tuple[Lease, ...]:
        """The live leases whose tree contains the workspace-relative PATH (any mode), in order.

        Equals ``[x for x in live if tree_contains(x.tree, path)]``, except that a lease whose
        tree cannot be canonicalised is included (fail closed) where ``tree_contains`` raises.
        An empty tree contains nothing. Raises PathEscapesWorkspace for a PATH outside the root.
        """
        from dos.kernel.tree import canonical_path

        p = canonical_path(path).casefold()
        segs = p.split("/") if p else []
        out: set[int] = set(self._invalid)
        for trie in self._tries.values():
            node = trie.root
            for depth in range(len(segs) + 1):
                out.update(node.ends)
                if depth == len(segs):
                    break
                seg = segs[depth]
                if node.tails:
                    for i in range(1, len(seg) + 1):
                        hit = node.tails.get(seg[:i])
                        if hit:
                            out.update(hit)
                nxt = node.children.get(seg)
                if nxt is None:
                    break
                node = nxt
        live = self.live
        return tuple(live[i] for i in sorted(out))


__all__ = ["LeaseIndex"]
