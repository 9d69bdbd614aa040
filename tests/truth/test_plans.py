"""Plan docs as data: markdown rows, sections and named files, enumerate, and the picker verdicts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dos.kernel.enumerate import enumerate_units
from dos.kernel.picking import cooldown, pickable, reconcile
from dos.kernel.plans import artifact_decision, id_map, markdown_rows, named_files, phase_section

DOC = """id: AUTH

## 1. AUTH AUTH1 — login
Ships `src/auth/login.py` and src/auth/forms.py. SHIPPED.

## 2. AUTH AUTH2 — sessions
- **AUTH3** — cookie store, soak open
- **AUTH4** — refresh
```
## 9. AUTH AUTH99 — inside a fence, not declared
```
## 3. notes without a phase
- **AUTH5** — orphan bullet: no plan inherited
"""


def test_markdown_rows():
    rows = [(r.plan, r.phase, r.claimed_status) for r in markdown_rows(DOC, "docs/auth-plan.md")]
    assert rows == [("AUTH", "AUTH1", "shipped"), ("AUTH", "AUTH2", "open"), ("AUTH", "AUTH3", "blocked"),
                    ("AUTH", "AUTH4", "open")]


def test_phase_section_and_named_files():
    section = phase_section(DOC, "AUTH", "AUTH1")
    assert section is not None and "login" in section and "AUTH2" not in section
    assert named_files(section) == ["src/auth/login.py", "src/auth/forms.py"]
    assert phase_section(DOC, "AUTH", "AUTH10") is None
    assert named_files("see https://x.org/a.html and pkg/v1.2/a.tar.gz and lib/a.py") == ["lib/a.py"]


def test_id_map_prefers_live_docs():
    docs = [("docs/a-plan.md", "id: AUTH\nclassification: tombed\n"), ("docs/b-plan.md", "id: AUTH\n")]
    assert id_map(docs) == {"AUTH": "docs/b-plan.md"}


def test_artifact_decision_rules():
    files = ["src/a.py", "src/b.py", "src/__init__.py"]
    touches = {"src/a.py": [("c2", "feat: x"), ("c1", "feat: y")], "src/b.py": [("c2", "feat: x")],
               "src/__init__.py": [("c1", "feat: y")]}
    assert artifact_decision("AUTH", "AUTH1", files, touches).sha == "c2"
    # a commit whose subject names another series does not count
    other = {"src/a.py": [("c3", "docs/BILL: x")], "src/b.py": [("c3", "docs/BILL: x")]}
    assert artifact_decision("AUTH", "AUTH1", files, other) is None
    # one live file needs a series-attributed subject
    one = {"src/a.py": [("c4", "feat: tidy"), ("c5", "AUTH: finish login")]}
    assert artifact_decision("AUTH", "AUTH1", ["src/a.py"], one).sha == "c5"
    assert artifact_decision("AUTH", "AUTH1", ["src/a.py"], {"src/a.py": [("c4", "feat: tidy")]}) is None


def test_enumerate_document_order_and_stamps():
    doc = ("# Plan\n| AUTH2 | done (shipped) |\n## AUTH1 — first\nstill open\n"
           "| AUTH9 | sibling (shipped 2024) |\n## AUTH3 — third ✅\n")
    e = enumerate_units(doc, "auth")
    assert [u.unit for u in e.units] == ["AUTH2", "AUTH1", "AUTH9", "AUTH3"]
    by = {u.unit: u for u in e.units}
    assert by["AUTH2"].shipped and by["AUTH3"].shipped and by["AUTH9"].shipped
    assert not by["AUTH1"].shipped  # a sibling row's stamp does not ship the heading unit
    assert e.token == "CLEAN"


def test_enumerate_drift_and_empty():
    assert enumerate_units("# nothing here\n", "AUTH").token == "EMPTY"
    e = enumerate_units("## AUTH1 — x\n", "AUTH", ["AUTH1", "Phase 7"])
    assert e.token == "DRIFT" and "AUTH7" in e.drift[0]["detail"]
    assert e.units[0].shipped_by == "meta-shipped"
    generic = enumerate_units("## 1. Setup\n## 2. Build — SHIPPED\n")
    assert [(u.unit, u.shipped) for u in generic.units] == [("1", False), ("2", True)]


def test_enumerate_not_shipped_is_not_a_stamp():
    e = enumerate_units("## AUTH1 — NOT SHIPPED yet\n## AUTH2 — not yet shipped\n", "AUTH")
    assert [u.shipped for u in e.units] == [False, False]


HOLDS = ["shipped", "unparseable", "in_flight", "soft_claimed_elsewhere", "stale_claim", "plan_class",
         "operator_gated", "soak_open", "dependency_unmet"]
TOKENS = ["SHIPPED", "UNPARSEABLE", "IN_FLIGHT", "SOFT_CLAIMED_ELSEWHERE", "STALE_CLAIM", "DRAFT_CLASS",
          "OPERATOR_GATED", "SOAK_OPEN", "DEPENDENCY_UNMET"]


@given(st.sets(st.sampled_from(HOLDS)), st.integers(0, 10), st.integers(0, 10))
def test_pickable_precedence(keys, until, now):
    """The first applicable hold in the fixed order wins; cooldown only when nothing else holds."""
    state = {k: ("DRAFT" if k == "plan_class" else True) for k in keys}
    state["cooldown_until_ms"] = until
    v = pickable("U", state, now)
    expected = next((t for h, t in zip(HOLDS, TOKENS) if h in keys), None)
    if expected is None and until > 0 and now < until:
        expected = "COOLDOWN"
    assert v.hold == expected and v.held == (expected is not None)


def test_cooldown_windows():
    h = 3_600_000
    rows = [{"unit_id": "U", "attempted_at_ms": 0, "outcome": "blocked"}]
    assert cooldown("U", rows, h, window_ms=2 * h, error_window_ms=h // 2).state == "RECENTLY_ATTEMPTED"
    assert cooldown("U", rows, 3 * h, window_ms=2 * h, error_window_ms=h // 2).state == "CLEAR"
    err = [{"unit_id": "U", "attempted_at_ms": 0, "outcome": "error"}]
    assert cooldown("U", err, h, window_ms=2 * h, error_window_ms=h // 2).state == "CLEAR"
    shipped = rows + [{"unit_id": "U", "attempted_at_ms": 10, "outcome": "shipped"}]
    assert cooldown("U", shipped, 20, window_ms=2 * h, error_window_ms=h).state == "CLEAR"
    assert cooldown("V", rows, 1, window_ms=h, error_window_ms=h).reason == "never attempted"


@pytest.mark.parametrize("claimed,shipped,state", [(True, True, "VERIFIED"), (False, True, "VERIFIED"),
                                                    (True, False, "QUIET_INCOMPLETE"), (False, False, "HONEST_OPEN")])
def test_reconcile(claimed, shipped, state):
    v = reconcile("U", claimed, shipped)
    assert v.state == state and v.to_dict()["keeps_in_residual"] == (state != "VERIFIED")


@pytest.mark.parametrize("section,shipped", [
    ("### AUTH1\nSHIPPED 2024-01-01", True), ("### AUTH1\nshipped", False),
    ("### AUTH1\nSHIPPED but gated on the soak", False), ("### AUTH1\nSHIPPED; status: in_progress", False),
    ("### AUTH1\nSHIPPED -> tomb", False),
])
def test_section_says_shipped(section, shipped):
    from dos.kernel.plans import section_says_shipped

    assert section_says_shipped(section) is shipped
