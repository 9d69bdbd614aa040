"""Run ids: format, ordering, decoding and lineage."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dos.kernel.runid import LENGTH, is_run_id, mint, mint_run_id, ts_ms_of

TS = st.integers(0, 32 ** 9 - 1)


def test_known_shape() -> None:
    rid = mint_run_id(1_764_073_942_123, 0x3FFFFFFF)
    assert len(rid) == LENGTH == 19 and rid.startswith("RID-") and rid.endswith("ZZZZZZ")
    assert ts_ms_of(rid) == 1_764_073_942_123


@given(TS, st.integers(0, 2 ** 40))
def test_roundtrip(ts: int, entropy: int) -> None:
    rid = mint_run_id(ts, entropy)
    assert is_run_id(rid) and ts_ms_of(rid) == ts


@given(TS, TS, st.integers(0, 2 ** 30 - 1), st.integers(0, 2 ** 30 - 1))
def test_lexicographic_order_is_time_order(a: int, b: int, ea: int, eb: int) -> None:
    if a < b:
        assert mint_run_id(a, ea) < mint_run_id(b, eb)


def test_distinct_entropy_distinct_ids() -> None:
    assert len({mint_run_id(5, e) for e in range(1000)}) == 1000


@pytest.mark.parametrize("text", ["", "RID-", "rid-0000000000000000", "RID-00000000000000I", "RID-0000000000000000",
                                  "XID-000000000000000", "RID-000000000000000x"])
def test_invalid(text: str) -> None:
    assert not is_run_id(text) and ts_ms_of(text) is None


def test_out_of_range_time_rejected() -> None:
    with pytest.raises(ValueError):
        mint_run_id(-1, 0)


def test_lineage() -> None:
    root = mint("dispatch", 1000, 1)
    assert root.root_id == root.run_id and root.parent_id is None and root.process_id == "PROC-dispatch"
    child = mint("PROC-worker", 2000, 2, parent=root.run_id)
    assert child.parent_id == root.run_id and child.root_id == root.run_id and child.process_id == "PROC-worker"
    grandchild = mint("w", 3000, 3, parent=child.run_id, root=root.run_id)
    assert grandchild.root_id == root.run_id
    assert set(root.to_dict()) == {"run_id", "process_id", "parent_id", "root_id", "ts_ms"}


def test_a_parent_that_is_not_a_run_id_is_recorded_but_gives_no_lineage() -> None:
    """As the reference: the string is kept as parent_id, and the run is its own root."""
    odd = mint("w", 1, 1, parent="nope")
    assert odd.parent_id == "nope" and odd.root_id == odd.run_id
    with pytest.raises(ValueError, match="not a run id"):
        mint("w", 1, 1, root="nope")
    with pytest.raises(ValueError):
        mint("  ", 1, 1)


def test_pid_mixed_into_entropy() -> None:
    a = mint("w", now_ms=7, pid=100)
    b = mint("w", now_ms=7, pid=101)
    assert a.run_id != b.run_id and a.ts_ms == b.ts_ms == 7
