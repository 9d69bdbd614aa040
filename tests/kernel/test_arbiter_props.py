"""Properties of the arbiter: a grant never puts two incompatible holders on one region."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dos.kernel.admission import lease_is_exclusive
from dos.kernel.arbiter import arbitrate
from dos.kernel.lanes import LaneRequest, Taxonomy
from dos.kernel.lease import Lease
from dos.kernel.tree import LockMode, region_conflict

TAX = Taxonomy(
    concurrent=("api", "docs", "src", "wide"),
    exclusive=("global", "infra"),
    autopick=("api", "docs", "src", "wide"),
    trees={"api": ("api/**",), "docs": ("docs/**",), "src": ("src/**",), "wide": ("**/*.md",),
           "global": ("**/*",), "infra": ("infra/**",)},
)
LANES = st.sampled_from(["", "api", "docs", "src", "wide", "global", "infra", "API", "foo"])
KINDS = st.sampled_from(["", "cluster", "keyword", "global", "infra"])
TREES = st.lists(st.sampled_from(["api/**", "src/a.py", "docs/ui-*", "./src/**", "**/*", "x/**",
                                  "src/?.py", "", "infra/x"]), max_size=3).map(tuple)
MODES = st.sampled_from([LockMode.EXCLUSIVE, LockMode.SHARED])
REQUESTS = st.builds(LaneRequest, lane=LANES, kind=KINDS, tree=TREES, holder=st.just("h"), mode=MODES)


def effective_mode(lease: Lease) -> LockMode:
    return LockMode.EXCLUSIVE if lease_is_exclusive(lease, TAX) else lease.mode


def grant(live: list[Lease], request: LaneRequest, force: bool) -> list[Lease]:
    d = arbitrate(request, live, TAX, force=force)
    if not d.granted:
        return live
    n = len(live) + 1
    return [*live, Lease(f"L{n}", n, d.lane, d.lane_kind, d.tree, f"h{n}", 0, 0, 1000, mode=d.mode)]


def sound(live: list[Lease]) -> bool:
    """No two live holders conflict, and an exclusive lane's holder stands alone."""
    for i, a in enumerate(live):
        for b in live[i + 1:]:
            if lease_is_exclusive(a, TAX) or lease_is_exclusive(b, TAX):
                return False
            if region_conflict(a.tree, effective_mode(a), b.tree, effective_mode(b)):
                return False
    return True


@settings(max_examples=400)
@given(st.lists(st.tuples(REQUESTS, st.booleans()), max_size=8))
def test_any_sequence_of_grants_keeps_the_live_set_sound(steps: list[tuple[LaneRequest, bool]]) -> None:
    live: list[Lease] = []
    for request, force in steps:
        live = grant(live, request, force)
        assert sound(live), [x.to_dict() for x in live]


@settings(max_examples=300)
@given(st.lists(REQUESTS, max_size=5), REQUESTS)
def test_a_refusal_names_only_live_leases(history: list[LaneRequest], request: LaneRequest) -> None:
    live: list[Lease] = []
    for r in history:
        live = grant(live, r, False)
    d = arbitrate(request, live, TAX)
    ids = {x.lease_id for x in live}
    assert set(d.blocking) <= ids
    if d.granted:
        assert d.blocking == ()


@given(REQUESTS, st.booleans())
def test_idle_repo_decision_is_deterministic(request: LaneRequest, force: bool) -> None:
    assert arbitrate(request, [], TAX, force=force) == arbitrate(request, [], TAX, force=force)
