"""An answered write outlives a server crash, though writes commit visible first.

A write's own commit does not wait for its WAL flush; the client is answered only after
DURABLE, whose flush covers it (``dos.store.pg_write``). The server here is crashed
(an immediate stop: its WAL buffers are lost) right after each answer, with the WAL
writer told to wait ten seconds between its own flushes, so only the answer's flush can
have saved the write. With DURABLE left out, the writes below are lost.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest

from dos.kernel.lanes import LaneRequest
from dos.kernel.lease import Op
from dos.service.journal import lease_journal
from tests.pgserver import PgServer, _serving, start_server
from tests.store.conftest import StoreFactory
from tests.store.storehelp import write_lanes

LANES = {"api": ["api/**"], "web": ["web/**"], "global": ["**/*"]}


@pytest.fixture
def slow_writer_server() -> Iterator[PgServer]:
    """A server of this test's own whose WAL writer flushes nothing for ten seconds."""
    yield from _serving(lambda: start_server(settings=("-c", "wal_writer_delay=10000ms",
                                                       "-c", "wal_writer_flush_after=0")))


def test_an_answered_write_outlives_a_crash_right_after_its_answer(slow_writer_server: PgServer,
                                                                   tmp_path: Path) -> None:
    server = slow_writer_server
    url = server.create_database()
    root = write_lanes(tmp_path / "ws", LANES, exclusive=("global",))
    factory = StoreFactory("postgres", {"DOS_STORE_URL": url, "DOS_STORE_SCHEMA": "crash"})

    def after_crash():
        server.crash()
        server.start_again()
        return factory.make(root)

    store = factory.make(root)
    store.acquire(LaneRequest(lane="web"), holder="warm")  # schema, functions and prepared calls in place
    assert store.engine.visible_first  # the suite's server waits for flushes: the path under test is taken

    api = store.acquire(LaneRequest(lane="api"), holder="a", run_id="r1",  # quiet, journaled
                        journal=lease_journal(None, "acquire", run_id="r1", lane="api", holder="a")).lease
    store = after_crash()
    assert {x.lease_id for x in store.live_leases()} >= {api.lease_id}
    with store.engine.read() as tx:
        assert ("acquire", "api") in {tuple(r) for r in tx.execute("SELECT syscall, lane FROM verdicts")}

    assert store.release(lease_id=api.lease_id, holder="a") is not None  # quiet
    store = after_crash()
    assert api.lease_id not in {x.lease_id for x in store.live_leases()}

    web = [x for x in store.live_leases() if x.lane == "web"][0]
    store.release(lease_id=web.lease_id, holder="warm")
    big = store.acquire(LaneRequest(lane="global"), holder="g").lease  # exclusive: the general path
    assert big is not None
    store = after_crash()
    assert [x.lease_id for x in store.live_leases()] == [big.lease_id]
    beat = store.heartbeat(lease_id=big.lease_id, holder="g")  # the general path again, on a fresh engine
    store = after_crash()
    assert store.live_leases()[0].heartbeat_ms == beat.heartbeat_ms
    assert store.replay() == store.view()


def test_a_session_that_waits_for_no_flush_keeps_one_round_trip_per_quiet_operation(pg_url: str,
                                                                                     tmp_path: Path) -> None:
    """synchronous_commit off for the session (the operator's choice): nothing to wait for, so no DURABLE."""
    url = pg_url + ("&" if "?" in pg_url else "?") + "options=-c%20synchronous_commit%3Doff"
    root = write_lanes(tmp_path / "ws", LANES, exclusive=("global",))
    store = StoreFactory("postgres", {"DOS_STORE_URL": url, "DOS_STORE_SCHEMA": "nosync"}).make(root)
    got = store.acquire(LaneRequest(lane="api"), holder="a")
    assert got.granted and store.engine.visible_first is False
    before = store.engine.round_trips
    assert store.release(lease_id=got.lease.lease_id, holder="a") is not None
    assert store.engine.round_trips - before == 1


def test_a_role_that_may_not_write_the_flush_message_commits_as_before(pg_url: str, tmp_path: Path) -> None:
    """Without EXECUTE on pg_logical_emit_message the probe says no: each write's COMMIT waits for its
    own flush, quiet operations keep one round trip, and every write still lands."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS dos_plain_writer")
        admin.execute("CREATE ROLE dos_plain_writer LOGIN")
        admin.execute("GRANT CREATE ON DATABASE " + pg_url.rsplit("/", 1)[1].split("?")[0] + " TO dos_plain_writer")
        admin.execute("REVOKE EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, text) FROM PUBLIC")
    url = pg_url.replace("postgresql://postgres@", "postgresql://dos_plain_writer@", 1)
    root = write_lanes(tmp_path / "ws", LANES, exclusive=("global",))
    store = StoreFactory("postgres", {"DOS_STORE_URL": url, "DOS_STORE_SCHEMA": "plain"}).make(root)
    got = store.acquire(LaneRequest(lane="api"), holder="a")
    assert got.granted and store.engine.visible_first is False
    big = store.acquire(LaneRequest(lane="global"), holder="g")  # the general path, refused beside api
    assert not big.granted
    assert store.release(lease_id=got.lease.lease_id, holder="a") is not None
    assert store.acquire(LaneRequest(lane="global"), holder="g").granted
    assert store.replay() == store.view()


@pytest.fixture
def own_server() -> Iterator[PgServer]:
    """A server of this test's own: it is told to wait for a standby that never comes."""
    yield from _serving(start_server)


def _standby(url: str, names: str) -> None:
    """Make every commit that waits for its flush also wait for standby NAMES (''; none), and wait until
    the server has read it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{names}'")
        admin.execute("SELECT pg_reload_conf()")
    for _ in range(200):
        with psycopg.connect(url, autocommit=True) as probe:
            if probe.execute("SHOW synchronous_standby_names").fetchone()[0] == names:
                return
        time.sleep(0.05)
    raise AssertionError(f"the server did not take synchronous_standby_names = {names!r}")


def test_a_write_is_visible_and_its_locks_free_before_its_flush_then_answered_after(own_server: PgServer,
                                                                                   tmp_path: Path) -> None:
    """With a standby named that never connects, a commit that waits for its flush never ends (and keeps its
    locks): the write's own commit, which does not wait, is seen from another connection and its locks are
    free while the client is not yet answered, on both paths; once the standby is dropped, it is."""
    import threading

    import psycopg

    from dos.store.pg_fast import LOCK_NAMESPACE, TAIL_NAMESPACE, lock_key

    url = own_server.create_database()
    root = write_lanes(tmp_path / "ws", LANES, exclusive=("global",))
    store = StoreFactory("postgres", {"DOS_STORE_URL": url, "DOS_STORE_SCHEMA": "ghost"}).make(root)
    warm = store.acquire(LaneRequest(lane="web"), holder="warm").lease  # probe, functions, prepared calls
    assert store.engine.visible_first

    def pending(holder: str, call, key: tuple[int, int]) -> None:
        answers: list = []
        worker = threading.Thread(target=lambda: answers.append(call()), daemon=True)
        _standby(own_server.url, "ghost")
        try:
            worker.start()
            with psycopg.connect(url, autocommit=True) as other:
                for _ in range(200):
                    rows = other.execute("SELECT lease_id FROM ghost.leases WHERE holder = %s", (holder,)).fetchall()
                    if rows:
                        break
                    time.sleep(0.05)
                assert rows, f"{holder}'s lease was not visible while its flush waited"
                assert other.execute("SELECT pg_try_advisory_lock(%s, %s)", key).fetchone()[0]  # its lock is free
                other.execute("SELECT pg_advisory_unlock(%s, %s)", key)
            assert worker.is_alive() and not answers  # and it is not answered yet
        finally:
            _standby(own_server.url, "")
        worker.join(30)
        assert answers and answers[0].granted and [answers[0].lease.lease_id] == [r[0] for r in rows]

    tail = (TAIL_NAMESPACE, lock_key("ghost"))
    pending("a", lambda: store.acquire(LaneRequest(lane="api"), holder="a"), tail)  # quiet: one procedure call
    store.release(lease_id=warm.lease_id, holder="warm")
    store.release(lease_id=store.live_leases()[0].lease_id, holder="a")
    pending("g", lambda: store.acquire(LaneRequest(lane="global"), holder="g"),  # exclusive: the general path
            (LOCK_NAMESPACE, lock_key("ghost")))
    assert store.replay() == store.view()


def test_a_role_that_loses_the_flush_message_after_the_probe_writes_each_operation_once(pg_url: str,
                                                                                       tmp_path: Path) -> None:
    """EXECUTE on pg_logical_emit_message revoked while an engine runs: the procedure refuses before it
    writes (never after its commit, which the general path would then grant a second time), the operation
    takes the general path, committing as before, and each grant is written once."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS dos_losing_writer")
        admin.execute("CREATE ROLE dos_losing_writer LOGIN")
        admin.execute("GRANT CREATE ON DATABASE " + pg_url.rsplit("/", 1)[1].split("?")[0] + " TO dos_losing_writer")
    url = pg_url.replace("postgresql://postgres@", "postgresql://dos_losing_writer@", 1)
    root = write_lanes(tmp_path / "ws", LANES, exclusive=("global",))
    store = StoreFactory("postgres", {"DOS_STORE_URL": url, "DOS_STORE_SCHEMA": "losing"}).make(root)
    assert store.acquire(LaneRequest(lane="web"), holder="w").granted and store.engine.visible_first
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("REVOKE EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, text) FROM PUBLIC")
    got = store.acquire(LaneRequest(lane="api"), holder="a")  # refused by the procedure, then the function
    assert got.granted and not store.engine.visible_first and store.engine._procedures is False
    assert sorted(x.lane for x in store.live_leases()) == ["api", "web"]
    assert [e.op for e in store.events()].count(Op.ACQUIRE) == 2
    assert store.release(lease_id=got.lease.lease_id, holder="a") is not None
    assert store.acquire(LaneRequest(lane="global"), holder="g").granted is False  # the general path, re-probed
    assert store.engine.visible_first is False
    assert store.replay() == store.view()


def test_an_export_ships_no_event_before_it_is_durable(own_server: PgServer, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A journaled grant is visible before its flush; ``dos export`` reading it waits for that flush (its own
    DURABLE, behind the standby that never comes) before it sends, so it can never ship an event a crash
    takes back: while both wait, the file holds nothing of the grant; once the standby is dropped, it does."""
    import threading

    import psycopg

    from dos.config import Workspace
    from dos.service.context import Context
    from dos.service.export import export

    url = own_server.create_database()
    root = write_lanes(tmp_path / "ws", LANES, exclusive=("global",))
    monkeypatch.setenv("DOS_STORE_URL", url)
    monkeypatch.setenv("DOS_STORE_SCHEMA", "shipping")
    store = StoreFactory("postgres", {"DOS_STORE_URL": url, "DOS_STORE_SCHEMA": "shipping"}).make(root)
    store.acquire(LaneRequest(lane="web"), holder="w", journal=lease_journal(None, "acquire", lane="web", holder="w"))
    ctx = Context(Workspace(root, "--workspace"))
    out = tmp_path / "out.jsonl"
    assert [r.shipped for r in export(ctx, ["file"], env={"DOS_EXPORT_FILE": str(out)})] == [1]
    assert store.engine.visible_first and ctx.store.engine.visible_first

    def waiting() -> int:
        with psycopg.connect(url, autocommit=True) as other:
            return other.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'").fetchone()[0]

    threads = [threading.Thread(target=lambda: store.acquire(LaneRequest(lane="api"), holder="a", journal=lease_journal(
        None, "acquire", lane="api", holder="a")), daemon=True)]
    runs: list = []
    threads.append(threading.Thread(target=lambda: runs.extend(export(ctx, ["file"], env={"DOS_EXPORT_FILE": str(out)})),
                                    daemon=True))
    _standby(own_server.url, "ghost")
    try:
        threads[0].start()
        for _ in range(200):
            if waiting() == 1:
                break
            time.sleep(0.05)
        threads[1].start()  # the grant is visible now, and not yet durable
        for _ in range(200):
            if waiting() == 2:
                break
            time.sleep(0.05)
        assert waiting() == 2, "the export did not wait for a flush"
        assert '"lane": "api"' not in out.read_text() and '"lane":"api"' not in out.read_text()
    finally:
        _standby(own_server.url, "")
    for t in threads:
        t.join(30)
    assert [r.shipped for r in runs] == [1] and "api" in out.read_text().splitlines()[-1]
