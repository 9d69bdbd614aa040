"""The pure gate verdicts: scope algebra, fences, the witness join, receipts. Tables and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dos.kernel import fence
from dos.kernel.lanes import Taxonomy
from dos.kernel.lease import Event, Lease, Op
from dos.kernel.receipt import (
    Effect,
    Readback,
    Stance,
    Tier,
    parse_timestamp,
    shape_error,
    state_delta,
    state_readback,
    witness_effect,
)
from dos.kernel.scope import (
    SHARED_INFRA,
    Scope,
    ScopeEvidence,
    ScopePolicy,
    classify,
    gate,
    normalize_files,
)
from dos.kernel.tree import LockMode
from dos.kernel.verdict import conforms
from dos.kernel.witness import (
    Outcome,
    Witness,
    WitnessEvidence,
    is_pytest,
    looks_like_test,
    outcome_of,
)
from dos.kernel.witness import classify as witness

# --------------------------------------------------------------------------- scope

segment = st.sampled_from(["src", "docs", "api", "Src", "lib", "a", "tests"])
paths = st.lists(segment, min_size=1, max_size=4).map("/".join).map(lambda p: p + ".py")


def _ev(files, tree=("src/**",), lane="src"):
    return ScopeEvidence(lane, normalize_files(files), tuple(tree))


@pytest.mark.parametrize(("files", "tree", "token"), [
    ((), ("src/**",), Scope.IN_SCOPE),
    (("src/a.py",), (), Scope.WRONG_TARGET),
    (("src/a.py", "src/b/c.py"), ("src/**",), Scope.IN_SCOPE),
    (("src/a.py", "docs/x.md"), ("src/**",), Scope.SCOPE_CREEP),
    (("docs/x.md",), ("src/**",), Scope.WRONG_TARGET),
    (("docs/__init__.py", "pyproject.toml"), ("src/**",), Scope.IN_SCOPE),
    (("srcfoo/a.py",), ("src/**",), Scope.WRONG_TARGET),  # segment-aware: src/** does not hold srcfoo/
    (("SRC/A.py",), ("src/**",), Scope.IN_SCOPE),  # case-insensitive, errs toward the lane
    (("src/../docs/a.py",), ("src/**",), Scope.WRONG_TARGET),
    (("src/a.py", "../conftest.py"), ("src/**",), Scope.SCOPE_CREEP),  # never tolerated when it escapes
    (("x",), ("**/*",), Scope.IN_SCOPE),
])
def test_scope_table(files, tree, token) -> None:
    v = classify(_ev(files, tree))
    assert v.verdict == token and conforms(v)


@settings(deadline=None)
@given(st.lists(paths, max_size=8))
def test_in_scope_files_and_out_of_scope_files_partition_the_footprint(files) -> None:
    v = classify(_ev(files))
    assert sorted(v.in_scope_files + v.out_of_scope_files) == sorted(normalize_files(files))
    assert set(v.creep_files) <= set(v.out_of_scope_files)
    assert (v.verdict == Scope.IN_SCOPE) == (not v.creep_files)


@settings(deadline=None)
@given(st.lists(paths, max_size=8), st.randoms(use_true_random=False))
def test_the_verdict_ignores_order_duplicates_and_separators(files, rnd) -> None:
    shuffled = [f.replace("/", "\\") if rnd.random() < 0.3 else f for f in files + files[:2]]
    rnd.shuffle(shuffled)
    assert classify(_ev(files)).to_dict() == classify(_ev(shuffled)).to_dict()


@settings(deadline=None)
@given(st.lists(paths, max_size=6), paths)
def test_adding_an_out_of_tree_file_never_makes_a_write_more_allowed(files, extra) -> None:
    before, after = classify(_ev(files)), classify(_ev([*files, "docs/" + extra]))
    if before.verdict != Scope.IN_SCOPE:
        assert after.verdict != Scope.IN_SCOPE


@settings(deadline=None)
@given(st.lists(paths, min_size=1, max_size=6), st.integers(0, 6))
def test_tolerance_counts_creep_files(files, tol) -> None:
    v = classify(_ev(files), ScopePolicy(creep_tolerance=tol))
    if not v.escaping_files:
        assert (v.verdict == Scope.IN_SCOPE) == (len(v.creep_files) <= tol)


def test_policy_bounds_and_gate() -> None:
    with pytest.raises(ValueError):
        ScopePolicy(refuse_on=frozenset({Scope.IN_SCOPE}))
    with pytest.raises(ValueError):
        ScopePolicy(creep_tolerance=-1)
    creep = classify(_ev(["src/a.py", "docs/b.md", "docs/__init__.py"]))
    g = gate(creep)
    assert not g.allowed and g.token == "SCOPE_CREEP" and g.refused_files == ("docs/b.md",)
    assert g.reason.startswith("write REFUSED (SCOPE_CREEP) — ") and conforms(g)
    lenient = gate(creep, policy=ScopePolicy(refuse_on=frozenset({Scope.WRONG_TARGET})))
    assert lenient.allowed and lenient.token == "ALLOW" and lenient.reason.startswith("write ALLOWED — ")
    assert "__init__.py" in SHARED_INFRA


# --------------------------------------------------------------------------- fences


def _lease(lid, fnc, lane="src", tree=("src/**",), holder="h", mode=LockMode.EXCLUSIVE, hb=0, ttl=1000):
    return Lease(lease_id=lid, fence=fnc, lane=lane, lane_kind="cluster", tree=tree, holder=holder, acquired_ms=hb,
                 heartbeat_ms=hb, ttl_ms=ttl, mode=mode)


def _acq(seq, lease):
    return Event(seq=seq, ts_ms=seq, op=Op.ACQUIRE, lane=lease.lane, lease_id=lease.lease_id, data={"lease": lease.to_dict()})


TAX = Taxonomy(concurrent=("src", "docs"), exclusive=("global",),
               trees={"src": ("src/**",), "docs": ("docs/**",), "global": ("**/*",)})


def test_fence_states() -> None:
    a, b = _lease("A", 1), _lease("B", 2, holder="other")
    d = _lease("D", 3, lane="docs", tree=("docs/**",))
    events = [_acq(1, a), Event(seq=2, ts_ms=2, op=Op.SCAVENGE, lease_id="A"), _acq(3, b), _acq(4, d)]
    hist = fence.history(events)
    chk = lambda claim, live=(b, d), **kw: fence.check(claim, hist, list(live), TAX, **kw)
    sup = chk(fence.LeaseClaim("A", 1, "c1"))
    assert sup.state == fence.FenceState.SUPERSEDED and sup.superseded_by == b and not sup.passes
    assert chk(fence.LeaseClaim("B", 2)).state == fence.FenceState.LIVE
    assert chk(fence.LeaseClaim("D", 3)).passes  # another lane's later grant does not supersede B or D
    assert chk(fence.LeaseClaim("B", 2), live=()).state == fence.FenceState.EXPIRED
    assert chk(fence.LeaseClaim("B", 9)).state == fence.FenceState.UNKNOWN
    assert chk(fence.LeaseClaim("Z", 1)).state == fence.FenceState.UNKNOWN
    assert chk(fence.parse_claim("garbage")).state == fence.FenceState.MALFORMED
    rel = fence.history([*events, Event(seq=5, ts_ms=5, op=Op.RELEASE, lease_id="D", data={"fence": 3})])
    assert fence.check(fence.LeaseClaim("D", 3), rel, [b], TAX).state == fence.FenceState.RELEASED
    assert not fence.check(fence.LeaseClaim("D", 3), rel, [b], TAX).passes
    assert fence.check(fence.LeaseClaim("D", 3), rel, [b], TAX, allow_released=True).passes
    g = fence.history([*events, _acq(6, _lease("G", 4, lane="global", tree=("**/*",)))])
    assert fence.check(fence.LeaseClaim("D", 3), g, [d], TAX).state == fence.FenceState.SUPERSEDED


def test_adopt_and_shared_leases() -> None:
    a = _lease("A", 1)
    hist = fence.history([_acq(1, a), Event(seq=2, ts_ms=2, op=Op.ADOPT, lease_id="A",
                                            data={"fence": 5, "holder": "new"})])
    old = fence.check(fence.LeaseClaim("A", 1), hist, [a.replace(fence=5)], TAX)
    assert old.state == fence.FenceState.SUPERSEDED and old.superseded_by.fence == 5
    assert fence.check(fence.LeaseClaim("A", 5), hist, [a.replace(fence=5)], TAX).passes
    s1, s2 = _lease("S1", 1, mode=LockMode.SHARED), _lease("S2", 2, mode=LockMode.SHARED)
    shared = fence.history([_acq(1, s1), _acq(2, s2)])
    assert fence.check(fence.LeaseClaim("S1", 1), shared, [s1, s2], TAX).passes  # shared holders coexist


@settings(deadline=None)
@given(st.permutations(list(range(1, 6))))
def test_only_the_newest_conflicting_fence_is_live(order) -> None:
    """Five grants of one lane: whatever order the log lists them, only the highest fence passes."""
    grants = [_lease(f"L{f}", f) for f in order]
    hist = fence.history([_acq(i + 1, g) for i, g in enumerate(grants)])
    live = [g for g in grants if g.fence == 5]
    passing = [g.fence for g in grants if fence.check(fence.LeaseClaim(g.lease_id, g.fence), hist, live, TAX).passes]
    assert passing == [5]


@settings(deadline=None)
@given(st.text(max_size=40))
def test_trailer_parse_never_raises_and_round_trips(raw) -> None:
    claim = fence.parse_claim(raw)
    if claim.fence is not None:
        assert fence.parse_claim(fence.trailer_value(claim.lease_id, claim.fence)) == fence.LeaseClaim(
            claim.lease_id, claim.fence, raw=fence.trailer_value(claim.lease_id, claim.fence))
    assert "\n" not in fence.clean(raw)


# --------------------------------------------------------------------------- the witness join

OUTCOMES = list(Outcome)


@settings(deadline=None)
@given(st.sampled_from(OUTCOMES), st.sampled_from(OUTCOMES), st.booleans())
def test_witness_is_total_and_only_red_to_green_discriminates(b, c, forged) -> None:
    v = witness(WitnessEvidence(b, c, "AGENT_AUTHORED" if forged else "OS_RECORDED"))
    assert conforms(v) and v.token in set(Witness)
    red = b in (Outcome.FAILED, Outcome.ERRORED)
    assert (v.verdict == Witness.DISCRIMINATES) == (not forged and red and c == Outcome.PASSED)
    assert v.assert_level == (v.verdict == Witness.DISCRIMINATES and b == Outcome.FAILED)
    if forged or Outcome.NOT_RUN in (b, c):
        assert v.verdict == Witness.ABSTAIN


@pytest.mark.parametrize(("status", "pytest_", "want"), [
    (0, True, Outcome.PASSED), (1, True, Outcome.FAILED), (2, True, Outcome.ERRORED), (4, True, Outcome.ERRORED),
    (5, True, Outcome.ERRORED), (1, False, Outcome.FAILED), (3, False, Outcome.FAILED), (127, False, Outcome.ERRORED),
    (-9, False, Outcome.ERRORED), (None, False, Outcome.ERRORED),
])
def test_outcome_of_exit_status(status, pytest_, want) -> None:
    assert outcome_of(status, pytest=pytest_) == want
    assert outcome_of(0, pytest=pytest_, timed_out=True) == Outcome.ERRORED


def test_runner_and_test_file_detection() -> None:
    assert is_pytest(["pytest", "-q"]) and is_pytest(["/venv/bin/python", "-m", "pytest"])
    assert is_pytest(["uv", "run", "py.test"]) and not is_pytest(["npm", "test"])
    assert looks_like_test("tests/unit/x.py") and looks_like_test("pkg/test_x.py") and looks_like_test("a/b_test.go")
    assert looks_like_test("web/x.test.ts") and not looks_like_test("src/testing_utils.py")


# --------------------------------------------------------------------------- receipts


def _rb(stance, tier=Tier.OS_RECORDED, author="w"):
    return Readback(author, tier, stance, "surface")


@pytest.mark.parametrize(("readbacks", "token"), [
    ([_rb(Stance.ATTESTED)], Effect.CONFIRMED),
    ([_rb(Stance.REFUTED)], Effect.REFUTED),
    ([_rb(Stance.NO_SIGNAL)], Effect.UNWITNESSED),
    ([_rb(Stance.ATTESTED, Tier.AGENT_AUTHORED)], Effect.UNWITNESSED),  # a forgeable yes is no witness
    ([_rb(Stance.ATTESTED), _rb(Stance.REFUTED, Tier.THIRD_PARTY)], Effect.REFUTED),  # a conflict counts against
    ([], Effect.UNWITNESSED),
])
def test_witness_effect(readbacks, token) -> None:
    v = witness_effect("orders:1", readbacks)
    assert v.verdict == token and conforms(v)
    assert (v.believe, v.refuted) == {Effect.CONFIRMED: (True, False), Effect.REFUTED: (False, True)}.get(
        token, (False, False))
    assert witness_effect("  ", readbacks).verdict == Effect.NO_CLAIM


@settings(deadline=None)
@given(st.dictionaries(st.text(max_size=3), st.integers(0, 3), max_size=4),
       st.dictionaries(st.text(max_size=3), st.integers(0, 3), max_size=4), st.text(max_size=3))
def test_state_diff_confirms_exactly_the_added_or_changed_keys(before, after, key) -> None:
    rb = state_readback(key, before, after, "s")
    changed = key.strip() in after and (key.strip() not in before or before[key.strip()] != after[key.strip()])
    assert (rb.stance == Stance.ATTESTED) == changed
    assert state_delta(before, after) <= set(after)
    assert state_readback(key, None, after, "s").stance == Stance.NO_SIGNAL


def test_timestamps_and_receipt_shape() -> None:
    assert parse_timestamp("2025-03-01T12:00:00+02:00") == "2025-03-01T10:00:00Z"
    assert parse_timestamp("2025-03-01t10:00:00.75z") == "2025-03-01T10:00:00Z"
    for bad in ("yesterday", "2025-13-01T00:00:00Z", "2025-03-01 10:00"):
        with pytest.raises(ValueError):
            parse_timestamp(bad)
    assert shape_error([]) and "missing" in shape_error({}) and "unknown" in shape_error(
        {k: None for k in ("x",)} | {"schema": 1})
