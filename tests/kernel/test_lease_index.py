"""The lease index answers exactly as the linear scan: same verdicts, same blocking leases, same order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dos.kernel import overlap
from dos.kernel.admission import conflicting
from dos.kernel.arbiter import arbitrate, arbitrate_linear
from dos.kernel.lanes import LaneRequest, Taxonomy
from dos.kernel.lease import Lease
from dos.kernel.lease_index import LeaseIndex
from dos.kernel.tree import LockMode, PathEscapesWorkspace, canonical_path, tree_contains

# Few segments, so regions meet often; case and case-folding variants (ß folds to ss, İ grows).
SEGMENTS = ["a", "A", "ab", "b", "src", "SRC", "Src", "doc", "docs", "ss", "ß", "İ", "i̇x", "x.py"]
SPECIALS = ["", ".", ".."]
CUT_GLOBS = ["*", "*", "?", "[ab]", "{a,b}", "*.py"]


@st.composite
def entries(draw: st.DrawFn) -> str:
    """One tree entry: a few segments, odd separators and dots, maybe a glob that cuts a segment (`do*`)."""
    parts = draw(st.lists(st.sampled_from(SEGMENTS * 4 + SPECIALS), max_size=4))
    sep = draw(st.sampled_from(["/", "/", "\\"]))
    lead = draw(st.sampled_from(["", "", "/", "./"]))
    style = draw(st.sampled_from(["path", "path", "cut", "cut", "cut", "under", "under", "bare"]))
    if style == "bare":
        return draw(st.sampled_from(["*", "**", "**/*", "", " ", "?x", "*.md"]))
    if style == "cut" and parts and parts[-1]:
        last = parts[-1]
        parts[-1] = last[:draw(st.integers(0, len(last)))] + draw(st.sampled_from(CUT_GLOBS))
    elif style == "under" and parts:
        parts.append(draw(st.sampled_from(["*", "**", "*.py", "?"])))
    return lead + sep.join(parts)


TREES = st.lists(entries(), max_size=3).map(tuple)
NARROW = st.lists(entries(), min_size=1, max_size=2).map(tuple)  # more often no wide entry to mask a miss
MODES = st.sampled_from([LockMode.EXCLUSIVE, LockMode.SHARED])
LEASE_LANES = st.sampled_from(["api", "API", "docs", "src", "wide", "k1", "k2", "Alias", "bad", "global", "infra"])
LEASE_KINDS = st.sampled_from(["cluster", "keyword", "keyword", "cluster", "global", ""])


def taxonomy(protected: tuple[str, ...]) -> Taxonomy:
    return Taxonomy(
        concurrent=("api", "docs", "src", "wide", "bad"),
        exclusive=("global", "infra"),
        autopick=("api", "docs", "src", "wide", "bad"),
        trees={"api": ("api/**",), "docs": ("docs/ui-*", "DOC*"), "src": ("src/**",), "wide": ("**/*.md",),
               "bad": ("../outside/**",), "global": ("**/*",), "infra": ("infra/**",)},
        aliases={"Alias": "api"},
        protected=protected,
    )


TAXONOMIES = st.sampled_from([taxonomy(()), taxonomy(("src/dos/kernel/arbiter.py", "doc"))])


@st.composite
def live_sets(draw: st.DrawFn, rare_exclusive: bool = True) -> list[Lease]:
    n = draw(st.integers(0, 12))
    out = []
    for i in range(n):
        lane = draw(LEASE_LANES)
        kind = draw(LEASE_KINDS)
        if rare_exclusive and (lane in ("global", "infra") or kind == "global") and draw(st.integers(0, 4)):
            lane, kind = "k1", "keyword"  # an exclusive holder short-cuts every decision; keep it rare
        lease_id = f"L{draw(st.integers(0, n + 2))}"  # now and then an id twice, as live + extra_live can
        out.append(Lease(lease_id, i + 1, lane, kind, draw(TREES), f"h{i}", 0, 0, 60_000, mode=draw(MODES)))
    return out


REQUESTS = st.builds(LaneRequest,
                     lane=st.sampled_from(["", "api", "Api", "docs", "src", "wide", "bad", "global", "infra",
                                           "Alias", "k1", "unknown"]),
                     kind=st.sampled_from(["", "cluster", "keyword", "global", "infra", "Cluster"]),
                     tree=TREES, holder=st.just("me"), mode=MODES)


def sees_live(request: LaneRequest, tree: tuple[str, ...], live: object) -> str | None:
    """A plugin rule that reads the live set it is handed (refuses when it holds three or more)."""
    return f"too busy: {len(live)} live" if len(live) >= 3 else None  # type: ignore[arg-type]


class TestDecisions:
    @settings(max_examples=500, deadline=None)
    @given(REQUESTS, live_sets(), TAXONOMIES, st.booleans(), st.booleans())
    def test_indexed_decision_equals_the_linear_one(self, request: LaneRequest, live: list[Lease],
                                                    tax: Taxonomy, force: bool, plugin: bool) -> None:
        """Verdict, lane, reason, free lanes and blocking leases (in order) are identical."""
        extra = (sees_live,) if plugin else ()
        linear = arbitrate_linear(request, live, tax, predicates=extra, force=force)
        indexed = arbitrate(request, LeaseIndex(live, tax), tax, predicates=extra, force=force)
        assert indexed == linear

    @settings(max_examples=150, deadline=None)
    @given(REQUESTS, live_sets(rare_exclusive=False), TAXONOMIES, st.booleans())
    def test_equal_with_exclusive_holders_live(self, request: LaneRequest, live: list[Lease], tax: Taxonomy,
                                               force: bool) -> None:
        assert arbitrate(request, LeaseIndex(live, tax), tax, force=force) == arbitrate_linear(
            request, live, tax, force=force)

    @settings(max_examples=100, deadline=None)
    @given(st.lists(st.tuples(REQUESTS, st.booleans()), max_size=10), TAXONOMIES)
    def test_equal_along_a_sequence_of_grants(self, steps: list[tuple[LaneRequest, bool]], tax: Taxonomy) -> None:
        """Live sets the arbiter itself builds (the store's case) decide the same both ways."""
        live: list[Lease] = []
        for request, force in steps:
            linear = arbitrate_linear(request, live, tax, force=force)
            assert arbitrate(request, LeaseIndex(live, tax), tax, force=force) == linear
            if linear.granted:
                n = len(live) + 1
                live.append(Lease(f"G{n}", n, linear.lane, linear.lane_kind, linear.tree, f"h{n}", 0, 0, 1000,
                                  mode=linear.mode))

    def test_an_index_for_another_taxonomy_is_not_trusted(self) -> None:
        """Lane names canonicalise by the taxonomy, so an index built for another one falls back to a scan."""
        tax, other = taxonomy(()), Taxonomy(concurrent=("API",), autopick=("API",), trees={"API": ("x/**",)})
        live = [Lease("L1", 1, "API", "cluster", ("api/**",), "h", 0, 0, 1000)]
        request = LaneRequest(lane="api", kind="keyword", tree=("y/**",))
        assert arbitrate(request, LeaseIndex(live, other), tax) == arbitrate_linear(request, live, tax)
        assert not arbitrate(request, LeaseIndex(live, tax), tax).granted


class TestConflicting:
    @settings(max_examples=600, deadline=None)
    @given(st.one_of(TREES, NARROW), MODES, live_sets(rare_exclusive=False), TAXONOMIES)
    def test_conflicting_equals_the_scan(self, tree: tuple[str, ...], mode: LockMode, live: list[Lease],
                                         tax: Taxonomy) -> None:
        """With the taxonomy (declared modes), with recorded modes, and with no taxonomy at all."""
        index = LeaseIndex(live, tax)
        assert index.conflicting(tree, mode) == conflicting(tree, mode, live, tax)
        assert index.conflicting(tree, mode, declared=False) == overlap.conflicting(tree, mode, live)
        assert LeaseIndex(live).conflicting(tree, mode) == overlap.conflicting(tree, mode, live)

    @settings(max_examples=200, deadline=None)
    @given(TREES, live_sets(rare_exclusive=False))
    def test_containing_equals_tree_contains(self, tree: tuple[str, ...], live: list[Lease]) -> None:
        """Every path a query tree names: the leases containing it, a lease with an invalid tree included."""
        index = LeaseIndex(live)
        for entry in (*tree, "", "src", "SRC/a", "docs/x.py", "ß/a", "ss"):
            path = entry.split("*")[0].split("?")[0].split("[")[0].split("{")[0]
            try:
                canonical_path(path)
            except PathEscapesWorkspace:
                continue
            want = [x for x in live if _invalid(x.tree) or tree_contains(x.tree, path)]
            assert list(index.containing(path)) == want

    def test_hand_cases(self) -> None:
        """Regions that end inside a segment meet whole segments both ways; case folds; shared/shared passes."""
        def lease(lid: str, tree: tuple[str, ...], mode: LockMode = LockMode.EXCLUSIVE) -> Lease:
            return Lease(lid, 1, lid, "keyword", tree, "h", 0, 0, 1000, mode=mode)

        live = [lease("doc", ("doc*",)), lease("ui", ("docs/ui-*",)), lease("src", ("SRC/**",)),
                lease("all", ("**/*",), LockMode.SHARED), lease("none", ()), lease("up", ("../x",)),
                lease("deep", ("a/b/c/d.py",))]
        index = LeaseIndex(live)

        def ids(tree: tuple[str, ...], mode: LockMode = LockMode.EXCLUSIVE) -> list[str]:
            return [x.lease_id for x in index.conflicting(tree, mode)]

        assert ids(("documents/x",)) == ["doc", "all", "none", "up"]
        assert ids(("docs/ui-kit/a.md",), LockMode.SHARED) == ["doc", "ui", "none", "up"]
        assert ids(("docs/ui",), LockMode.SHARED) == ["doc", "none", "up"]
        assert ids(("d*",), LockMode.SHARED) == ["doc", "ui", "none", "up"]
        assert ids(("src/x.py",), LockMode.SHARED) == ["src", "none", "up"]
        assert ids(("a/b/*",), LockMode.SHARED) == ["none", "up", "deep"]
        assert ids(("a/b/c/d.py/more",), LockMode.SHARED) == ["none", "up", "deep"]
        assert ids(("a/bc",), LockMode.SHARED) == ["none", "up"]
        assert ids((), LockMode.SHARED) == ["doc", "ui", "src", "none", "up", "deep"]
        assert ids(("../escape",), LockMode.SHARED) == ["doc", "ui", "src", "none", "up", "deep"]
        assert [x.lease_id for x in index.containing("docs/ui-kit")] == ["doc", "ui", "all", "up"]


def _invalid(tree: tuple[str, ...]) -> bool:
    try:
        overlap.tree_regions(tree)
    except PathEscapesWorkspace:
        return True
    return False
