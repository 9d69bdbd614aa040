"""``quiet_grant`` is exactly the arbiter: with any leases of its shapes in view, ``arbitrate`` returns
its decision and the store would scavenge nothing; and it leaves out every shape that could matter."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dos.kernel.admission import conflicting, lane_index
from dos.kernel.arbiter import arbitrate, arbitrate_linear
from dos.kernel.lanes import LaneRequest, Taxonomy
from dos.kernel.lease import Lease
from dos.kernel.lease_index import LeaseIndex
from dos.kernel.quiet_grant import quiet_grant
from dos.kernel.tree import LockMode

from tests.kernel.test_lease_index import MODES, REQUESTS, TAXONOMIES, TREES

LANES = ["api", "docs", "src", "wide", "bad", "web", "Web", "ops"]


@st.composite
def taxonomies(draw: st.DrawFn) -> Taxonomy:
    """The index tests' taxonomies, or a random one: random trees, aliases and spellings."""
    if draw(st.booleans()):
        return draw(TAXONOMIES)
    concurrent = tuple(draw(st.lists(st.sampled_from(LANES), min_size=1, max_size=6, unique=True)))
    exclusive = tuple(draw(st.lists(st.sampled_from(["global", "infra", "ops"]), max_size=2, unique=True)))
    trees = {lane: draw(TREES) for lane in (*concurrent, *exclusive) if draw(st.integers(0, 5))}
    aliases = draw(st.dictionaries(st.sampled_from(["Alias", "web", "x"]), st.sampled_from(LANES), max_size=2))
    protected = tuple(draw(st.lists(st.sampled_from(["src/dos/x.py", "doc", "api/k.py"]), max_size=2)))
    return Taxonomy(concurrent=concurrent, exclusive=exclusive, autopick=concurrent, trees=trees,
                    aliases=aliases, protected=protected)


REQ = st.one_of(REQUESTS, st.builds(LaneRequest, lane=st.sampled_from(LANES), kind=st.sampled_from(["", "cluster"]),
                                    tree=st.just(()), holder=st.just("me"), mode=MODES))


@st.composite
def named_requests(draw: st.DrawFn, tax: Taxonomy) -> LaneRequest:
    """Mostly a request for one of TAX's concurrent lanes (the ones that can be quiet), in any spelling."""
    if not draw(st.integers(0, 4)):
        return draw(REQ)
    lane = draw(st.sampled_from(tax.concurrent))
    lane = draw(st.sampled_from([lane, lane.upper(), lane.capitalize()]))
    tree = draw(TREES) if not draw(st.integers(0, 3)) else ()
    return LaneRequest(lane=lane, kind=draw(st.sampled_from(["", "cluster", "Cluster"])), tree=tree, holder="me",
                       mode=draw(MODES))


def _split(leases: list[Lease], now: int, dead: set[str]) -> tuple[list[Lease], list[Lease]]:
    live = [x for x in leases if x.lease_id not in dead and not x.expired(now)]
    return live, [x for x in leases if x not in live]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(tax=taxonomies(), data=st.data())
def test_a_quiet_grant_is_what_the_arbiter_decides_with_any_leases_of_its_shapes(
        tax: Taxonomy, data: st.DataObject) -> None:
    request = data.draw(named_requests(tax))
    quiet = quiet_grant(request, tax)
    assume(quiet is not None and quiet.shapes)
    shapes = sorted(quiet.shapes)
    leases = []
    for i in range(data.draw(st.integers(1, 10))):
        lane, kind, tree, mode = data.draw(st.sampled_from(shapes))
        beat = data.draw(st.integers(0, 100))
        leases.append(Lease(f"L{i}", i + 1, lane, kind, tree, data.draw(st.sampled_from(["me", "h1", ""])),
                            0, beat, data.draw(st.integers(1, 100)), mode=LockMode(mode),
                            pid=data.draw(st.sampled_from([None, 1, 99999])), run_id="r"))
    now = data.draw(st.integers(0, 250))
    dead = set(data.draw(st.lists(st.sampled_from([x.lease_id for x in leases]), max_size=3)))
    live, expired = _split(leases, now, dead)

    decision = arbitrate(request, LeaseIndex(live, tax), tax)
    assert decision == quiet.decision
    assert arbitrate_linear(request, live, tax) == quiet.decision
    # ... and the store would scavenge nothing for it (what it does with expired leases in the way).
    mine = quiet.decision.lane.casefold()
    idx = lane_index(tax)
    assert not conflicting(decision.tree, decision.mode, expired, tax)
    assert not [x for x in expired if idx.canonical(x.lane).casefold() == mine]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(tax=taxonomies(), data=st.data())
def test_no_shape_that_could_change_the_verdict_is_quiet(tax: Taxonomy, data: st.DataObject) -> None:
    """The same lane, an exclusive lane, or a colliding tree never counts as a quiet shape."""
    request = data.draw(named_requests(tax))
    quiet = quiet_grant(request, tax)
    assume(quiet is not None)
    idx = lane_index(tax)
    for lane, kind, tree, mode in quiet.shapes:
        assert idx.canonical(lane).casefold() != quiet.decision.lane.casefold()
        assert not tax.is_exclusive(lane)
        probe = Lease("P", 1, lane, kind, tree, "h", 0, 0, 10, mode=LockMode(mode))
        assert arbitrate(request, [probe], tax) == quiet.decision


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(tax=taxonomies(), data=st.data())
def test_two_quiet_grants_that_lock_nothing_in_common_grant_each_others_quiet_shapes(
        tax: Taxonomy, data: st.DataObject) -> None:
    """What lets a store run quiet grants on different lanes at once: unless they share a lock, each one
    writes a lease the other's decision ignores, so neither needs to see the other's."""
    a = quiet_grant(data.draw(named_requests(tax)), tax)
    b = quiet_grant(data.draw(named_requests(tax)), tax)
    assume(a is not None and b is not None)
    if not a.locks & b.locks:
        assert b.shape in a.shapes and a.shape in b.shapes
        lease_b = Lease("B", 1, *b.shape[:3], "h", 0, 0, 10, mode=LockMode(b.shape[3]))
        assert arbitrate(LaneRequest(lane=a.decision.lane, mode=a.decision.mode), [lease_b], tax) == \
            arbitrate(LaneRequest(lane=a.decision.lane, mode=a.decision.mode), [], tax)


@given(tax=taxonomies(), data=st.data())
@settings(max_examples=300, deadline=None)
def test_only_a_named_cluster_grant_is_quiet(tax: Taxonomy, data: st.DataObject) -> None:
    request = data.draw(named_requests(tax))
    quiet = quiet_grant(request, tax)
    decision = arbitrate(request, (), tax)
    if quiet is None:
        return
    assert decision.granted and decision.lane_kind == "cluster" and not decision.auto_picked
    assert request.kind.strip().casefold() in ("", "cluster")
    assert tuple(decision.tree) == tax.tree_for(decision.lane) and quiet.decision == decision
    assert decision.lane.casefold() in quiet.locks


def test_a_colliding_or_same_lane_lease_is_not_a_quiet_shape() -> None:
    tax = Taxonomy(concurrent=("api", "web", "all"), exclusive=("global",), autopick=("api", "web", "all"),
                   trees={"api": ("api/**",), "web": ("web/**",), "all": ("**/*.py",), "global": ("**/*",)})
    quiet = quiet_grant(LaneRequest(lane="api"), tax)
    assert quiet is not None and quiet.decision.lane == "api"
    lanes = {shape[0] for shape in quiet.shapes}
    assert lanes == {"web"}  # not api itself, not all (its *.py meets api/**), not the exclusive global
    assert quiet_grant(LaneRequest(lane="global"), tax) is None
    assert quiet_grant(LaneRequest(lane="api", kind="keyword", tree=("api/**",)), tax) is None
    assert quiet_grant(LaneRequest(), tax) is None
    assert quiet_grant(LaneRequest(lane="api", tree=("api/x/**",)), tax) is None  # a tree of its own
    assert quiet.locks == {"api", "all"}  # all's *.py can meet api/**; web's tree cannot
