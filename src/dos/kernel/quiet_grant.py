"""A grant that no lease of a known shape can change: what lets a store decide in one server statement.

Take a request the arbiter admits on an empty live set through the cluster rung: a named,
non-exclusive lane, not auto-picked, not forced, with no plugin rules. A live lease can then
change the verdict (or need scavenging) only by being exclusive, on the same lane, or
colliding with the granted tree. ``quiet_grant`` returns that verdict and the shapes
(lane, kind, tree, mode) of the declared lanes' leases that are none of these. A store may
grant it with no arbiter in the loop while every lease in its view, live or expired, has one
of those shapes, whatever its holder, times or process; otherwise it must ask the arbiter.

``locks`` names the lanes a store must lock to make two quiet grants that could matter to
each other wait for one another: the lane itself and every declared lane whose tree could
meet it. Two quiet grants that share no lock grant leases of each other's quiet shapes.
``tests/kernel/test_quiet_grant.py`` holds both statements on random taxonomies and live sets.
"""

from __future__ import annotations

from dos.kernel.table import table

from dos.kernel.admission import conflicting, lane_index, lease_is_exclusive
from dos.kernel.arbiter import arbitrate
from dos.kernel.lanes import LaneDecision, LaneRequest, Taxonomy
from dos.kernel.lease import Lease
from dos.kernel.tree import LockMode

KINDS = ("cluster",)  # the lane kind a named-lane grant records; a lease of any other kind is not a known shape
Shape = tuple[str, str, tuple[str, ...], str]  # (lane, lane_kind, tree, mode) as a lease records them


@table
class QuietGrant:
    """DECISION, which stands whatever leases of SHAPES are in the view (and only then); LOCKS: the
    lane names (canonical, case-folded) that every quiet grant it could matter to also locks."""

    decision: LaneDecision
    shapes: frozenset[Shape]
    locks: frozenset[str]

    @property
    def shape(self) -> Shape:
        """The shape of the lease this grant writes."""
        return (self.decision.lane, self.decision.lane_kind, tuple(self.decision.tree), str(self.decision.mode))


def quiet_grant(request: LaneRequest, taxonomy: Taxonomy) -> QuietGrant | None:
    """The grant REQUEST gets whatever leases of the returned shapes are held; None when it has none.

    None also when the verdict could depend on more than those shapes (an exclusive, keyword,
    auto-picked or refused request): then every decision goes to the arbiter.
    """
    if request.kind.strip().casefold() not in ("", "cluster") or not request.lane.strip():
        return None
    decision = arbitrate(request, (), taxonomy)
    idx = lane_index(taxonomy)
    if (not decision.granted or decision.auto_picked or decision.lane_kind != "cluster"
            or idx.canonical(request.lane.strip()) != decision.lane or taxonomy.is_exclusive(decision.lane)
            or idx.canonical(decision.lane) != decision.lane  # an alias onto another lane: let the arbiter judge
            or tuple(decision.tree) != taxonomy.tree_for(decision.lane)):  # a tree of its own meets unknown lanes
        return None
    mine = decision.lane.casefold()
    shapes: set[Shape] = set()
    locks = {mine}
    for lane in dict.fromkeys((*taxonomy.concurrent, *taxonomy.autopick, *taxonomy.trees)):
        if idx.canonical(lane).casefold() == mine:
            continue
        tree = taxonomy.tree_for(lane)
        wide = Lease("", 0, lane, "cluster", tree, "", 0, 0, 1)
        if not lease_is_exclusive(wide, taxonomy) and conflicting(decision.tree, LockMode.EXCLUSIVE, (wide,)):
            locks.add(idx.canonical(lane).casefold())
        for kind in KINDS:
            for mode in (LockMode.EXCLUSIVE, LockMode.SHARED):
                probe = Lease("", 0, lane, kind, tree, "", 0, 0, 1, mode=mode)
                if lease_is_exclusive(probe, taxonomy):
                    continue
                if conflicting(decision.tree, decision.mode, (probe,), taxonomy) or \
                        conflicting(decision.tree, decision.mode, (probe,)):
                    continue
                shapes.add((lane, kind, tuple(tree), str(mode)))
    return QuietGrant(decision, frozenset(shapes), frozenset(locks))
