"""Plan verbs end to end, and verify's artifact rung reading a real plan doc."""

from __future__ import annotations

import json

PLAN = """id: AUTH

## 1. AUTH AUTH5 — sessions
Touches `src/auth/session.py` and `src/auth/store.py`.

## 2. AUTH AUTH6 — logout, SHIPPED
Edits src/auth/logout.py.

## 3. AUTH AUTH7 — refresh
"""


def _repo(repo):
    repo.commit("plan", {"docs/auth-plan.md": PLAN})
    repo.commit("feat: session storage", {"src/auth/session.py": "a\n", "src/auth/store.py": "b\n"})
    repo.commit("AUTH7: refresh tokens", {"src/auth/refresh.py": "c\n"})
    return repo


def test_verify_answers_grep_artifact(repo, run_dos):
    """The reference never runs this rung from the CLI; here the touched files decide."""
    _repo(repo)
    out = run_dos("verify", "AUTH", "AUTH5", "--json", cwd=repo.path)
    data = json.loads(out.stdout)
    assert out.returncode == 0 and (data["source"], data["rung"]) == ("grep-artifact", "file-path")
    assert run_dos("verify", "AUTH", "AUTH6", cwd=repo.path).returncode == 1  # named file never touched


def test_plan_marks_over_claims(repo, run_dos):
    _repo(repo)
    out = run_dos("plan", "--json", cwd=repo.path)
    assert out.returncode == 0, "a projection exits 0; --check gates on over-claims"
    board = json.loads(out.stdout)
    rows = {r["phase"]: r for r in board["phases"]}
    assert board["summary"]["over_claims"] == 1 and board["plan_source"] == "markdown"
    assert rows["AUTH6"]["divergence"] == "⚠over-claim" and rows["AUTH6"]["is_divergent"]
    assert run_dos("plan", "--check", cwd=repo.path).returncode == 1
    assert rows["AUTH6"]["claimed_status"] == "shipped" and rows["AUTH6"]["over_claimed"]
    assert rows["AUTH5"]["verified"] and rows["AUTH7"]["verified"] and not rows["AUTH7"]["over_claimed"]
    text = run_dos("plan", "--once", cwd=repo.path).stdout
    assert "OVER-CLAIMED" in text and "1 over-claimed" in text


def test_plan_with_no_docs(repo, run_dos):
    repo.commit("x")
    out = run_dos("plan", cwd=repo.path)
    assert out.returncode == 0 and "no plan phases found" in out.stdout


def test_enumerate_exit_codes(repo, run_dos):
    repo.write("p.md", PLAN)
    repo.write("empty.md", "# nothing\n")
    assert run_dos("enumerate", "p.md", "--series", "AUTH", cwd=repo.path).returncode == 0
    drift = run_dos("enumerate", "p.md", "--series", "AUTH", "--shipped", '["AUTH8"]', "--json", cwd=repo.path)
    assert drift.returncode == 3 and json.loads(drift.stdout)["drift"][0]["kind"] == "list_table_mismatch"
    assert run_dos("enumerate", "empty.md", "--series", "AUTH", cwd=repo.path).returncode == 4
    missing = run_dos("enumerate", "nope.md", cwd=repo.path)
    assert missing.returncode == 2 and missing.stderr.startswith("error: cannot read plan doc")
    bad = run_dos("enumerate", "p.md", "--shipped", "[oops", cwd=repo.path)
    assert bad.returncode == 2 and "--shipped" in bad.stderr


def test_pickable_cooldown_reconcile_cli(repo, run_dos):
    repo.commit("AUTH1: done")
    assert run_dos("pickable", "U", cwd=repo.path).returncode == 0
    held = run_dos("pickable", "U", "--state", '{"in_flight": true}', "--json", cwd=repo.path)
    assert held.returncode == 20 and json.loads(held.stdout)["reason"] == "IN_FLIGHT"
    assert run_dos("pickable", "U", "--state", "[]", cwd=repo.path).returncode == 2
    att = '[{"unit_id": "U", "attempted_at_ms": 1000, "outcome": "blocked"}]'
    assert run_dos("cooldown", "U", "--attempts", att, "--now-ms", "2000", cwd=repo.path).returncode == 3
    assert run_dos("cooldown", "U", "--now-ms", "2000", cwd=repo.path).returncode == 0  # no journal
    repo.write(".dos/lane-journal.jsonl",
               '{"op": "ATTEMPT", "unit_id": "U", "ts": "2026-01-01T00:00:00Z", "outcome": "error"}\nnot json\n')
    assert run_dos("cooldown", "U", "--now-ms", "1767225600500", cwd=repo.path).returncode == 3
    assert run_dos("reconcile", "U", "--claimed-done", "--plan", "AUTH", "--phase", "AUTH1",
                   cwd=repo.path).returncode == 0
    assert run_dos("reconcile", "U", "--claimed-done", "--plan", "AUTH", "--phase", "AUTH2",
                   cwd=repo.path).returncode == 3
    assert run_dos("reconcile", "U", "--no-oracle-shipped", cwd=repo.path).returncode == 4
    assert run_dos("reconcile", "U", cwd=repo.path).returncode == 2


def test_weak_mention_needs_the_plan_body(repo, run_dos):
    """A release-note mention is checked against the plan section (the reference skipped this in the CLI)."""
    repo.commit("plan", {"docs/auth-plan.md": "id: AUTH\n\n### AUTH8 — rotate keys\nin progress\n\n"
                                             "### AUTH9 — audit log\nSHIPPED in v1.0.0\n"})
    repo.commit("v1.0.0: release notes mention AUTH8 and AUTH9", {"src/x.py": "1\n"})
    demoted = run_dos("verify", "AUTH", "AUTH8", "--json", cwd=repo.path)
    data = json.loads(demoted.stdout)
    assert demoted.returncode == 1 and data["rung"] == "demoted-by-plan-body" and data["source"] == "none"
    ok = run_dos("verify", "AUTH", "AUTH9", "--json", cwd=repo.path)
    assert ok.returncode == 0 and json.loads(ok.stdout)["rung"] == "release-prefix"
    assert run_dos("verify", "AUTH", "AUTH10", cwd=repo.path).returncode == 1
