"""The indexed overlap search in `dos lint` finds exactly the pairs the tree algebra says collide."""

from __future__ import annotations

from hypothesis import given, strategies as st

from dos.kernel.lint import overlapping_lanes
from dos.kernel.tree import trees_collide

ENTRY = st.sampled_from(["src/**", "src/a/**", "src/a.py", "docs/ui-*", "docs/**", "doc*", "lib/**", "**/*",
                         "src/ab/**", "Src/A/**", "lib/x*", "tests/*.py", "*.md"])


@given(st.dictionaries(st.sampled_from([f"l{i}" for i in range(8)]), st.lists(ENTRY, min_size=1, max_size=3),
                       max_size=8))
def test_index_agrees_with_the_pairwise_algebra(trees) -> None:
    names = list(trees)
    expected = {(a, b) for i, a in enumerate(names) for b in names[i + 1:] if trees_collide(trees[a], trees[b])}
    got = overlapping_lanes(trees)
    assert {(a, b) for a, b, _ in got} == expected
    for a, b, shadow in got:
        if shadow is not None:
            inner, outer = shadow
            assert all(trees_collide([e], trees[outer]) for e in trees[inner])
            assert {inner, outer} == {a, b}


def test_shadowed_and_overlapping_are_told_apart() -> None:
    got = {(a, b): s for a, b, s in overlapping_lanes({"a": ["src/**"], "b": ["src/x/**"], "c": ["doc*"],
                                                       "d": ["docs/**", "lib/**"]})}
    assert got == {("a", "b"): ("b", "a"), ("c", "d"): None}


def test_equal_regions_overlap_and_only_a_strict_subset_is_shadowed() -> None:
    assert overlapping_lanes({"a": ["src/**"], "b": ["src/**"]}) == [("a", "b", None)]
    assert overlapping_lanes({"a": ["src/**"], "b": ["src/api/**"]}) == [("a", "b", ("b", "a"))]
    assert overlapping_lanes({"a": ["src/api/**"], "b": ["src/**"]}) == [("a", "b", ("a", "b"))]
