"""The tree algebra: canonical regions, segment-aware collision, and its properties."""

from __future__ import annotations

import fnmatch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dos.kernel.tree import (LockMode, PathEscapesWorkspace, Region, canonical_path, modes_compatible,
                             region, region_conflict, regions, tree_contains, trees_collide,
                             trees_disjoint)

# (A, B, disjoint?) — the reference table (spec §2.3) with its false-disjoints and the
# plain-prefix over-refusal corrected.
TABLE = [
    (["src/**"], ["src/a.py"], False),
    (["src/a/**"], ["src/ab/**"], True),
    (["src/a"], ["src/ab/x.py"], True),  # segment-aware: 0.22 over-refused
    (["SRC/**"], ["src/x.py"], False),
    (["src\\x\\**"], ["src/x/y.py"], False),
    (["**/*.py"], ["docs/x.md"], False),
    (["docs/ui-*"], ["docs/svc-*"], True),
    (["docs/ui-*"], ["docs/ui-kit/a.md"], False),
    (["docs/ui-*"], ["docs/ui"], True),
    ([], ["anything"], False),
    ([""], ["anything"], False),
    (["src/?.py"], ["src/a.py"], False),
    (["src/[ab].py"], ["src/a.py"], False),
    (["src/{a,b}.py"], ["src/a.py"], False),
    (["./src/**"], ["src/x.py"], False),
    (["/src/**"], ["src/x.py"], False),
    (["src/../api/**"], ["api/x.py"], False),
    (["api/**", "docs/**"], ["src/**", "tools/*.py"], True),
]


@pytest.mark.parametrize("a,b,disjoint", TABLE)
def test_truth_table(a: list[str], b: list[str], disjoint: bool) -> None:
    assert trees_disjoint(a, b) is disjoint
    assert trees_disjoint(b, a) is disjoint


@pytest.mark.parametrize("entry,expected", [
    ("src/**", Region("src")), ("agents/apply_*.py", Region("agents/apply_", True)),
    ("**/*", Region("")), ("*.md", Region("")), ("src/**/test_*.py", Region("src")),
    ("./a/./b/../c/", Region("a/c")), ("/ABS/x", Region("abs/x")), ("src/?", Region("src")),
    ("a/b/../*", Region("a")),
])
def test_region_of_entry(entry: str, expected: Region) -> None:
    assert region(entry) == expected


@pytest.mark.parametrize("entry", ["..", "../x", "a/../../x", "../**", "a/../../*.py"])
def test_escaping_entries_refused(entry: str) -> None:
    with pytest.raises(PathEscapesWorkspace):
        regions([entry])


def test_empty_tree_contains_nothing_but_collides_with_everything() -> None:
    assert not tree_contains([], "a.py")
    assert trees_collide([], ["a/**"]) and trees_collide(["a/**"], [])


def test_lock_modes() -> None:
    S, X = LockMode.SHARED, LockMode.EXCLUSIVE
    assert modes_compatible(S, S)
    assert not any(modes_compatible(a, b) for a, b in ((S, X), (X, S), (X, X)))
    assert not region_conflict(["a/**"], S, ["a/x"], S)
    assert region_conflict(["a/**"], S, ["a/x"], X)
    assert not region_conflict(["a/**"], X, ["b/**"], X)


# -- properties ----------------------------------------------------------------------------

SEG = st.sampled_from(["a", "b", "ab", "src", "Src", "x.py", "a.py", "ui-kit", "ui"])
GLOB_SEG = st.one_of(SEG, st.sampled_from(["*", "**", "*.py", "a*", "ui-*", "?.py", "[ab].py", "a?"]))
PATH = st.lists(SEG, min_size=1, max_size=4).map("/".join)
GLOB = st.lists(GLOB_SEG, min_size=1, max_size=4).map("/".join)
DECORATED = st.tuples(st.sampled_from(["", "./", "/", "a/../"]), GLOB,
                      st.sampled_from(["", "/"])).map(lambda t: "".join(t))
TREE = st.lists(DECORATED, min_size=0, max_size=3)


@given(TREE, TREE)
def test_collision_is_symmetric(a: list[str], b: list[str]) -> None:
    assert trees_collide(a, b) == trees_collide(b, a)


@given(TREE)
def test_a_tree_collides_with_itself(a: list[str]) -> None:
    assert trees_collide(a, a)


@given(DECORATED)
def test_canonicalisation_is_idempotent(entry: str) -> None:
    once = canonical_path(entry)
    assert canonical_path(once) == once
    if not any(c in entry for c in "*?[{"):
        assert region(once) == region(entry)


def _matches(glob: str, path: str) -> bool:
    """A liberal matcher (``*`` crosses ``/``): anything a real glob matches, this matches."""
    return fnmatch.fnmatchcase(path.casefold(), canonical_path(glob).casefold())


@settings(max_examples=300)
@given(GLOB, PATH)
def test_region_contains_every_path_its_glob_matches(glob: str, path: str) -> None:
    if _matches(glob, path) or _matches(glob.replace("**", "*"), path):
        assert tree_contains([glob], path)


@settings(max_examples=300)
@given(TREE, TREE, PATH)
def test_disjoint_trees_never_share_a_concrete_path(a: list[str], b: list[str], path: str) -> None:
    if trees_disjoint(a, b):
        assert not (tree_contains(a, path) and tree_contains(b, path))


@given(st.lists(DECORATED, min_size=1, max_size=3), PATH)
def test_a_path_inside_a_tree_collides_with_it(tree: list[str], path: str) -> None:
    if tree_contains(tree, path):
        assert trees_collide(tree, [path])
