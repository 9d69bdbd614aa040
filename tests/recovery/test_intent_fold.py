"""The intent ledger's fold: the reference's replay rules, and fold(replay(a), b) == replay(a + b)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dos.kernel import intent as K

RID = "RID-1M8VF35AG2SZP00"


def test_scalar_fields_last_writer_wins_and_empty_values_do_not_overwrite() -> None:
    """A later INTENT replaces a goal, but an empty goal leaves the earlier one."""
    s = K.replay(RID, [{"op": "INTENT", "goal": "one", "plan": "P", "start_sha": "a" * 40},
                       {"op": "INTENT", "goal": "two", "plan": ""},
                       {"op": "INTENT", "goal": ""}])
    assert (s.goal, s.plan, s.start_sha, s.intents) == ("two", "P", "a" * 40, 3)


def test_declared_steps_keep_order_and_drop_duplicates() -> None:
    s = K.replay(RID, [{"op": "INTENT", "declared_steps": ["b", "a", "b", "c"],
                        "step_regions": {"a": ["src/**"], "b": []}}])
    assert s.declared == ("b", "a", "c")
    assert s.region_of("a") == ("src/**",) and s.region_of("b") == ()


def test_a_later_intent_clears_the_suspension() -> None:
    s = K.replay(RID, [{"op": "INTENT", "goal": "g"}, {"op": "SUSPEND", "reason": "rate limit"}])
    assert s.suspended
    assert not K.fold(s, [{"op": "INTENT", "goal": "g2"}]).suspended


def test_claims_and_verifications_are_keyed_by_step_and_the_last_one_wins() -> None:
    s = K.replay(RID, [{"op": "STEP_CLAIMED", "step_id": "a", "sha": "1" * 40},
                       {"op": "STEP_CLAIMED", "step_id": "a", "sha": "2" * 40},
                       {"op": "STEP_VERIFIED", "step_id": "a", "sha": "2" * 40, "via": "file-path", "verdicts": []}])
    assert s.claims == {"a": "2" * 40}
    assert s.verified["a"]["via"] == "file-path"
    assert not s.has_intent  # claims alone declare nothing


def test_corrupt_unknown_and_malformed_records_are_counted_never_folded() -> None:
    s = K.replay(RID, [{"op": "_CORRUPT", "_raw": "{", "_line": 0}, {"op": "TELEPORT"},
                       {"op": "STEP_CLAIMED", "step_id": ["a"], "sha": "x"},
                       {"op": "INTENT", "goal": 7},
                       {"op": "INTENT", "goal": "g", "schema": {"family": "lane-journal", "version": 1}}])
    assert (s.corrupt, s.unknown, s.malformed, s.records) == (1, 2, 2, 0)
    assert s.claims == {} and not s.has_intent


def test_a_record_of_a_newer_schema_marks_the_ledger_unreadable() -> None:
    s = K.replay(RID, [{"op": "INTENT", "goal": "g", "schema": {"family": "intent-ledger", "version": 2}}])
    assert s.unreadable_newer and not s.has_intent


def test_a_checkpoint_is_replaced_only_by_another_whole_one() -> None:
    """An operator's SUSPEND without a checkpoint keeps the one DOS minted earlier."""
    s = K.replay(RID, [{"op": "SUSPEND", "reason": "r", "checkpoint_turn": 3, "transcript_digest": "ab" * 32},
                       {"op": "SUSPEND", "reason": "operator", "checkpoint_turn": 9},
                       {"op": "SUSPEND", "reason": "", "resume_sha": "c" * 40}])
    assert s.checkpoint == (3, "ab" * 32)
    assert s.suspend["reason"] == "operator" and s.suspend["resume_sha"] == "c" * 40


def test_state_round_trips_through_its_dict() -> None:
    s = K.replay(RID, [{"op": "INTENT", "goal": "g", "declared_steps": ["a"], "step_regions": {"a": ["x/**"]}},
                       {"op": "STEP_CLAIMED", "step_id": "a", "sha": "f" * 40}])
    assert K.IntentState.from_dict(s.to_dict()) == s


def test_residual_label_names_the_goal_then_the_plan() -> None:
    assert K.residual_label(K.replay(RID, [{"op": "INTENT", "goal": "g"}])) == "g"
    assert K.residual_label(K.replay(RID, [{"op": "INTENT", "plan": "P", "phase": "P1"}])) == "P P1"


_ids = st.sampled_from(["a", "b", "c", "", "x" * 201])
_shas = st.sampled_from(["", "1" * 40, "2" * 40, "deadbeef", 5])
_records = st.one_of(
    st.fixed_dictionaries({"op": st.just("INTENT"), "goal": st.sampled_from(["", "g", "h", 3]),
                           "declared_steps": st.lists(_ids, max_size=4)}),
    st.fixed_dictionaries({"op": st.just("STEP_CLAIMED"), "step_id": _ids, "sha": _shas}),
    st.fixed_dictionaries({"op": st.just("STEP_VERIFIED"), "step_id": _ids, "sha": _shas,
                           "via": st.sampled_from(["file-path", "grep", ""]), "verdicts": st.just([])}),
    st.fixed_dictionaries({"op": st.just("SUSPEND"), "reason": st.sampled_from(["", "r"]),
                           "checkpoint_turn": st.sampled_from([None, 0, 2, -1]),
                           "transcript_digest": st.sampled_from(["", "ab" * 32])}),
    st.fixed_dictionaries({"op": st.just("RESUME_PROPOSED"), "predecessor_run_id": st.just(RID),
                           "resume_sha": _shas, "residual": st.lists(_ids, max_size=2)}),
    st.fixed_dictionaries({"op": st.sampled_from(["_CORRUPT", "NOPE", 3])}),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_records, max_size=12), st.lists(_records, max_size=12))
def test_folding_in_two_parts_equals_replaying_the_whole(a: list, b: list) -> None:
    """What the store keeps (a fold updated per append) equals the replay of the whole ledger."""
    assert K.fold(K.replay(RID, a), b) == K.replay(RID, a + b)


@settings(max_examples=200, deadline=None)
@given(st.lists(_records, max_size=12))
def test_every_record_is_counted_exactly_once(records: list) -> None:
    """Folded, corrupt, unknown or malformed: no record vanishes from the counts."""
    s = K.replay(RID, records)
    assert s.records + s.corrupt + s.unknown + s.malformed == len(records)
