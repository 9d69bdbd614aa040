"""Canonical JSON (RFC 8785): round trips, key-order independence, one byte string per value."""

from __future__ import annotations

import json
import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dos.kernel.canonical import (
    MAX_SAFE_INTEGER,
    NotCanonicalisable,
    canonical,
    number,
    parse_strict,
)

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
scalars = (st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
           | st.floats(allow_nan=False, allow_infinity=False) | text)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
                      max_leaves=20)


@settings(deadline=None)
@given(values)
def test_round_trip(v) -> None:
    """Parsing the canonical bytes gives back an equal value, and canonicalising again the same bytes."""
    data = canonical(v)
    back = parse_strict(data.decode("utf-8"))
    assert back == v
    assert canonical(back) == data


@settings(deadline=None)
@given(st.dictionaries(text, scalars, max_size=8), st.randoms(use_true_random=False))
def test_key_order_does_not_change_the_bytes(d, rnd) -> None:
    items = list(d.items())
    rnd.shuffle(items)
    assert canonical(dict(items)) == canonical(d)


@settings(deadline=None)
@given(values, values)
def test_one_byte_string_per_value(a, b) -> None:
    """Different values never share canonical bytes (the ambiguity the reference's text form had)."""
    if canonical(a) == canonical(b):
        assert a == b


@settings(deadline=None)
@given(values)
def test_python_json_reads_it_the_same(v) -> None:
    """Any JSON reader gets the same value (a large double may come back as an equal-valued int)."""
    back = json.loads(canonical(v))
    assert canonical(parse_strict(json.dumps(back))) == canonical(v)


@settings(deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_round_trip_exactly(x: float) -> None:
    s = number(x)
    assert float(s) == x or (x == 0 and float(s) == 0)
    assert " " not in s and "+" not in s.split("e")[0]


@settings(deadline=None)
@given(st.integers(0, 2**64 - 1))
def test_any_double_bit_pattern(bits: int) -> None:
    x = struct.unpack("<d", struct.pack("<Q", bits))[0]
    if math.isfinite(x):
        assert float(number(x)) == x


@pytest.mark.parametrize(("x", "want"), [
    (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-1.5, "-1.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
    (1e-7, "1e-7"), (1e-6, "0.000001"), (123456789012345680000.0, "123456789012345680000"),
    (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (0.1, "0.1"),
    (333333333.3333333, "333333333.3333333"), (4.35, "4.35"), (9007199254740992.0, "9007199254740992"),
])
def test_ecmascript_number_form(x: float, want: str) -> None:
    assert number(x) == want


def test_strings_keys_and_escapes() -> None:
    """RFC 8785's rules: UTF-16 key order, minimal escapes, lower-case \\u, raw non-ASCII."""
    assert canonical({"\u20ac": 1, "\r": 2, "\U0001F600": 3, "\ufb33": 4, "a": 5}) == (
        '{"\\r":2,"a":5,"\u20ac":1,"\U0001F600":3,"\ufb33":4}'.encode())  # RFC 8785 section 3.2.3
    assert canonical("\x00\x1f\"\\/\u2028") == b'"\\u0000\\u001f\\"\\\\/\xe2\x80\xa8"'
    assert canonical([True, None, {"b": [], "a": {}}]) == b'[true,null,{"a":{},"b":[]}]'


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 2**53, -(2**53), "\ud800", {"\udc00": 1}, {1: 2},
                                 b"bytes", {1.5}])
def test_values_without_a_canonical_form(bad) -> None:
    with pytest.raises(NotCanonicalisable):
        canonical(bad)


@pytest.mark.parametrize("bad", ['{"a":1,"a":2}', "NaN", "[Infinity]", '"\\ud800"', "9007199254740993", "1e400",
                                 '{"k": {"x": 1, "x": 1}}'])
def test_the_strict_reader_refuses_ambiguity(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_strict(bad)


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(text, text, min_size=2, max_size=5))
def test_moving_a_value_between_keys_changes_the_bytes(d) -> None:
    keys = sorted(d)
    a, b = keys[0], keys[1]
    if d[a] != d[b]:
        swapped = dict(d, **{a: d[b], b: d[a]})
        assert canonical(swapped) != canonical(d)
