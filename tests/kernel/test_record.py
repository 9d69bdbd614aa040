"""Record, the frozen value type on the hook's path: every way to build one gives the same value."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dos.kernel.lease import Lease, LockMode
from dos.kernel.record import Record


class Point(Record):
    __slots__ = ("x", "y", "tags")
    _defaults = {"y": 0, "tags": []}


values = st.one_of(st.integers(), st.text(max_size=5), st.none(), st.tuples(st.integers()))


@given(x=values, y=values, tags=values, cut=st.integers(0, 3))
def test_positional_keyword_and_mixed_construction_agree(x, y, tags, cut) -> None:
    full = (x, y, tags)
    names = Point.__slots__
    mixed = Point(*full[:cut], **dict(zip(names[cut:], full[cut:])))
    assert mixed == Point(*full) == Point(x=x, y=y, tags=tags)
    assert (mixed.x, mixed.y, mixed.tags) == full
    assert hash(mixed) == hash(Point(*full))
    assert pickle.loads(pickle.dumps(mixed)) == mixed


@given(x=values, y=values, tags=values, nx=values, ny=values)
def test_replace_changes_only_what_it_names(x, y, tags, nx, ny) -> None:
    p = Point(x, y, tags)
    assert p.replace() == p and p.replace() is not p
    assert p.replace(x=nx) == Point(nx, y, tags)
    assert p.replace(y=ny, x=nx) == Point(nx, ny, tags)
    assert p == Point(x, y, tags)  # the original is untouched


def test_defaults_and_a_fresh_mutable_default_per_instance() -> None:
    a, b = Point(1), Point(x=2)
    assert (a.y, a.tags, b.y) == (0, [], 0)
    a.tags.append("only a")
    assert b.tags == [] and Point(3).tags == []


@pytest.mark.parametrize("build, message", [
    (lambda: Point(1, 2, 3, 4), "takes 3 fields, got 4"),
    (lambda: Point(1, x=1), "got 'x' twice"),
    (lambda: Point(1, z=1), "has no field 'z'"),
    (lambda: Point(), "needs field 'x'"),
    (lambda: Point(1).replace(z=2), "has no field 'z'"),
])
def test_bad_construction_names_the_field(build, message) -> None:
    with pytest.raises(TypeError, match=message):
        build()


def test_frozen() -> None:
    p = Point(1)
    with pytest.raises(AttributeError, match="frozen"):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError, match="frozen"):
        del p.x


def test_a_lease_replace_keeps_every_other_field() -> None:
    lease = Lease("id", 7, "src", "concurrent", ("src/**",), "h", 1, 2, 3, LockMode.SHARED, "s", "host", 9, 10,
                  "run", "loop")
    moved = lease.replace(fence=8, heartbeat_ms=5)
    assert moved.fields() == {**lease.fields(), "fence": 8, "heartbeat_ms": 5}
