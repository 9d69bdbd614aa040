"""The snapshot's memo (a lease's row and regions, a head's files, the digests) changes no byte it writes.

A writer publishes after every operation from a view whose unchanged leases are the same objects
(``live.leases_from_rows``); ``snapshot.encode`` reuses what it built from them. Along random
operation sequences, with split thresholds low enough that heads split and join, each call
must return exactly what a fresh encode of the same leases and splits returns (new split tokens
aside, which are random by design), and the memo must hold no more than the last call's leases.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from dos.kernel.lease import Lease
from dos.store import snapshot
from dos.store.live import lease_to_row, leases_from_rows

TREES = [("a/x/**",), ("a/y/**",), ("a/x/1/**",), ("b/**", "a/q/**"), ("**/*.md",), ("a*",), ("c/d/e.py",),
         ("ß/**",), ("a/x/2/*.py",), ("z/" + "k" * 250 + "/**",)]
OPS = st.lists(st.tuples(st.sampled_from(["add", "drop", "beat"]), st.integers(0, len(TREES) - 1),
                         st.integers(0, 40)), min_size=1, max_size=40)


def _fresh(leases, splits):
    saved = snapshot._ENCODED, snapshot._HEADS
    snapshot._ENCODED, snapshot._HEADS = {}, {}
    try:
        return snapshot.encode(leases, splits)
    finally:
        snapshot._ENCODED, snapshot._HEADS = saved


def _normal(result, old: dict[str, str]):
    """RESULT with every split token the call made up (not one of OLD's) spelled NEW."""
    marker, files, split = result
    made = {t for t in split.values() if t not in set(old.values())}
    def fix(text: str) -> str:
        return re.sub("|".join(made), "NEW", text) if made else text
    return marker, {k: fix(v) for k, v in files.items()}, {k: ("NEW" if v in made else v) for k, v in split.items()}


@pytest.mark.parametrize("split_at, unsplit_at", [(snapshot.SPLIT_AT, snapshot.UNSPLIT_AT), (1, 0), (2, 1)])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_a_memoised_encode_is_a_fresh_encode(monkeypatch, split_at, unsplit_at, ops) -> None:
    monkeypatch.setattr(snapshot, "SPLIT_AT", split_at)
    monkeypatch.setattr(snapshot, "UNSPLIT_AT", unsplit_at)
    base = Lease("x", 1, "l", "", ("a/**",), "h", 0, 0, 60_000)
    table: dict[str, tuple] = {}  # lease_id -> its row, as the store's table holds it
    splits: dict[str, str] = {}
    fence = 0
    for op, t, n in ops:
        fence += 1
        if op == "add":
            lease = base.replace(lease_id=f"L{fence}", fence=fence, lane=f"l{n}", tree=TREES[t], holder=f"h{n}")
            table[lease.lease_id] = lease_to_row(lease)
        elif table and op == "drop":
            table.pop(sorted(table)[n % len(table)])
        elif table:
            key = sorted(table)[n % len(table)]
            row = list(table[key])
            row[7] = fence  # heartbeat_ms
            table[key] = tuple(row)
        view = leases_from_rows([table[k] for k in sorted(table)])
        got = snapshot.encode(view, splits)
        assert _normal(got, splits) == _normal(_fresh(view, splits), splits)
        assert set(snapshot._ENCODED) == {id(x) for x in view}  # the memo holds this view and nothing else
        splits = got[2]


def test_a_split_made_again_gets_a_fresh_token(monkeypatch) -> None:
    """A writer that rebuilds (its index went missing) splits a crowded head anew: never with a token an
    earlier layout had, or a reader could take a child of one layout for the other's."""
    monkeypatch.setattr(snapshot, "SPLIT_AT", 1)
    monkeypatch.setattr(snapshot, "UNSPLIT_AT", 0)
    base = Lease("x", 1, "l", "", ("a/**",), "h", 0, 0, 60_000)
    view = leases_from_rows([lease_to_row(base.replace(lease_id=f"L{i}", fence=i, tree=(f"a/d{i}/**",)))
                             for i in range(3)])
    first = snapshot.encode(view, {})[2]
    again = snapshot.encode(view, {})[2]
    assert set(first) == set(again) == {"a"} and first["a"] != again["a"]
    assert snapshot.encode(view, first)[2] == first  # a published split keeps its token
