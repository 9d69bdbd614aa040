"""Step re-adjudication, resume, completion and convergence as pure verdicts over git's facts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dos.kernel import intent as K
from dos.kernel.resume import (Commit, Completion, Convergence, Resume, check_step, convergence,
                               decide_completion, decide_resume, is_hex_sha)

RID = "RID-1M8VF35AG2SZP00"
S, A, B, C = ("0" * 39 + "1"), ("a" * 40), ("b" * 40), ("c" * 40)


def commit(sha: str, files: tuple[str, ...] = ("src/x.py",), ancestor: bool = True) -> Commit:
    return Commit(sha, sha, ancestor, files)


@pytest.mark.parametrize("c, region, stands, why", [
    pytest.param(commit(A), ("src/**",), True, "in the step's region", id="in-region-stands"),
    pytest.param(commit(A), (), True, "changed 1 file", id="no-region-any-file-stands"),
    pytest.param(commit(A, ()), ("src/**",), False, "empty commit", id="empty-commit-fails"),
    pytest.param(commit(A, ("docs/c.md",)), ("src/**",), False, "nothing in the step's region", id="outside-region"),
    pytest.param(commit(A, ancestor=False), ("src/**",), False, "not an ancestor", id="not-ancestor"),
    pytest.param(Commit(A), ("src/**",), False, "names no commit", id="unresolvable"),
    pytest.param(None, (), False, "names no commit", id="git-knows-nothing"),
    pytest.param(commit(A, ("SRC/X.PY",)), ("src/**",), True, "region", id="case-insensitive-like-the-tree-algebra"),
    pytest.param(commit(A), ("../outside/**",), False, "leaves the workspace", id="region-escaping-the-workspace"),
])
def test_check_step(c: Commit | None, region: tuple[str, ...], stands: bool, why: str) -> None:
    got = check_step("a", A, region, c)
    assert got.stands is stands and why in got.why


def test_a_sha_must_be_hex_of_at_least_seven_digits() -> None:
    assert is_hex_sha("abcdef1") and not is_hex_sha("abcdef") and not is_hex_sha("HEAD~1")
    assert not is_hex_sha("--all") and not is_hex_sha("g" * 40)


def _state(*recs: dict) -> K.IntentState:
    base = {"op": "INTENT", "goal": "g", "start_sha": S, "declared_steps": ["a", "b", "c"],
            "step_regions": {s: ["src/**"] for s in "abc"}}
    return K.replay(RID, [base, *recs])


def _verified(step: str, sha: str, via: str = "file-path") -> dict:
    return {"op": "STEP_VERIFIED", "step_id": step, "sha": sha, "via": via, "verdicts": []}


FACTS = {S: commit(S), A: commit(A), B: commit(B, ()), C: commit(C, ("docs/c.md",))}


def test_only_the_leading_run_of_standing_verified_steps_counts() -> None:
    """a stands; b is an empty commit and c touched nothing in its region: resume after a, redo b and c."""
    st_ = _state(_verified("a", A), _verified("b", B), _verified("c", C))
    v = decide_resume(RID, st_, FACTS)
    assert v.verdict == Resume.RESUMABLE and v.resume_sha == A
    assert v.residual == ("b", "c") and v.verified == ("a",) and v.claimed_unverified == 2
    assert v.predecessor_run_id == RID and v.run_id == RID


def test_a_claim_without_a_verification_is_never_evidence() -> None:
    st_ = _state({"op": "STEP_CLAIMED", "step_id": "a", "sha": A})
    v = decide_resume(RID, st_, FACTS)
    assert v.residual == ("a", "b", "c") and v.resume_sha == S


def test_a_verification_on_an_untrusted_rung_does_not_count() -> None:
    v = decide_resume(RID, _state(_verified("a", A, via="grep-subject")), FACTS)
    assert v.verified == ()


def test_a_forged_verification_of_an_unreachable_sha_does_not_count() -> None:
    forged = "d" * 40
    v = decide_resume(RID, _state(_verified("a", A), _verified("b", forged)), {**FACTS, forged: Commit(forged)})
    assert v.verified == ("a",) and "b" in v.residual


def test_all_steps_standing_is_complete_and_divergence_is_the_operators_word() -> None:
    good = {**FACTS, B: commit(B), C: commit(C)}
    st_ = _state(_verified("a", A), _verified("b", B), _verified("c", C))
    assert decide_resume(RID, st_, good).verdict == Resume.COMPLETE
    assert decide_resume(RID, st_, good, diverged=True).verdict == Resume.COMPLETE
    assert decide_resume(RID, _state(), FACTS, diverged=True).verdict == Resume.DIVERGED


def test_unresumable_without_a_ledger_an_intent_or_a_readable_schema() -> None:
    assert decide_resume(RID, None, {}).verdict == Resume.UNRESUMABLE
    assert decide_resume(RID, K.replay(RID, [{"op": "STEP_CLAIMED", "step_id": "a", "sha": A}]), {}).verdict \
        == Resume.UNRESUMABLE
    newer = K.replay(RID, [{"op": "INTENT", "goal": "g", "schema": {"family": "intent-ledger", "version": 9}}])
    assert decide_resume(RID, newer, {}).verdict == Resume.UNRESUMABLE


def test_a_goal_without_steps_resumes_from_the_start_with_the_goal_as_residual() -> None:
    st_ = K.replay(RID, [{"op": "INTENT", "goal": "just a goal", "start_sha": S}])
    v = decide_resume(RID, st_, {S: commit(S)})
    assert (v.verdict, v.resume_sha, v.residual) == (Resume.RESUMABLE, S, ("just a goal",))
    v = decide_resume(RID, st_, {S: commit(S, ancestor=False)})
    assert v.resume_sha == ""  # a start that left HEAD's history is no safe re-entry


def test_the_same_continuation_is_proposed_once() -> None:
    st_ = _state(_verified("a", A), {"op": "RESUME_PROPOSED", "predecessor_run_id": RID, "resume_sha": A,
                                      "residual": ["b", "c"]})
    assert decide_resume(RID, st_, FACTS).already_proposed
    moved = K.fold(st_, [_verified("b", A)])  # b now names a standing commit: a new residual
    assert not decide_resume(RID, moved, {**FACTS}).already_proposed


def test_completion_asks_the_resume_verdict_forward() -> None:
    st_ = _state(_verified("a", A))
    c = decide_completion(decide_resume(RID, st_, FACTS), st_)
    assert c.state == Completion.INCOMPLETE and c.residual == ("b", "c") and c.fraction_done == 0.3333
    assert decide_completion(decide_resume(RID, None, {}), None).state == Completion.INDETERMINATE
    good = {**FACTS, B: commit(B), C: commit(C)}
    full = _state(_verified("a", A), _verified("b", B), _verified("c", C))
    res = decide_resume(RID, full, good)
    assert decide_completion(res, full).to_dict()["is_done"] is True
    assert decide_completion(res, full, extent_honest=False).state == Completion.UNDERDECLARED


@pytest.mark.parametrize("history, token", [
    ([], Convergence.INSUFFICIENT), ([3], Convergence.INSUFFICIENT), ([3, 0], Convergence.CONVERGING),
    ([4, 3, 2], Convergence.CONVERGING), ([2, 2, 2, 2], Convergence.STARVED), ([3, 2, 3], Convergence.THRASHING),
    ([5, 4, 3, 2, 3, 1], Convergence.CONVERGING),
])
def test_convergence(history: list[int], token: Convergence) -> None:
    assert convergence(history).verdict == token


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=6), max_size=10))
def test_convergence_surfaces_only_thrashing_or_starving(history: list[int]) -> None:
    v = convergence(history)
    assert v.should_surface == (v.verdict in (Convergence.THRASHING, Convergence.STARVED))
    if history and history[-1] == 0 and len(history) >= 2:
        assert v.verdict == Convergence.CONVERGING
    if len(history) >= 2 and all(b < a for a, b in zip(history, history[1:])):
        assert v.verdict == Convergence.CONVERGING  # strictly shrinking never surfaces


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c"]), max_size=6), st.sets(st.sampled_from(["a", "b", "c"])))
def test_residual_is_always_a_suffix_of_the_declared_steps(verified: list[str], bad: set[str]) -> None:
    """Whatever was verified and whatever fails on git, resume keeps declared order and never skips a gap."""
    shas = {"a": A, "b": B, "c": C}
    facts = {S: commit(S), **{shas[s]: commit(shas[s], () if s in bad else ("src/x.py",)) for s in "abc"}}
    v = decide_resume(RID, _state(*[_verified(s, shas[s]) for s in verified]), facts)
    declared = ("a", "b", "c")
    assert v.verified + v.residual == declared
    assert all(s in verified and s not in bad for s in v.verified)
