"""Properties of the stamp grammar: exact token boundaries, case, and the deadline on git."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dos.config import Config
from dos.errors import GitError
from dos.kernel.stamp import StampMatcher, revert_targets
from dos.config import Workspace
from dos.service.context import Context
from dos.service.truth import verify

PHASE = st.from_regex(r"[A-Z]{2,5}[1-9][0-9]{0,2}", fullmatch=True)
TOKEN_CHAR = st.sampled_from(list("abcXYZ0189-"))
BOUNDARY = st.sampled_from([" ", ",", ";", ")", "_", ". ", "!", "/", "\t"])
TAIL = st.text(alphabet="abc def", max_size=12)


@settings(max_examples=50, deadline=None)
@given(PHASE, TOKEN_CHAR, TAIL)
def test_a_longer_token_never_ships_its_prefix(phase, extra, tail):
    """AUTH1 is not AUTH10, AUTH1x or AUTH1-x, in either the prefixed or the glued form."""
    series = "".join(c for c in phase if c.isalpha())
    m = StampMatcher(series, phase)
    assert m.match(f"{series}: {phase}{extra}{tail}") is None
    assert m.match(f"{phase}{extra}: {tail}") is None
    assert m.match(f"{series}: {phase}.{extra}{tail}") is None


@settings(max_examples=50, deadline=None)
@given(PHASE, BOUNDARY, TAIL)
def test_a_boundary_ends_the_token(phase, sep, tail):
    series = "".join(c for c in phase if c.isalpha())
    m = StampMatcher(series, phase)
    hit = m.match(f"{series}: {phase}{sep}{tail}")
    assert hit is not None and hit.rung == "direct"


@settings(max_examples=50, deadline=None)
@given(PHASE)
def test_a_trailing_period_ends_the_token(phase):
    series = "".join(c for c in phase if c.isalpha())
    assert StampMatcher(series, phase).match(f"{series}: {phase}.") is not None


@settings(max_examples=50, deadline=None)
@given(PHASE, st.booleans())
def test_case_never_matters(phase, lower):
    series = "".join(c for c in phase if c.isalpha())
    subject = f"{phase}: done"
    query = phase.lower() if lower else phase
    assert StampMatcher(series.lower(), query).match(subject.upper()) is not None


@given(st.from_regex(r"[0-9a-f]{7,40}", fullmatch=True))
def test_revert_lines(sha):
    assert revert_targets(f"Revert x\n\nThis reverts commit {sha}.\n") == [sha]
    assert revert_targets(f"mentions This reverts commit {sha} mid-line") == []


def test_deadline_stops_a_slow_walk(repo):
    """The MCP server passes a deadline; when it is spent, verify raises instead of hanging."""
    repo.commit("AUTH1: x")
    with pytest.raises(GitError, match="timed out"):
        verify(Context(Workspace(repo.path, "cwd"), Config()), "AUTH", "AUTH9", timeout=1e-9)
