"""Table-driven cases for the small verdicts, including each reference bug DOS fixes."""

from __future__ import annotations

import pytest

from dos.kernel.answer import AnswerPolicy, classify_answer
from dos.kernel.breaker import BreakerCounts, BreakerPolicy, classify_breaker
from dos.kernel.budget import ProductivityPolicy, Spend, StepHistory, classify_efficiency, classify_productivity
from dos.kernel.execcap import classify_exec
from dos.kernel.freshness import pick_priority
from dos.kernel.health import cause_key_of
from dos.kernel.hookexit import HookExitPolicy, classify_hook_exit
from dos.kernel.improve import Candidate, ImprovePolicy, classify_improve
from dos.kernel.packet import classify_packet, disposition_of
from dos.kernel.provenance import Blob, judge_call
from dos.kernel.reward import ReadBack, RewardEvidence, admit
from dos.kernel.scout import ScoutState, choose, state_of


@pytest.mark.parametrize("command,capability,program", [
    ("python -c 'import os'", "GRANTS_ARBITRARY_EXEC", "python"),
    ("cat python.txt", "BOUNDED", "cat"),  # a program, never a substring
    ("FOO=1 env sudo nice /usr/bin/Python3 x", "GRANTS_ARBITRARY_EXEC", "python3"),
    ("sudo ls", "GRANTS_ARBITRARY_EXEC", "ls"),  # sudo itself grants
    ("env -i ls", "BOUNDED", "ls"),  # the reference read '-i' as the program
    ("nice -n 5 ls", "BOUNDED", "ls"),
    ("timeout 5 bash -c x", "GRANTS_ARBITRARY_EXEC", "bash"),
    ("env -S 'perl -e 1'", "GRANTS_ARBITRARY_EXEC", "perl"),
    ("ls; python x", "GRANTS_ARBITRARY_EXEC", "python"),  # the reference judged only the first word
    ("ls | sh", "GRANTS_ARBITRARY_EXEC", "sh"),
    ("make && node build.js", "GRANTS_ARBITRARY_EXEC", "node"),
    ("echo $(ruby -e 1)", "GRANTS_ARBITRARY_EXEC", "ruby"),
    ('echo "`deno run x`"', "GRANTS_ARBITRARY_EXEC", "deno"),
    ("cat <(python x)", "GRANTS_ARBITRARY_EXEC", "python"),
    ("node.exe x", "GRANTS_ARBITRARY_EXEC", "node"),
    ("python3.12 -m http.server", "GRANTS_ARBITRARY_EXEC", "python3.12"),
    ('echo "a; python"', "BOUNDED", "echo"),  # quoted: an argument, not a command
    ("ls 2>&1 > out.txt", "BOUNDED", "ls"),
    ("if true; then ls; fi", "BOUNDED", "true"),
    ("", "EMPTY", None), ("FOO=1", "EMPTY", None),
    ("echo 'unbalanced", "BOUNDED", "echo"),
])
def test_exec_capability(command, capability, program):
    v = classify_exec(command)
    assert (v.capability, v.program) == (capability, program), v.reason


def test_exec_capability_extra_programs():
    assert classify_exec("git status", ["git", "curl"]).capability == "GRANTS_ARBITRARY_EXEC"
    assert classify_exec("GIT status", [" Git ", ""]).program == "git"


def test_hook_exit_honours_a_mapping_for_zero():
    """The reference checked the pass code first, so --map 0=OBSERVE was silently ignored."""
    v = classify_hook_exit(0, HookExitPolicy({0: "OBSERVE"}))
    assert (v.token, v.intervention, v.matched) == ("OBSERVE", "OBSERVE", True)
    assert classify_hook_exit(0).token == "PASS" and classify_hook_exit(2, HookExitPolicy({2: "WARN"})).token == "WARN"
    assert classify_hook_exit(-9).token == "WARN"  # a signal (Python's negative return code) warns


def test_improve_wording_and_rungs():
    policy = ImprovePolicy(max_reverts=3, efficiency_floor=0.001)
    fell = classify_improve(Candidate(True, True, 30, 40), policy)
    assert fell.revert_cause == "no-improvement" and "fell 40 -> 30" in fell.reason  # not "flat at 30"
    costly = classify_improve(Candidate(True, True, 43, 40, tokens=100_000), policy)
    assert (costly.verdict, costly.revert_cause) == ("REVERT", "wasteful")
    cheap = classify_improve(Candidate(True, True, 43, 40, tokens=100), policy)
    assert cheap.verdict == "KEEP"  # under min_tokens the price is not judged
    esc = classify_improve(Candidate(True, True, 43, 40, tokens=100_000, consecutive_reverts=2), policy)
    assert (esc.verdict, esc.escalation, esc.next_consecutive_reverts) == ("ESCALATE", "HUMAN", 3)
    red = classify_improve(Candidate(False, True, 99, 0), policy)
    assert red.revert_cause == "regressed" and "the suite is red" in red.reason


def test_productivity_and_efficiency_edges():
    one = classify_productivity(StepHistory((1,)), ProductivityPolicy(min_steps=1))
    assert one.verdict == "PRODUCTIVE" and one.to_dict()["history"]["prior_delta"] is None
    assert classify_productivity(StepHistory((100, 0))).verdict == "PRODUCTIVE"  # too few steps
    v = classify_efficiency(Spend(1200, 45000))
    assert v.verdict == "EFFICIENT" and "0.0266667 per token" in v.reason
    assert v.to_dict()["evidence"] == {"work": 1200, "tokens": 45000, "ratio": 1200 / 45000}
    assert classify_efficiency(Spend(0, 0)).to_dict()["evidence"]["ratio"] == 0.0


def test_breaker_reason_names_a_switched_off_counter():
    v = classify_breaker(BreakerCounts(5, 0), BreakerPolicy(0, 20))
    assert v.state == "CLOSED" and "in a row off" in v.reason
    total = classify_breaker(BreakerCounts(0, 20), BreakerPolicy(on_trip="JUDGE"))
    assert (total.tripped_on, total.escalation) == ("total", "JUDGE") and total.to_dict()["tripped_on"] == "total"


@pytest.mark.parametrize("text,state", [
    ("The capital is Paris.", "ANSWER_SHAPED"),
    ("<thinking>hmm</thinking> Paris", "NON_ANSWER"),
    ("<scratchpad> notes", "NON_ANSWER"),
    ("Let me think about this.", "NON_ANSWER"),
    ("Step 1: gather data", "NON_ANSWER"),
    ("I cannot help with that request.", "NON_ANSWER"),
    ("I\u2019m sorry, but I can\u2019t do that.", "NON_ANSWER"),
    ("  tool_call: search(x)", "NON_ANSWER"),
    ("Traceback (most recent call last):\n  File x", "NON_ANSWER"),
    ("The tool_call API returns JSON.", "ANSWER_SHAPED"),  # only a leading dump disqualifies
    ("", "NON_ANSWER"), ("   \n", "NON_ANSWER"),
])
def test_answer_shape_defaults(text, state):
    assert classify_answer(text).state == state


def test_answer_shape_policy():
    assert classify_answer("abc", AnswerPolicy(min_chars=10)).state == "NON_ANSWER"
    assert classify_answer("Paris", AnswerPolicy(markers=("capital",))).state == "INDETERMINATE"
    hit = classify_answer("Paris", AnswerPolicy(non_answer=("par",)))
    assert (hit.state, hit.matched) == ("NON_ANSWER", "par")
    assert classify_answer("   Paris   ").to_dict()["length"] == 11


def test_reward_conflict_refutes():
    both = RewardEvidence(True, (ReadBack("a", "OS_RECORDED", "ATTESTED"), ReadBack("b", "THIRD_PARTY", "REFUTED")))
    v = admit(both)
    assert (v.verdict, v.witness, v.accountability) == ("REJECT_POISON", "b", "THIRD_PARTY")
    assert "although another read-back confirmed it" in v.reason


@pytest.mark.parametrize("value,stance", [
    ("2024-01-02", "ABSTAIN"), ("2024-01-02T10:00:00Z", "ABSTAIN"), ("1.2.3", "ABSTAIN"), ("v2.0", "ABSTAIN"),
    ("12.50", "ABSTAIN"), ("+1-555-123-4567", "ABSTAIN"), (True, "ABSTAIN"), (None, "ABSTAIN"), ("Alice", "ABSTAIN"),
    ("ORD-12345", "SUPPORTED"), ("ord-12345", "SUPPORTED"), ("ORD-12345-XY", "SUPPORTED"),
    ("ORD-99999", "UNSUPPORTED"), ("550e8400-e29b-41d4-a716-446655440000", "UNSUPPORTED"),
    (["ORD-12345"], "SUPPORTED"), ({"id": "ORD-777"}, "UNSUPPORTED"), (123456, "UNSUPPORTED"),
])
def test_arg_provenance_stances(value, stance):
    prior = [Blob("TOOL_RESULT", '{"orders": ["ORD-12345"], "text": "order 12345"}')]
    assert judge_call("update_order", {"ref": value}, prior).args[0].stance == stance


def test_arg_provenance_quantities_new_keys_and_names():
    prior = [Blob("TOOL_RESULT", "nothing here")]
    v = judge_call("create_user", {"user_id": "usr_991234", "order_count": 123456}, prior, new_keys=["user_id"])
    assert v.believe and [a.stance for a in v.args] == ["ABSTAIN", "ABSTAIN"]
    for tool, mutating in (("UpdateOrder", True), ("orders.delete", True), ("refund_payment", True),
                           ("get_order", False), ("search_orders", False)):
        assert judge_call(tool, {"a": "ORD-9999"}, prior).mutating is mutating, tool
    empty = judge_call("update_order", {"order_id": "ORD-99999"}, [])
    assert empty.believe and empty.args[0].stance == "ABSTAIN"


def test_packet_dispositions():
    d = disposition_of({"phase_id": "DB2.1", "drop_reason": None})
    assert (d.phase, d.series, d.drop_reason, d.plan_doc_stamped) == ("DB2.1", "DB", "", True)
    v = classify_packet([disposition_of({"phase": "AUTH1", "drop_reason": "quota_blocked"}),
                         disposition_of({"phase": "DB2", "drop_reason": "shipped"})])
    assert v.verdict == "BLOCKED" and v.to_dict()["evidence"] == [
        {"series": "AUTH", "phase": "AUTH1", "live": False, "drop_reason": "quota_blocked"}]
    assert v.loop_action == "SURFACE" and "never counts toward drained-twice" in v.interpretation.lower()


def test_freshness_ignores_times_that_are_not_integers():
    """The reference counted attempted_at_ms=true as 1 ms and "5000" as 5000."""
    rows = [{"unit_id": "U", "attempted_at_ms": True}, {"unit_id": "U", "attempted_at_ms": "5000"}]
    assert pick_priority("U", rows).freshness == "NEVER_ATTEMPTED"
    assert pick_priority("U", [{"unit_id": "U", "op": "CLAIM", "attempted_at_ms": 9}]).freshness == "NEVER_ATTEMPTED"


@pytest.mark.parametrize("reason,key", [
    ("UNKNOWN_LANE: 'x' is not a lane in this workspace", "unknown_lane"),
    ("lane 'api' is already held: A (loop 2026) — pick a free lane", "lane_api_is_already_held"),
    ("an exclusive lane is live (A on global); it touches everything", "an_exclusive_lane_is_live"),
    ("", "unknown"),
])
def test_cause_keys(reason, key):
    assert cause_key_of(reason) == key


def test_scout_routes_around_a_saturated_unstick():
    health = {"action": "route_unstick", "cause_key": "apply_lane"}
    fresh = choose(ScoutState(health=health, same_day_unstick_count=1))
    assert (fresh.activity, fresh.rule_id) == ("unstick", 4)
    tired = choose(ScoutState(health=health, same_day_unstick_count=5, fixes_landing_since_unstick=False))
    assert (tired.activity, tired.rule_id) == ("dispatch", 9) and "unstick_saturated=5" in tired.to_dict()["evidence"]
    landing = choose(ScoutState(health=health, same_day_unstick_count=5, fixes_landing_since_unstick=True))
    assert landing.activity == "unstick"
    soak, ignored = state_of({"health": {"action": "route_replan"}, "open_soaks": ["S1"], "x": 1})
    assert choose(soak).to_dict()["evidence"] == ["open-soak:S1"] and ignored == ["x"]
    storm = choose(state_of({"scoreboard": {"runs_7d": 197, "zero_ship_7d": 165}})[0])
    assert storm.activity == "dispatch" and "scoreboard.7d=165:197" in storm.to_dict()["evidence"]
