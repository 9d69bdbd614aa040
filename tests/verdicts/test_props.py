"""Properties of the pure small verdicts: what must hold for every input, checked with hypothesis."""

from __future__ import annotations

import string

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dos.exitcodes import EXIT_CODES
from dos.kernel.answer import DISQUALIFIERS, AnswerPolicy, classify_answer
from dos.kernel.breaker import BreakerCounts, BreakerPolicy, classify_breaker
from dos.kernel.budget import (EfficiencyPolicy, ProductivityPolicy, Spend, StepHistory, classify_efficiency,
                               classify_productivity, parse_deltas)
from dos.kernel.execcap import EXEC_PROGRAMS, classify_exec
from dos.kernel.freshness import pick_priority, rank
from dos.kernel.health import HealthEvidence, LiveLease, Run, check_health
from dos.kernel.hookexit import HookExitPolicy, classify_hook_exit, parse_map
from dos.kernel.improve import Candidate, ImprovePolicy, classify_improve
from dos.kernel.packet import Disposition, classify_packet
from dos.kernel.provenance import Blob, judge_call
from dos.kernel.reward import ReadBack, RewardEvidence, admit
from dos.kernel.scout import ScoutState, choose
from dos.kernel.verdict import conforms

counts = st.integers(min_value=0, max_value=10_000)
small = st.integers(min_value=0, max_value=40)


# --------------------------------------------------------------------------- productivity / efficiency


@given(st.lists(counts, max_size=12), small, counts)
def test_productivity_rules(deltas, min_steps, floor):
    v = classify_productivity(StepHistory(tuple(deltas)), ProductivityPolicy(min_steps, floor))
    assert conforms(v) and v.token in EXIT_CODES["productivity"]
    n = len(deltas)
    if n == 0 or n < min_steps:
        assert v.verdict == "PRODUCTIVE"
    elif deltas[-1] == 0:
        assert v.verdict == "STALLED"
    if v.verdict == "DIMINISHING":
        assert deltas[-1] < floor and (n < 2 or deltas[-2] < floor)
    lifted = classify_productivity(StepHistory(tuple(max(d, floor, 1) for d in deltas)),
                                   ProductivityPolicy(min_steps, floor))
    assert lifted.verdict == "PRODUCTIVE"  # every step at or over the floor is never flagged


@given(st.lists(counts, max_size=12))
def test_deltas_round_trip(deltas):
    assert parse_deltas(",".join(map(str, deltas))) == tuple(deltas)


@given(counts, counts, counts, st.floats(min_value=0, max_value=2, allow_nan=False))
def test_efficiency_rules(work, tokens, min_tokens, floor):
    v = classify_efficiency(Spend(work, tokens), EfficiencyPolicy(min_tokens, floor))
    assert conforms(v) and v.token in EXIT_CODES["efficiency"]
    if tokens == 0 or tokens < min_tokens:
        assert v.verdict == "EFFICIENT"
    elif work == 0:
        assert v.verdict == "WASTEFUL"
    if v.verdict == "COSTLY":
        assert 0 < work / tokens < floor
    if floor == 0:
        assert v.verdict != "COSTLY"
    more = classify_efficiency(Spend(work + 1, tokens), EfficiencyPolicy(min_tokens, floor))
    order = ["WASTEFUL", "COSTLY", "EFFICIENT"]
    assert order.index(more.verdict) >= order.index(v.verdict)  # more work never reads worse


# --------------------------------------------------------------------------- breaker / improve


@given(small, small, small, small, st.sampled_from(["NONE", "JUDGE", "HUMAN"]))
def test_breaker_rules(c, t, mc, mt, on_trip):
    assume(mc or mt)
    policy = BreakerPolicy(mc, mt, on_trip)
    v = classify_breaker(BreakerCounts(c, t), policy)
    opened = (mc > 0 and c >= mc) or (mt > 0 and t >= mt)
    assert v.is_open is opened and conforms(v)
    assert v.escalation == (on_trip if opened else "NONE")
    assert (v.tripped_on is None) is (not opened)
    if opened:  # another failure keeps it open
        assert classify_breaker(BreakerCounts(c, t).failure(), policy).is_open
    after = classify_breaker(BreakerCounts(c, t).success(), policy)
    assert after.tripped_on != "consecutive"


@given(st.booleans(), st.booleans(), counts, counts, counts, small, st.integers(1, 10), st.text(max_size=40),
       st.text(max_size=40))
def test_improve_rules(suite, truth, work, base, tokens, reverts, max_reverts, narrated, other):
    policy = ImprovePolicy(max_reverts, 0.001, 1000)
    v = classify_improve(Candidate(suite, truth, work, base, tokens, reverts, narrated), policy)
    assert conforms(v) and v.token in EXIT_CODES["improve"]
    w = classify_improve(Candidate(suite, truth, work, base, tokens, reverts, other), policy)
    fields = ("verdict", "revert_cause", "escalation", "next_consecutive_reverts", "reason")
    assert [getattr(v, f) for f in fields] == [getattr(w, f) for f in fields]  # narration never moves it
    if v.verdict == "KEEP":
        assert suite and truth and work > base and v.next_consecutive_reverts == 0 and v.revert_cause is None
    else:
        assert v.next_consecutive_reverts == reverts + 1
        assert (v.verdict == "ESCALATE") is (reverts + 1 >= max_reverts)
        assert v.escalation == ("HUMAN" if v.verdict == "ESCALATE" else "NONE")
    if not (suite and truth):
        assert v.revert_cause == "regressed"


# --------------------------------------------------------------------------- reward


readbacks = st.builds(ReadBack, st.sampled_from(["db", "os", "ledger"]),
                      st.sampled_from(["AGENT_AUTHORED", "OS_RECORDED", "THIRD_PARTY"]),
                      st.sampled_from(["ATTESTED", "REFUTED", "NO_SIGNAL"]))


@given(st.booleans(), st.lists(readbacks, max_size=5), st.lists(readbacks, max_size=5), st.text(max_size=30))
def test_reward_ignores_forgeable_readbacks_and_narration(claim, backs, extra, narrated):
    v = admit(RewardEvidence(claim, tuple(backs)))
    forged = tuple(ReadBack(r.source, "AGENT_AUTHORED", r.stance) for r in extra)
    w = admit(RewardEvidence(claim, tuple(backs) + forged, narrated))
    assert (v.verdict, v.witness, v.accountability) == (w.verdict, w.witness, w.accountability)
    accountable = [r for r in backs if r.tier != "AGENT_AUTHORED"]
    if not claim:
        assert v.verdict == "NO_CLAIM"
    elif any(r.stance == "REFUTED" for r in accountable):
        assert v.verdict == "REJECT_POISON" and v.to_dict()["poison"] and v.to_dict()["dispreferred"]
    elif any(r.stance == "ATTESTED" for r in accountable):
        assert v.verdict == "ACCEPT" and v.to_dict()["accept"]
    else:
        assert v.verdict == "ABSTAIN"


# --------------------------------------------------------------------------- hook-exit


verbs = st.sampled_from(["OBSERVE", "WARN", "BLOCK", "DEFER"])


@given(st.integers(-300, 300), st.dictionaries(st.integers(-300, 300), verbs, max_size=5))
def test_hook_exit_rules(code, mapping):
    v = classify_hook_exit(code, HookExitPolicy(mapping))
    assert conforms(v) and v.token in EXIT_CODES["hook-exit"]
    if code in mapping:
        assert v.intervention == mapping[code] and v.matched
    elif code == 0:
        assert v.intervention is None and v.token == "PASS"
    elif code == 2:
        assert v.intervention == "BLOCK"
    else:
        assert v.intervention == "WARN" and not v.matched
    text = ",".join(f"{k}={x.lower()}" for k, x in mapping.items())
    assert parse_map(text) == mapping


# --------------------------------------------------------------------------- exec-capability

safe_words = st.sampled_from(["ls", "cat", "grep", "echo", "git", "wc", "sort", "head", "make", "jq"])
args = st.lists(st.text(alphabet=string.ascii_lowercase + string.digits + "-./", min_size=1, max_size=8),
                max_size=4)


@given(st.text(max_size=80), st.lists(st.text(max_size=6), max_size=3))
def test_exec_capability_never_raises(command, extra):
    v = classify_exec(command, extra)
    assert conforms(v) and v.token in EXIT_CODES["exec-capability"]


@given(safe_words, args, st.sampled_from(sorted(EXEC_PROGRAMS - {"."})), st.sampled_from([";", "&&", "||", "|", "\n"]))
def test_exec_capability_finds_the_program_anywhere(program, argv, dangerous, sep):
    bounded = " ".join([program, *argv])
    assert classify_exec(bounded).capability == "BOUNDED"
    assert classify_exec(f"FOO=1 env nice {bounded}").capability == "BOUNDED"  # wrappers are looked through
    assert classify_exec(f"{bounded} {sep} {dangerous} x").capability == "GRANTS_ARBITRARY_EXEC"
    assert classify_exec(f"echo $({dangerous} x)").capability == "GRANTS_ARBITRARY_EXEC"
    assert classify_exec(bounded, [program]).capability == "GRANTS_ARBITRARY_EXEC"


# --------------------------------------------------------------------------- answer-shape


@given(st.text(max_size=200), st.integers(0, 50))
def test_answer_shape_rules(text, min_chars):
    v = classify_answer(text, AnswerPolicy(min_chars))
    assert conforms(v) and v.token in EXIT_CODES["answer-shape"] and v.length == len(text)
    assert v.state != "INDETERMINATE"  # only a required marker can make it so
    if not text.strip() or len(text.strip()) < min_chars:
        assert v.state == "NON_ANSWER"
    if v.state == "NON_ANSWER" and v.matched:
        assert v.matched in DISQUALIFIERS
    assert classify_answer(text + "\n<thinking>").state == "NON_ANSWER"


# --------------------------------------------------------------------------- arg-provenance

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                      max_size=3), max_leaves=8)
ids = st.from_regex(r"[A-Z]{2,4}-[0-9]{4,7}", fullmatch=True)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=4), st.lists(st.text(max_size=40), max_size=3))
def test_arg_provenance_never_raises_and_reads_pass(args, priors):
    blobs = [Blob("TOOL_RESULT", p) for p in priors]
    v = judge_call("update_thing", args, blobs)
    assert conforms(v) and v.token in EXIT_CODES["arg-provenance"]
    assert judge_call("get_thing", args, blobs).believe and judge_call("update_thing", args, blobs, read=True).believe


@given(ids, ids, st.text(max_size=30))
def test_arg_provenance_traces_ids(known, other, noise):
    prior = [Blob("TOOL_RESULT", f'{{"items": ["{known}"], "note": "{noise}"}}')]
    assert judge_call("update_order", {"order_id": known}, prior).believe
    assert judge_call("update_order", {"order_id": known.lower()}, prior).believe  # case does not matter
    assert judge_call("create_order", {"order_id": other}, prior, new_keys=["order_id"]).believe
    v = judge_call("update_order", {"order_id": other}, prior)
    assert v.believe is (v.args[0].stance == "SUPPORTED")
    more = judge_call("update_order", {"order_id": other}, [*prior, Blob("TASK_TEXT", noise)])
    assert set(more.unsupported) <= set(v.unsupported)  # more environment bytes never un-support an id


# --------------------------------------------------------------------------- gate / pick-priority


picks = st.builds(Disposition, st.from_regex(r"[A-Z]{2}[0-9]", fullmatch=True), st.just("S"), st.booleans(),
                  st.sampled_from(["", "shipped", "soft_claimed", "quota_blocked"]),
                  st.sampled_from(["", "direct"]), st.just(""), st.booleans())


@given(st.lists(picks, max_size=6), st.randoms())
def test_packet_verdict_order(ps, rnd):
    v = classify_packet(ps)
    assert conforms(v) and v.token in EXIT_CODES["gate"]
    shuffled = list(ps)
    rnd.shuffle(shuffled)
    assert classify_packet(shuffled).verdict == v.verdict  # the order of picks does not matter
    if any(p.live for p in ps):
        assert v.verdict == "LIVE"
    elif not ps:
        assert v.verdict == "DRAIN"
    assert all(p in ps for p in v.picks)


attempt = st.fixed_dictionaries({"unit_id": st.sampled_from(["A1", "A2", "A3"]), "attempted_at_ms": counts})


@given(st.lists(attempt, max_size=8))
def test_freshness_orders_never_tried_first_then_least_recent(rows):
    ranked = rank(["A1", "A2", "A3", "A4"], rows)
    keys = [f.sort_key for f in ranked]
    assert keys == sorted(keys)
    assert pick_priority("A4", rows).freshness == "NEVER_ATTEMPTED"
    for f in ranked:
        mine = [r["attempted_at_ms"] for r in rows if r["unit_id"] == f.unit_id]
        assert f.last_attempt_ms == (max(mine) if mine else 0) and conforms(f)


# --------------------------------------------------------------------------- health / scout


lanes = st.sampled_from(["api", "web", "docs", "global"])
trees = st.lists(st.sampled_from(["src/api/**", "src/web/**", "docs/**", "**/*", "src/**"]), min_size=1, max_size=2)
leases = st.builds(LiveLease, lanes, trees.map(tuple), st.sampled_from(["", "L1", "L2"]))
runs = st.builds(Run, st.text(max_size=3), st.booleans(), st.sampled_from(["", "held", "lane_drained"]))


@settings(max_examples=200)
@given(lanes, trees, st.lists(leases, max_size=4), st.lists(runs, max_size=15), st.integers(1, 12))
def test_health_rules(lane, tree, live, history, window):
    ev = HealthEvidence(lane, tuple(tree), tuple(live), tuple(history), window=window)
    v = check_health(ev)
    assert conforms(v) and v.token in EXIT_CODES["health"]
    assert v.runs_considered <= window
    foreign = [x for x in live if x.lane != lane]
    if not foreign:
        assert v.action != "overlap_block"
    if v.action == "overlap_block":
        assert v.overlap_lane != lane
    if not any(r.blocked for r in history[-window:]):
        assert v.action in ("proceed", "overlap_block")
    same_lane_only = check_health(HealthEvidence(lane, tuple(tree), tuple(x for x in live if x.lane == lane)))
    assert same_lane_only.action == "proceed"


@given(st.sampled_from(["proceed", "overlap_block", "route_unstick", "route_replan"]), st.booleans(),
       st.lists(st.text(min_size=1, max_size=4), max_size=2), small, st.booleans())
def test_scout_rules(action, replan_due, soaks, sweeps, resource_blocked):
    s = ScoutState(health={"action": action, "cause_key": "c"}, replan_due=replan_due, open_soaks=tuple(soaks),
                   same_day_unstick_count=sweeps, resource_blocked=resource_blocked)
    d = choose(s)
    assert conforms(d) and d.token in EXIT_CODES["scout"]
    if resource_blocked:
        assert (d.activity, d.rule_id) == ("stop", 0)
    if d.activity == "dispatch":
        assert d.gate == "hard" and d.needs_lane
    else:
        assert d.gate is None
    if not resource_blocked and action == "proceed" and not replan_due:
        assert d.activity == "dispatch"


@given(st.text(min_size=1, max_size=30), st.text(max_size=30), st.text(max_size=30))
def test_agent_text_never_breaks_a_reason_line(phase, lane, other):
    """Phases, lanes, causes and arguments come from agents; a reason stays one line whatever they hold."""
    assume(phase.strip())
    reasons = [
        classify_packet([Disposition(phase.strip(), phase, drop_reason="soft_claimed")]).reason,
        classify_packet([Disposition(phase.strip(), phase, live=True)]).reason,
        check_health(HealthEvidence(lane or "x", ("a/**",), (LiveLease(other + "y", ("a/**",), other),))).reason,
        check_health(HealthEvidence(lane or "x", (), (), (Run("r", True, other or "c"), Run("s", True, other or "c"))
                                    )).reason,
        choose(ScoutState(resource_blocked=True, resource_block_reason=other)).reason,
        choose(ScoutState(health={"action": "route_unstick", "cause_key": other})).reason,
        choose(ScoutState(health={"action": "overlap_block", "overlap_lane": other})).reason,
        choose(ScoutState(replan_due=True, open_soaks=(other or "s",))).reason,
        judge_call("update_x", {other: "ORD-1234"}, [Blob("TOOL_RESULT", "none")]).reason,
        classify_exec(other).reason,
    ]
    for r in reasons:
        assert "\n" not in r and "\r" not in r and "\u2028" not in r, r
