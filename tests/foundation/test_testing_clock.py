"""The FakeClock tests use to move time: forward only, and what a store decides follows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dos.config import Workspace, load_config
from dos.kernel.lanes import LaneRequest
from dos.service import leases
from dos.service.context import Context
from dos.testing import FakeClock


def test_advance_moves_forward_only() -> None:
    clock = FakeClock(1_000)
    assert clock() == 1_000 and clock.advance(1.5) == 2_500 and clock.advance(ms=5) == 2_505
    with pytest.raises(ValueError):
        clock.advance(-1)
    assert clock() == 2_505


def test_a_lease_expires_when_the_clock_passes_its_ttl(tmp_path: Path) -> None:
    clock = FakeClock(1_700_000_000_000)
    with Context(Workspace(tmp_path, "--workspace"), load_config(tmp_path), clock=clock) as ctx:
        assert leases.acquire(ctx, LaneRequest(lane="a", tree=("a/",)), holder="x", ttl_ms=60_000).granted
        assert not leases.acquire(ctx, LaneRequest(lane="a", tree=("a/",)), holder="y", ttl_ms=60_000).granted
        clock.advance(61)
        taken = leases.acquire(ctx, LaneRequest(lane="a", tree=("a/",)), holder="y", ttl_ms=60_000)
        assert taken.granted
