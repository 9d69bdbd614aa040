"""Third-party judges through a real ``dos.judges`` entry point (a dist-info on PYTHONPATH), the
fail-to-abstain rule for each way a plugin can fail, and ``dos judge wedge`` on real run records."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.conftest import SRC

PLUGIN = '''
import time

class Contrarian:
    def __call__(self, claim):
        return {"stance": "DISAGREE", "reason": "contrarian says no to " + claim["claim_text"][:10]}

def lenient(claim):
    return "agree"

def raiser(claim):
    raise RuntimeError("judge exploded")

def illtyped(claim):
    return 42

def sleepy(claim):
    time.sleep(20)
    return "AGREE"

def shadow(claim):
    return "AGREE"
'''

ENTRY_POINTS = """[dos.judges]
contrarian = acme_judges:Contrarian
lenient = acme_judges:lenient
raiser = acme_judges:raiser
illtyped = acme_judges:illtyped
sleepy = acme_judges:sleepy
broken = acme_judges:missing_name
similarity = acme_judges:shadow
"""


@pytest.fixture
def plugin_env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    dist = site / "acme_judges-0.1.dist-info"
    dist.mkdir(parents=True)
    (site / "acme_judges.py").write_text(PLUGIN)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-judges\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(ENTRY_POINTS)
    return {"PYTHONPATH": f"{SRC}{os.pathsep}{site}"}


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    w = tmp_path / "ws"
    w.mkdir()
    (w / "dos.toml").write_text("[judge]\ntimeout_s = 1.0\n")
    (w / "claims.jsonl").write_text(
        json.dumps({"claim_text": "shipped the export", "truth": False, "evidence": "shipped the export"}) + "\n")
    return w


def _eval(run_dos, ws, env, judge):
    r = run_dos("judge-eval", "--judge", judge, "--cases", str(ws / "claims.jsonl"), "--json", cwd=ws, env=env)
    assert "Traceback" not in r.stderr
    return r


def test_plugin_through_entry_point_is_asked(run_dos, ws, plugin_env):
    """A class registered under dos.judges is instantiated and its DISAGREE flags the false claim."""
    r = _eval(run_dos, ws, plugin_env, "contrarian")
    out = json.loads(r.stdout)
    assert (r.returncode, out["correct_flag"], out["judge"]) == (0, 1, "contrarian")
    assert out["cases"][0]["reason"].startswith("contrarian says no")


def test_plugin_that_clears_a_lie_fails_the_eval(run_dos, ws, plugin_env):
    """A lower-case 'agree' is still AGREE; clearing a false claim exits 1."""
    r = _eval(run_dos, ws, plugin_env, "lenient")
    assert r.returncode == 1 and json.loads(r.stdout)["verdict"] == "false_clear"


@pytest.mark.parametrize("name,why", [("raiser", "RuntimeError"), ("illtyped", "ill-typed"),
                                      ("sleepy", "timed out"), ("broken", "failed to load")])
def test_every_plugin_failure_is_abstain(run_dos, ws, plugin_env, name, why):
    """A raise, an ill-typed answer, a timeout or a failed load: ABSTAIN with the cause, exit 0."""
    r = _eval(run_dos, ws, plugin_env, name)
    out = json.loads(r.stdout)
    assert (r.returncode, out["cases"][0]["stance"]) == (0, "ABSTAIN")
    assert why in out["cases"][0]["reason"]


def test_builtin_cannot_be_shadowed(run_dos, ws, plugin_env):
    """A plugin named 'similarity' is ignored with a warning; the built-in answers (and flags nothing here)."""
    r = _eval(run_dos, ws, plugin_env, "similarity")
    assert "ignored" in r.stderr
    assert json.loads(r.stdout)["cases"][0]["stance"] == "AGREE"  # the built-in: every word is in the evidence
    assert r.returncode == 1


def test_unknown_judge_is_exit_2(run_dos, ws, plugin_env):
    r = _eval(run_dos, ws, plugin_env, "nope")
    assert r.returncode == 2 and "unknown judge 'nope'" in r.stderr and "contrarian" in r.stderr


# --------------------------------------------------------------------------- judge wedge

NOW_MS = int(time.time() * 1000)
HOUR = 3_600_000


def _run(ws: Path, ts: str, record: dict | str) -> None:
    d = ws / ".dos" / "dispatch_loops"
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{ts}.json").write_text(record if isinstance(record, str) else json.dumps(record))


WEDGES = [
    ("live", {"picked": ["AUTH3"]}, "AGREE", "LIVE", 0),
    ("dirty", {"picked": ["AUTH3"], "dirty": True}, "AGREE", "LIVE_DIRTY", 0),
    ("stale-old", {"picked": [], "reason_token": "LANE_ALL_INFLIGHT_OR_DEFERRED",
                   "claims": [{"unit": "A1", "claimed_at_ms": NOW_MS - 72 * HOUR}]}, "AGREE", "NO_PICK", 0),
    ("stale-fresh", {"picked": [], "reason_token": "LANE_ALL_INFLIGHT_OR_DEFERRED",
                     "claims": [{"unit": "A1", "claimed_at_ms": NOW_MS - 2 * HOUR}]}, "DISAGREE", "NO_PICK", 1),
    ("gate-past", {"picked": [], "reason_token": "LANE_BLOCKED_ON_OPERATOR_DECISION",
                   "reason": "frozen until 2001-01-01"}, "DISAGREE", "NO_PICK", 1),
    ("gate-future", {"picked": [], "reason_token": "LANE_BLOCKED_ON_OPERATOR_DECISION",
                     "reason": "frozen through 2999-01-01"}, "AGREE", "NO_PICK", 0),
    ("drain-open", {"picked": [], "reason_token": "LANE_DRAINED",
                    "plans": [{"plan": "AUTH", "remaining": ["AUTH4"]}]}, "DISAGREE", "NO_PICK", 1),
    ("misroute", {"picked": [], "reason_token": "UNKNOWN_LANE", "reason": "no such lane"}, "DISAGREE", "NO_PICK", 1),
    ("misroute-named", {"picked": [], "reason_token": "UNKNOWN_LANE", "reason": "meant main"}, "AGREE", "NO_PICK", 0),
    ("unknown", {"note": "nothing"}, "ABSTAIN", "UNKNOWN", 0),
]


@pytest.mark.parametrize("ts,record,stance,outcome,code", WEDGES, ids=[w[0] for w in WEDGES])
def test_wedge_tokens_and_exit_codes(run_dos, ws, ts, record, stance, outcome, code):
    _run(ws, ts, record)
    r = run_dos("judge", "wedge", ts, "--json", cwd=ws)
    out = json.loads(r.stdout)
    assert (r.returncode, out["verdict"], out["outcome"], out["oracle_disagrees"]) == (code, stance, outcome, code == 1)
    text = run_dos("judge", "wedge", ts, cwd=ws)
    assert text.returncode == code and text.stdout.startswith(stance)


def test_wedge_asks_the_judge_only_when_the_oracle_abstains(run_dos, ws):
    """TRUE_DRAIN without plan evidence: the oracle abstains, the operator's recorded reject decides."""
    _run(ws, "r1", {"picked": [], "reason_token": "LANE_DRAINED"})
    (ws / ".dos" / "decisions").mkdir(parents=True)
    (ws / ".dos" / "decisions" / "resolved.jsonl").write_text(json.dumps({"subject": "r1", "decision": "reject"}) + "\n")
    plain = run_dos("judge", "wedge", "r1", "--json", cwd=ws)
    assert plain.returncode == 0 and json.loads(plain.stdout)["judge"]["stance"] == "ABSTAIN"
    r = run_dos("judge", "wedge", "r1", "--judge", "operator-decision", "--json", cwd=ws)
    out = json.loads(r.stdout)
    assert (r.returncode, out["oracle"], out["verdict"], out["cause"]) == (1, "ABSTAIN", "DISAGREE", "TRUE_DRAIN")


def test_wedge_judge_plugin_that_fails_abstains(run_dos, ws, plugin_env):
    _run(ws, "r2", {"picked": [], "reason_token": "LANE_DRAINED"})
    r = run_dos("judge", "wedge", "r2", "--judge", "raiser", "--json", cwd=ws, env=plugin_env)
    assert r.returncode == 0 and json.loads(r.stdout)["judge"]["stance"] == "ABSTAIN"


@pytest.mark.parametrize("ts,content", [("missing", None), ("badjson", "{not json"), ("list", "[1]"),
                                        ("../escape", None)])
def test_wedge_bad_input_is_exit_2(run_dos, ws, ts, content):
    if content is not None:
        _run(ws, ts, content)
    r = run_dos("judge", "wedge", ts, cwd=ws)
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
