"""``@table``: the frozen value classes that replace dataclasses on the start-up path behave like them."""

from __future__ import annotations

import pytest

from dos.kernel.table import field, fields, is_table, replace, table


@table
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple, metadata={"doc": "labels"})


@table(frozen=False)
class Counter:
    n: int = 0
    seen: list[int] = field(default_factory=list)


def test_construction_defaults_and_errors() -> None:
    assert Point(1) == Point(x=1, y=0, tags=()) and Point(1, 2).y == 2
    with pytest.raises(TypeError, match="needs field 'x'"):
        Point()
    with pytest.raises(TypeError, match="has no field 'z'"):
        Point(1, z=3)
    with pytest.raises(TypeError, match="got 'x' twice"):
        Point(1, x=2)
    with pytest.raises(TypeError, match="takes 3 fields"):
        Point(1, 2, (), 4)


def test_frozen_equal_hashable_and_replace() -> None:
    p = Point(1, 2)
    with pytest.raises(AttributeError, match="frozen"):
        p.x = 5  # type: ignore[misc]
    assert hash(p) == hash(Point(1, 2)) and p != Point(1, 3) and p != (1, 2, ())
    assert replace(p, y=9) == Point(1, 9) and p.y == 2
    assert repr(p) == "Point(x=1, y=2, tags=())"
    assert [f.name for f in fields(Point)] == ["x", "y", "tags"] and fields(p)[2].metadata["doc"] == "labels"
    assert is_table(Point) and is_table(p) and not is_table(object())


def test_mutable_tables_get_fresh_defaults_and_no_hash() -> None:
    a, b = Counter(), Counter()
    a.seen.append(1)
    a.n += 1
    assert (a.n, a.seen, b.seen) == (1, [1], [])
    with pytest.raises(TypeError):
        hash(a)


def test_asdict_follows_nested_tables() -> None:
    from dos.kernel.table import asdict

    @table
    class Line:
        a: Point
        rest: tuple[Point, ...] = ()

    assert asdict(Line(Point(1), (Point(2, 3),))) == {"a": {"x": 1, "y": 0, "tags": ()},
                                                      "rest": ({"x": 2, "y": 3, "tags": ()},)}


def test_post_init_validates_after_every_field_is_set() -> None:
    @table
    class Window:
        lo: int
        hi: int

        def __post_init__(self) -> None:
            if self.hi < self.lo:
                raise ValueError("hi below lo")

    assert Window(1, 2).hi == 2
    with pytest.raises(ValueError, match="hi below lo"):
        Window(3, 2)
    with pytest.raises(ValueError):
        replace(Window(1, 2), hi=0)
