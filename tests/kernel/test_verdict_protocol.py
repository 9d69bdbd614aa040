"""Every kernel verdict follows one protocol: token, reason, evidence, to_dict()."""

from __future__ import annotations

import pytest

from dos.exitcodes import EXIT_CODES, exit_code
from dos.kernel.arbiter import refuse
from dos.kernel.commit_audit import Sweep, audit_commit
from dos.kernel.enforce import Identity, pretool_verdict
from dos.kernel.enumerate import enumerate_units
from dos.kernel.liveness import ProgressEvidence, classify
from dos.kernel.picking import cooldown, pickable, reconcile
from dos.kernel.supervise import supervise, watch_plan
from dos.kernel.verdict import conforms, scalar_detail
from dos.kernel.verify import ShipVerdict, not_shipped

SAMPLES = {
    "verify": [ShipVerdict("P", "P1", True, "grep-subject", sha="abc"), not_shipped("P", "P1")],
    "liveness": [classify(ProgressEvidence(run_started_ms=0, now_ms=10, commits_since_start=1))],
    "arbitrate": [refuse("lane docs is held")],
    "commit-audit": [audit_commit("abc", "fix: parser", []), Sweep()],
    "enumerate": [enumerate_units("## 1. P1 — a\n## 2. P2 — b\n", "P")],
    "pickable": [pickable("U", {}, 0), pickable("U", {"in_flight": True}, 0)],
    "cooldown": [cooldown("U", [], 0, window_ms=1, error_window_ms=1)],
    "reconcile": [reconcile("U", True, False)],
    "loop": [supervise([])],
    "watch": [watch_plan([], 0)],
    "hook pretool": [pretool_verdict(["a.py"], [], who=Identity("s"), live=[], now_ms=0),
                     pretool_verdict(["../x"], ["../x"], who=Identity("s"), live=[], now_ms=0)],
}


@pytest.mark.parametrize("verb", sorted(SAMPLES))
def test_each_verdict_conforms_and_has_an_exit_code(verb: str) -> None:
    for v in SAMPLES[verb]:
        assert conforms(v), (verb, v)
        if verb != "hook pretool" or v.action != "allow":  # an allow says nothing to the host
            assert v.reason.strip(), (verb, v)
        assert v.token == v.token.upper(), (verb, v.token)
        code = exit_code(verb, v.token if verb != "hook pretool" else v.action)
        assert code in EXIT_CODES[verb].values()
        detail = scalar_detail(v)
        assert "verdict" not in detail and "reason" not in detail
        assert all(x is None or isinstance(x, (str, int, float, bool)) for x in detail.values())


def test_conforms_refuses_half_verdicts() -> None:
    class NoToken:
        reason, evidence = "r", {}

        def to_dict(self) -> dict:
            return {}

    class BadDict:
        token, reason, evidence = "X", "r", {}

        def to_dict(self) -> list:
            return []

    assert not conforms(NoToken()) and not conforms(BadDict()) and not conforms("SHIPPED")
