"""The screens on both engines, and the PostgreSQL live path: LISTEN wakes the log watcher at once."""

from __future__ import annotations

import threading

import pytest

from dos.service import decisions as sd
from dos.service import fleet
from tests.screens.kit import acquire, context, row


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, monkeypatch) -> str:
    if request.param == "postgres":
        monkeypatch.setenv("DOS_STORE_URL", request.getfixturevalue("pg_url"))
    return request.param


def test_snapshot_and_queue_read_alike_on_each_engine(fleet_ws, engine, run_dos) -> None:
    with context(fleet_ws.path) as ctx:
        assert ctx.store.engine.name == engine
        before = fleet.snapshot(ctx)
        assert before["seq"] == 0 and before["tally"]["free"] == 4
        acquire(ctx, "api", "alice", session="s-a")
        ctx.store.halt("123", lane="api", reason="stuck")
        snap = fleet.snapshot(ctx)
        assert row(snap, "api")["holder"] == "alice" and row(snap, "api")["liveness"] == "ADVANCING"
        assert [x.kind for x in sd.queue(ctx, plans=False)] == ["LIVENESS"]
        assert fleet.log_position(ctx)[0] == snap["seq"] == 2


def test_postgres_watcher_listens_and_the_stores_notify_wakes_it(fleet_ws, pg_url, monkeypatch) -> None:

    monkeypatch.setenv("DOS_STORE_URL", pg_url)
    with context(fleet_ws.path) as ctx:
        acquire(ctx, "api", "alice")
    seen: list[tuple[int, int]] = []
    moved = threading.Event()

    def on_change(pos: tuple[int, int]) -> None:
        seen.append(pos)
        if pos[0] >= 2:
            moved.set()

    watcher = fleet.LogWatcher(lambda: context(fleet_ws.path), on_change, pg_poll_s=600).start()
    try:
        for _ in range(200):
            if watcher.listening and seen:
                break
            threading.Event().wait(0.05)
        assert watcher.listening and seen[-1][0] == 1
        with context(fleet_ws.path) as ctx:
            acquire(ctx, "docs", "bob")  # the store NOTIFYs at commit; the poll floor is 600 s
        assert moved.wait(30), "the NOTIFY woke the watcher"
        assert watcher.wakeups >= 1 and seen[-1][0] == 2
    finally:
        watcher.stop()
