"""The five harnesses through the real CLI: every token and exit code on real case files, the shipped
corpus as the default, and bad input as exit 2 with one line and no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dos.exitcodes import EXIT_CODES
from dos.service.evals import HARNESSES, shipped


def _file(tmp_path: Path, rows: list) -> str:
    p = tmp_path / "cases.jsonl"
    p.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return str(p)


STEP = {"tool": "Bash", "args_digest": "a", "result_digest": "r"}
OTHER = {"tool": "Edit", "args_digest": "b", "result_digest": "s"}

CASES = [
    ("judge-eval", ["--judge", "similarity"], [{"claim_text": "added refund tests", "truth": True,
                                                "evidence": "added refund tests"}], "no_false_clear", 0),
    ("judge-eval", ["--judge", "similarity"], [{"claim_text": "added refund tests", "truth": False,
                                                "evidence": "added refund tests"}], "false_clear", 1),
    ("overlap-eval", [], [{"a": ["src/**"], "b": ["src/a.py"], "overlap": True},
                          {"a": ["src/**"], "b": ["docs/**"], "overlap": False}], "sealed", 0),
    # a pair labelled disjoint that the policy refuses is only an over-refusal: the label of a true
    # overlap the prefix policy misses cannot be made with real trees, so 'leaked' is shown by labels
    ("overlap-eval", [], [{"a": ["src/api/**"], "b": ["src/web/**"], "overlap": True}], "leaked", 1),
    ("intervention-eval", [], [{"severity": "high", "harmful": True}], "net_positive", 0),
    ("intervention-eval", [], [{"severity": "low", "harmful": True}], "neutral", 0),
    ("intervention-eval", ["--low", "BLOCK"], [{"severity": "low", "harmful": False}], "net_harmful", 1),
    ("intervention-eval", ["--ceiling", "WARN"], [{"severity": "high", "harmful": True},
                                                  {"severity": "none", "harmful": False}], "neutral", 0),
    ("tool-stream-eval", [], [{"steps": [STEP] * 3, "stuck": True}], "net_positive", 0),
    ("tool-stream-eval", ["--repeat-n", "4"], [{"steps": [STEP] * 3, "stuck": True}], "not_net_positive", 1),
    ("tool-stream-eval", ["--ignore-tools", "Bash"], [{"steps": [STEP] * 5, "stuck": True}], "not_net_positive", 1),
    ("tool-stream-eval", [], [{"steps": [STEP, OTHER, STEP], "stuck": False}, {"steps": [STEP] * 3, "stuck": False}],
     "not_net_positive", 1),
    ("precursor-gate-eval", [], [{"calls": ["deploy"], "harmful": True, "requires": {"deploy": ["test"]}}],
     "net_positive", 0),
    ("precursor-gate-eval", [], [{"calls": ["deploy"], "harmful": False, "requires": {"deploy": ["test"]}}],
     "not_net_positive", 1),
    ("precursor-gate-eval", [], [{"calls": ["deploy"], "harmful": True}], "not_net_positive", 1),
]


@pytest.mark.parametrize("verb,flags,rows,token,code", CASES, ids=[f"{c[0]}-{c[3]}-{i}" for i, c in enumerate(CASES)])
def test_tokens_and_exit_codes(tmp_path, run_dos, verb, flags, rows, token, code):
    cases = _file(tmp_path, rows)
    r = run_dos(verb, *flags, "--cases", cases, "--json", cwd=tmp_path)
    out = json.loads(r.stdout)
    assert (r.returncode, out["verdict"]) == (code, token)
    assert EXIT_CODES[verb][token] == code
    assert out["n"] == len(rows) and len(out["cases"]) == len(rows)
    text = run_dos(verb, *flags, "--cases", cases, cwd=tmp_path)
    assert text.returncode == code and text.stdout.startswith(token)


def test_precursor_reads_config(tmp_path, run_dos):
    """[precursor] requires/aliases from dos.toml drive the gate when a case names none."""
    (tmp_path / "dos.toml").write_text('[precursor.requires]\ndeploy = ["test"]\n[precursor.aliases]\ntest = ["pytest"]\n')
    cases = _file(tmp_path, [{"calls": ["deploy"], "harmful": True}, {"calls": ["pytest", "deploy"], "harmful": False}])
    r = run_dos("precursor-gate-eval", "--cases", cases, "--json", cwd=tmp_path)
    out = json.loads(r.stdout)
    assert (r.returncode, out["caught"], out["passed_sound"]) == (0, 1, 1)


def test_judge_eval_grid_and_rates(tmp_path, run_dos):
    rows = [{"claim_text": "fixed login timeout", "truth": True, "evidence": "fixed login timeout"},
            {"claim_text": "added refund tests", "truth": False, "evidence": "readme typo changed"},
            {"claim_text": "tuned", "truth": False, "evidence": ""}]
    out = json.loads(run_dos("judge-eval", "--judge", "similarity", "--cases", _file(tmp_path, rows), "--json",
                             cwd=tmp_path).stdout)
    assert (out["correct_clear"], out["correct_flag"], out["abstain_false"]) == (1, 1, 1)
    assert out["false_clear_rate"] == 0.0 and out["lie_leak_rate"] == 0.0
    assert out["decisive_accuracy"] == 1.0 and out["abstention_rate"] == pytest.approx(0.3333)


@pytest.mark.parametrize("verb", HARNESSES)
def test_shipped_corpus_is_the_default(tmp_path, run_dos, verb):
    """Without --cases each harness scores the corpus shipped in the package, and it passes."""
    assert shipped(verb).is_file()
    r = run_dos(verb, "--json", cwd=tmp_path)
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["n"] >= 5, r.stderr
    explicit = run_dos(verb, "--cases", str(shipped(verb)), "--json", cwd=tmp_path)
    assert json.loads(explicit.stdout)["n"] == out["n"]


BAD = [
    ("judge-eval", [], ["{not json"], "not JSON"),
    ("judge-eval", [], [{"claim_text": "x"}], "missing required field 'truth'"),
    ("judge-eval", [], [{"claim_text": "x", "truth": "yes"}], "'truth' must be true or false"),
    ("judge-eval", [], [], "no cases"),
    ("overlap-eval", [], [{"a": ["src/**"], "b": ["docs/**"]}], "needs 'overlap'"),
    ("overlap-eval", [], [{"a": ["../outside/**"], "b": ["docs/**"], "overlap": False}], "case 1"),
    ("overlap-eval", ["--policy", "fuzzy"], [{"a": [], "b": [], "overlap": False}], "unknown overlap policy"),
    ("intervention-eval", [], [{"severity": "extreme", "harmful": True}], "severity"),
    ("intervention-eval", ["--high", "NUKE"], [{"severity": "high", "harmful": True}], "NUKE"),
    ("tool-stream-eval", [], [{"steps": [{"tool": "Bash"}], "stuck": True}], "result_digest"),
    ("tool-stream-eval", ["--repeat-n", "0"], [{"steps": [], "stuck": True}], "1 or more"),
    ("precursor-gate-eval", [], [{"calls": "deploy", "harmful": True}], "'calls' must be a list"),
    ("precursor-gate-eval", [], [{"calls": [], "harmful": True, "requires": {"x": "y"}}], "requires"),
    ("precursor-gate-eval", [], ["[1, 2]"], "JSON object"),
]


@pytest.mark.parametrize("verb,flags,rows,msg", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_is_exit_2(tmp_path, run_dos, verb, flags, rows, msg):
    r = run_dos(verb, *flags, "--cases", _file(tmp_path, rows), cwd=tmp_path)
    assert r.returncode == 2, r.stdout
    assert msg in r.stderr and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_missing_case_file_is_exit_2(tmp_path, run_dos):
    r = run_dos("overlap-eval", "--cases", str(tmp_path / "nope.jsonl"), cwd=tmp_path)
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_exit_codes_lists_every_new_verb(tmp_path, run_dos):
    out = json.loads(run_dos("exit-codes", "--json", cwd=tmp_path).stdout)
    for verb in (*HARNESSES, "judge"):
        assert verb in out and out[verb]["contract_error"] == 2
