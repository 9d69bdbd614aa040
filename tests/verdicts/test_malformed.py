"""Malformed input to a small verdict verb is one line on stderr naming the problem, exit 2, nothing on stdout.

Run in-process through ``dos.cli.main`` (the same entry point as the console script) to keep
sixty-odd cases quick; test_exit_tokens.py drives the real process.
"""

from __future__ import annotations

import json

import pytest

from dos.cli import main

CASES = {
    "productivity-letters": (["productivity", "--deltas", "a,b"], "--deltas item 1"),
    "productivity-negative": (["productivity", "--deltas=-1,2,3"], "--deltas item 1 is '-1'"),
    "productivity-dash-value": (["productivity", "--deltas", "-1,2,3"], "--deltas"),
    "productivity-empty-item": (["productivity", "--deltas", "1,,3"], "empty item"),
    "productivity-decimal": (["productivity", "--deltas", "1.5,2"], "'1.5'"),
    "productivity-min-steps": (["productivity", "--min-steps", "-1"], "--min-steps"),
    "productivity-floor": (["productivity", "--floor", "-5"], "--floor"),
    "efficiency-negative-work": (["efficiency", "--work", "-1"], "--work"),
    "efficiency-decimal-work": (["efficiency", "--work", "1.5"], "--work"),
    "efficiency-negative-floor": (["efficiency", "--work", "1", "--tokens", "5000", "--floor", "-1"], "--floor"),
    "efficiency-nan-floor": (["efficiency", "--floor", "nan"], "finite"),
    "efficiency-min-tokens": (["efficiency", "--min-tokens", "-1"], "--min-tokens"),
    "improve-max-reverts": (["improve", "--max-reverts", "0"], "--max-reverts"),
    "improve-work": (["improve", "--work", "-1"], "--work"),
    "improve-reverts": (["improve", "--consecutive-reverts", "-2"], "--consecutive-reverts"),
    "improve-floor": (["improve", "--efficiency-floor", "inf"], "--efficiency-floor"),
    "breaker-both-off": (["breaker", "--max-consecutive", "0", "--max-total", "0"], "can never open"),
    "breaker-negative-limit": (["breaker", "--max-consecutive", "-1"], "--max-consecutive"),
    "breaker-negative-count": (["breaker", "--consecutive", "-1"], "--consecutive"),
    "breaker-on-trip": (["breaker", "--on-trip", "boss"], "--on-trip"),
    "exec-capability-no-value": (["exec-capability", "--command"], "--command"),
    "hook-exit-no-code": (["hook-exit"], "--code"),
    "hook-exit-bad-code": (["hook-exit", "--code", "x"], "--code"),
    "hook-exit-bad-verb": (["hook-exit", "--code", "3", "--map", "3=NOPE"], "3=NOPE"),
    "hook-exit-pass-verb": (["hook-exit", "--code", "3", "--map", "3=PASS"], "3=PASS"),
    "hook-exit-no-equals": (["hook-exit", "--code", "3", "--map", "3"], "CODE=VERB"),
    "hook-exit-bad-key": (["hook-exit", "--code", "3", "--map", "x=BLOCK"], "'x'"),
    "hook-exit-twice": (["hook-exit", "--code", "3", "--map", "3=DEFER,3=WARN"], "twice"),
    "answer-shape-no-input": (["answer-shape"], "--text"),
    "answer-shape-missing-file": (["answer-shape", "--file", "/nonexistent/draft.txt"], "/nonexistent/draft.txt"),
    "answer-shape-bad-regex": (["answer-shape", "--text", "x", "--non-answer", "["], "not a valid regex"),
    "answer-shape-bad-marker": (["answer-shape", "--text", "x", "--markers", "("], "--markers"),
    "answer-shape-min-chars": (["answer-shape", "--text", "x", "--min-chars", "-3"], "--min-chars"),
    "reward-both": (["reward", "--claim", "--no-claim"], "--no-claim"),
    "reward-witness": (["reward", "--witness", "bogus"], "--witness"),
    "arg-provenance-not-json": (["arg-provenance", "--tool", "update_x", "--args", "nope"], "--args"),
    "arg-provenance-list": (["arg-provenance", "--tool", "update_x", "--args", "[1]"], "JSON object"),
    "arg-provenance-no-tool": (["arg-provenance", "--args", "{}"], "--tool"),
    "arg-provenance-blank-tool": (["arg-provenance", "--tool", " ", "--args", "{}"], "--tool"),
    "arg-provenance-prior-file": (["arg-provenance", "--tool", "t", "--args", "{}", "--prior-file", "/nope"],
                                  "/nope"),
    "gate-nothing": (["gate"], "exactly one"),
    "gate-both": (["gate", "p.json", "--picks-json", "[]"], "exactly one"),
    "gate-not-json": (["gate", "--picks-json", "x"], "not valid JSON"),
    "gate-object": (["gate", "--picks-json", "{}"], "JSON list"),
    "gate-item": (["gate", "--picks-json", "[1]"], "disposition 0"),
    "gate-no-phase": (["gate", "--picks-json", '[{"live": true}]'], "'phase'"),
    "gate-drop-reason": (["gate", "--picks-json", '[{"phase": "X1", "drop_reason": "quota-blocked"}]'],
                         "quota-blocked"),
    "gate-live-type": (["gate", "--picks-json", '[{"phase": "X1", "live": "yes"}]'], "'live'"),
    "gate-missing-packet": (["gate", "missing.json"], "does not exist"),
    "health-no-lane": (["health"], "--lane"),
    "health-leases": (["health", "--lane", "main", "--leases-json", "x"], "--leases-json"),
    "health-window": (["health", "--lane", "main", "--window", "0"], "--window"),
    "health-git-log": (["health", "--lane", "main", "--git-log-file", "log.txt"], "--git-log-file"),
    "scout-not-json": (["scout", "--state-json", "x"], "--state-json"),
    "scout-list": (["scout", "--state-json", "[1]"], "JSON object"),
    "scout-health-string": (["scout", "--state-json", '{"health": "proceed"}'], "'health'"),
    "scout-health-action": (["scout", "--state-json", '{"health": {"action": "bogus"}}'], "'bogus'"),
    "scout-type": (["scout", "--state-json", '{"replan_due": "yes"}'], "'replan_due'"),
    "scout-soaks": (["scout", "--state-json", '{"open_soaks": [1]}'], "'open_soaks'"),
    "pick-priority-no-unit": (["pick-priority"], "UNIT"),
    "pick-priority-blank-unit": (["pick-priority", " "], "UNIT"),
    "pick-priority-object": (["pick-priority", "U", "--attempts", "{}"], "--attempts"),
    "pick-priority-not-json": (["pick-priority", "U", "--attempts", "x"], "--attempts"),
    "pick-priority-item": (["pick-priority", "U", "--attempts", "[1]"], "--attempts"),
    "man-renderer": (["man", "--output", "bogus"], "--output"),
    "verdict-renderer": (["breaker", "--output", "yaml"], "unknown renderer 'yaml'"),
}


@pytest.mark.parametrize("argv,needle", CASES.values(), ids=CASES.keys())
def test_malformed_input_is_one_line_exit_2(argv, needle, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(argv)
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2, (out, err)
    assert out == "" and len(lines) == 1 and lines[0].startswith("error: "), err
    assert needle in lines[0]


def test_packet_files_that_are_not_packets(tmp_path, monkeypatch, capsys):
    """A packet of the wrong schema, not an object, or not JSON is named in one line, exit 2."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "wrong.json").write_text(json.dumps({"schema": "other", "dispositions": []}))
    (tmp_path / "list.json").write_text("[]")
    (tmp_path / "torn.json").write_text('{"schema": ')
    for name, needle in (("wrong.json", "schema 'other'"), ("list.json", "JSON object"), ("torn.json", "JSON")):
        assert main(["gate", name]) == 2
        out, err = capsys.readouterr()
        assert out == "" and len(err.strip().splitlines()) == 1 and needle in err, err
