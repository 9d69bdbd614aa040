"""Every token of every small verdict verb, produced by the real CLI on a real input, exits with the
reference's code; the JSON carries the same token; ``dos exit-codes`` lists every one of these verbs."""

from __future__ import annotations

import json

import pytest

from dos.exitcodes import EXIT_CODES, exit_code
from tests.verdicts.helpers import as_json, two_lanes

# (verb, token, argv, the JSON field that carries the token)
CASES = [
    ("productivity", "PRODUCTIVE", ["--deltas", "600,600,600"], "verdict"),
    ("productivity", "DIMINISHING", ["--deltas", "800,600,300,40,12", "--floor", "100"], "verdict"),
    ("productivity", "STALLED", ["--deltas", "5,5,0"], "verdict"),
    ("efficiency", "EFFICIENT", ["--work", "1200", "--tokens", "45000"], "verdict"),
    ("efficiency", "COSTLY", ["--work", "3", "--tokens", "90000", "--floor", "0.0001"], "verdict"),
    ("efficiency", "WASTEFUL", ["--work", "0", "--tokens", "80000"], "verdict"),
    ("improve", "KEEP", ["--suite-passed", "--truth-clean", "--work", "43", "--baseline-work", "40"], "verdict"),
    ("improve", "REVERT", ["--suite-passed", "--truth-clean", "--work", "40", "--baseline-work", "40"], "verdict"),
    ("improve", "ESCALATE", ["--truth-clean", "--work", "9", "--consecutive-reverts", "2"], "verdict"),
    ("breaker", "CLOSED", ["--consecutive", "2", "--total", "5"], "state"),
    ("breaker", "OPEN", ["--consecutive", "3", "--on-trip", "human"], "state"),
    ("exec-capability", "BOUNDED", ["--command", "ls -la"], "capability"),
    ("exec-capability", "EMPTY", ["--command", "   "], "capability"),
    ("exec-capability", "GRANTS_ARBITRARY_EXEC", ["--command", "python -c 'import os'"], "capability"),
    ("hook-exit", "PASS", ["--code", "0"], "intervention"),
    ("hook-exit", "BLOCK", ["--code", "2"], "intervention"),
    ("hook-exit", "WARN", ["--code", "1"], "intervention"),
    ("hook-exit", "DEFER", ["--code", "3", "--map", "3=DEFER"], "intervention"),
    ("hook-exit", "OBSERVE", ["--code", "4", "--map", "4=observe"], "intervention"),
    ("answer-shape", "ANSWER_SHAPED", ["--text", "The capital is Paris."], "state"),
    ("answer-shape", "NON_ANSWER", ["--text", "<thinking>let me reason about it"], "state"),
    ("answer-shape", "INDETERMINATE", ["--text", "Paris", "--markers", "capital"], "state"),
    ("reward", "ACCEPT", ["--claim", "--witness", "confirm"], "verdict"),
    ("reward", "REJECT_POISON", ["--claim", "--witness", "refute"], "verdict"),
    ("reward", "ABSTAIN", ["--claim", "--witness", "confirm", "--forgeable"], "verdict"),
    ("reward", "NO_CLAIM", ["--no-claim"], "verdict"),
    ("gate", "LIVE", ["--picks-json", '[{"phase": "AUTH1", "live": true}]'], "verdict"),
    ("gate", "DRAIN", ["--picks-json", "[]"], "verdict"),
    ("gate", "STALE-STAMP", ["--picks-json", '[{"phase": "AUTH1", "drop_reason": "shipped", "ship_via": "direct", '
                                             '"plan_doc_stamped": false}]'], "verdict"),
    ("gate", "BLOCKED", ["--picks-json", '[{"phase": "AUTH1", "drop_reason": "soft_claimed"}]'], "verdict"),
    ("pick-priority", "NEVER_ATTEMPTED", ["AUTH3", "--attempts", "[]"], "freshness"),
    ("pick-priority", "ATTEMPTED", ["AUTH3", "--attempts", '[{"unit_id": "AUTH3", "attempted_at_ms": 5000}]'],
     "freshness"),
]
SCOUT = [
    ("DISPATCH", {}),
    ("UNSTICK", {"health": {"action": "route_unstick", "cause_key": "renderer_sidecar_drop"}}),
    ("REPLAN", {"replan_due": True}),
    ("WAIT", {"health": {"action": "overlap_block", "overlap_lane": "web"}}),
    ("STOP", {"resource_blocked": True, "resource_block_reason": "0 free apply slots"}),
]


def _value(data, field, verb):
    value = data[field]
    return "PASS" if verb == "hook-exit" and value is None else value


@pytest.mark.parametrize("verb,token,argv,field", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_each_token_exits_with_its_code(verb, token, argv, field, repo, run_dos):
    """The text line leads with the token, the JSON names it, and both exit with the table's code."""
    code = EXIT_CODES[verb][token]
    text = run_dos(verb, *argv, cwd=repo.path)
    assert text.returncode == code, text.stderr
    assert text.stdout.split("  ", 1)[0].strip() == token
    data = as_json(run_dos(verb, *argv, "--json", cwd=repo.path))
    assert _value(data, field, verb) == token


@pytest.mark.parametrize("token,state", SCOUT, ids=[s[0] for s in SCOUT])
def test_scout_activities_exit_with_their_codes(token, state, repo, run_dos):
    out = run_dos("scout", "--state-json", json.dumps(state), cwd=repo.path)
    assert out.returncode == EXIT_CODES["scout"][token], out.stderr
    assert as_json(out)["activity"] == token.lower()


def test_arg_provenance_believe_and_unsupported(repo, run_dos):
    prior = '{"orders": ["ORD-12345"]}'
    ok = run_dos("arg-provenance", "--tool", "update_order", "--args", '{"order_id": "ORD-12345"}',
                 "--prior", prior, cwd=repo.path)
    assert ok.returncode == EXIT_CODES["arg-provenance"]["BELIEVE"] == 0
    assert ok.stdout.startswith("BELIEVE  update_order  (mutating=True)")
    bad = run_dos("arg-provenance", "--tool", "update_order", "--args", '{"order_id": "ORD-99999"}',
                  "--prior", prior, "--json", cwd=repo.path)
    assert bad.returncode == EXIT_CODES["arg-provenance"]["UNSUPPORTED"] == 3
    data = as_json(bad)
    assert list(data) == ["believe", "args", "unsupported", "reason"]  # the reference's key order
    assert data["believe"] is False and data["unsupported"] == ["order_id"]
    assert data["args"][0]["components_unmatched"] == ["99999"]


def test_gate_race_from_a_packet_file(tmp_path, repo, run_dos):
    """A packet file is LIVE; the same packet beside a race record is RACE (6), whatever its picks say."""
    packet = repo.path / ".dispositions-t1.json"
    packet.write_text(json.dumps({"tag": "t1", "schema": "oc3-dispositions-v1",
                                  "dispositions": [{"phase": "AUTH1", "live": True}]}))
    live = run_dos("gate", str(packet), "--json", cwd=repo.path)
    assert live.returncode == EXIT_CODES["gate"]["LIVE"] and as_json(live)["verdict"] == "LIVE"
    (repo.path / ".race-t1.json").write_text(json.dumps({"schema": "next-up-race-v1", "blocked_by_pid": 41}))
    race = run_dos("gate", ".dispositions-t1.json", "--explain", cwd=repo.path)
    assert race.returncode == EXIT_CODES["gate"]["RACE"] == 6
    assert race.stdout.startswith("RACE  ") and "pid 41" in race.stdout and "RETRY" in race.stdout
    (repo.path / ".race-t1.json").write_text('{"schema": "something-else"}')
    assert run_dos("gate", str(packet), cwd=repo.path).returncode == 0  # not a race record


def test_pick_priority_reads_attempts_from_the_store_and_the_lane_journal(repo, run_dos):
    """Without --attempts: ATTEMPT events imported into the store, and a reference lane journal's rows."""
    repo.commit("init")
    assert run_dos("pick-priority", "AUTH3", cwd=repo.path).returncode == 0
    (repo.path / "att.jsonl").write_text('{"op": "ATTEMPT", "unit_id": "AUTH3", "attempted_at_ms": 5000, '
                                         '"ts": "2026-01-01T00:00:00Z", "outcome": "blocked"}\n')
    assert run_dos("journal", "import", "att.jsonl", cwd=repo.path).returncode == 0
    stored = as_json(run_dos("pick-priority", "AUTH3", "--json", cwd=repo.path))
    assert (stored["freshness"], stored["sort_key"]) == ("ATTEMPTED", [1, 5000])
    ledger = repo.path / ".dos" / "lane-journal.jsonl"
    ledger.write_text('{"op": "ATTEMPT", "unit_id": "AUTH4", "ts": "2026-01-01T00:00:09Z"}\nnot json\n')
    out = run_dos("pick-priority", "AUTH4", "--json", cwd=repo.path)
    assert out.returncode == 3 and as_json(out)["last_attempt_ms"] == 1767225609000


def test_man_known_and_unknown(repo, run_dos):
    two_lanes(repo)
    assert run_dos("man", "wedge", "LANE_DRAINED", cwd=repo.path).returncode == EXIT_CODES["man"]["known"] == 0
    unknown = run_dos("man", "wedge", "NOPE", cwd=repo.path)
    assert unknown.returncode == EXIT_CODES["man"]["unknown"] == 1
    assert unknown.stdout == "" and unknown.stderr.startswith("UNCLASSIFIED: 'NOPE'")
    assert run_dos("man", "lane", "nope", cwd=repo.path).returncode == 1  # the reference invented a page


VERBS = ("productivity", "efficiency", "improve", "breaker", "exec-capability", "hook-exit", "answer-shape",
         "reward", "arg-provenance", "gate", "health", "scout", "pick-priority", "man")
REFERENCE = {  # `dos exit-codes --json` of dos-kernel 0.22.0, for the verbs it lists
    "productivity": {"PRODUCTIVE": 0, "DIMINISHING": 3, "STALLED": 4, "unknown": 5},
    "efficiency": {"EFFICIENT": 0, "COSTLY": 3, "WASTEFUL": 4, "unknown": 5},
    "improve": {"KEEP": 0, "REVERT": 3, "ESCALATE": 4, "unknown": 5},
    "breaker": {"CLOSED": 0, "OPEN": 3, "unknown": 5},
    "exec-capability": {"BOUNDED": 0, "EMPTY": 0, "GRANTS_ARBITRARY_EXEC": 3, "unknown": 5},
    "hook-exit": {"PASS": 0, "BLOCK": 3, "WARN": 4, "DEFER": 5, "OBSERVE": 6, "unknown": 7},
    "answer-shape": {"ANSWER_SHAPED": 0, "NON_ANSWER": 3, "INDETERMINATE": 4, "unknown": 5},
    "reward": {"ACCEPT": 0, "REJECT_POISON": 3, "ABSTAIN": 4, "NO_CLAIM": 5, "unknown": 6},
    "gate": {"LIVE": 0, "DRAIN": 3, "STALE-STAMP": 4, "BLOCKED": 5, "RACE": 6, "unknown": 7},
    "pick-priority": {"NEVER_ATTEMPTED": 0, "ATTEMPTED": 3, "unknown": 5},
}


def test_exit_codes_lists_every_new_verb(repo, run_dos):
    table = as_json(run_dos("exit-codes", "--json", cwd=repo.path))
    for verb in VERBS:
        assert verb in table and table[verb]["contract_error"] == 2, verb
    for verb, codes in REFERENCE.items():
        assert {k: v for k, v in table[verb].items() if k != "contract_error"} == codes, verb
    one = run_dos("exit-codes", "health", cwd=repo.path)
    assert one.returncode == 0 and "OVERLAP_BLOCK" in one.stdout


@pytest.mark.parametrize("verb", sorted(REFERENCE))
def test_an_unknown_token_maps_to_the_unknown_code(verb):
    assert exit_code(verb, "NOT_A_TOKEN") == REFERENCE[verb]["unknown"]
