"""Round trips per lease operation on PostgreSQL, counted on the wire, and the fused write's safety."""

from __future__ import annotations

from typing import Iterator

import psycopg
import pytest

from dos.errors import StoreError
from dos.kernel.lanes import LaneRequest
from dos.store import pg_fast, pg_heads
from dos.store.leases import Store
from dos.store.postgres import PostgresEngine
from tests.store_pg.roundtrips import TWO_LANES, RoundTripRelay

TAXONOMY = TWO_LANES


@pytest.fixture
def store(relay: RoundTripRelay) -> Iterator[Store]:
    """A store whose engine talks to the server through RELAY, warmed up (schema and sequences in use),
    on the general path: every decision by the client (the one-statement operations are tested below)."""
    s = Store(PostgresEngine(relay.url, schema="rt"), TAXONOMY)
    s.engine.quiet = False
    got = s.acquire(LaneRequest(lane="a"), holder="warm")
    s.release(lease_id=got.lease.lease_id, holder="warm")
    yield s
    s.close()


def trips(relay: RoundTripRelay, fn, *args, **kw):
    before = relay.count
    out = fn(*args, **kw)
    return relay.count - before, out


class TestRoundTrips:
    def test_acquire_and_release_take_two_each(self, store: Store, relay: RoundTripRelay) -> None:
        """A granted acquire and its release each cost two round trips (was 6 and 5)."""
        for _ in range(3):
            n, got = trips(relay, store.acquire, LaneRequest(lane="a"), holder="w1")
            assert got.granted and n == 2
            n, gone = trips(relay, store.release, lease_id=got.lease.lease_id, holder="w1")
            assert gone is not None and n == 2

    def test_refusal_heartbeat_adopt_scavenge_take_two_each(self, store: Store, relay: RoundTripRelay) -> None:
        held = store.acquire(LaneRequest(lane="a"), holder="w1").lease
        n, refused = trips(relay, store.acquire, LaneRequest(lane="a"), holder="w2")
        assert not refused.granted and n == 2
        n, beat = trips(relay, store.heartbeat, lease_id=held.lease_id, holder="w1")
        assert beat is not None and n == 2
        n, new = trips(relay, store.adopt, lane="a", new_holder="w3")
        assert new.holder == "w3" and new.fence > held.fence and n == 2
        n, none = trips(relay, store.scavenge, lease_id=new.lease_id)
        assert none is None and n == 2  # live: nothing scavenged, still one decision

    def test_scavenging_acquire_takes_two(self, pg_url: str, relay: RoundTripRelay) -> None:
        """An acquire that scavenges an expired lease first still sends everything with its commit."""
        t = [10_000_000]
        s = Store(PostgresEngine(relay.url, schema="rt_clock", clock=lambda: t[0]), TAXONOMY)
        s.engine.quiet = False
        try:
            s.release(lease_id=s.acquire(LaneRequest(lane="b"), holder="warm").lease.lease_id, holder="warm")
            old = s.acquire(LaneRequest(lane="a"), holder="w1", ttl_ms=1_000).lease
            t[0] += 5_000
            n, got = trips(relay, s.acquire, LaneRequest(lane="a"), holder="w2")
            assert got.granted and got.scavenged == (old.lease_id,) and n == 2
            assert got.lease.fence > old.fence
            assert s.replay() == s.view()
        finally:
            s.close()

    def test_statements_are_prepared(self, store: Store) -> None:
        """The view read and the inserts run as named prepared statements on the kept connection."""
        store.release(lease_id=store.acquire(LaneRequest(lane="a"), holder="w1").lease.lease_id, holder="w1")
        with store.engine.write() as tx:
            names = [r[0] for r in tx.execute("SELECT statement FROM pg_prepared_statements")]
        assert any("FROM leases ORDER BY fence" in x for x in names)
        assert any(x.startswith("INSERT INTO events (seq,") for x in names)


class TestQuietStatements:
    def test_a_quiet_acquire_and_an_own_release_take_one_statement_each(self, store: Store, relay: RoundTripRelay) -> None:
        """A grant no live lease can change, and releasing one's own lease by id: one round trip each, though
        the suite's server waits for its flushes, so writes commit visible first (a procedure's two commits)."""
        store.engine.quiet = True
        one = 1
        assert store.engine._ask_visible_first()
        first = store.acquire(LaneRequest(lane="a"), holder="w0").lease  # each call is prepared on first use
        store.release(lease_id=first.lease_id, holder="w0")
        other = store.acquire(LaneRequest(lane="b"), holder="w2").lease  # a lease of a quiet shape for lane a
        for _ in range(3):
            n, got = trips(relay, store.acquire, LaneRequest(lane="a"), holder="w1")
            assert got.granted and got.lease.fence > other.fence and n == one
            n, gone = trips(relay, store.release, lease_id=got.lease.lease_id, holder="w1")
            assert gone == got.lease and n == one
        n, none = trips(relay, store.release, lease_id=other.lease_id, holder="someone else")
        assert none is None and n == one
        n, refused = trips(relay, store.acquire, LaneRequest(lane="b"), holder="w3")
        assert not refused.granted and n == one + 2  # b's own holder is in the view: one call, then the arbiter
        assert store.replay() == store.view()


def test_reading_the_server_clock_takes_one_round_trip(store: Store, relay: RoundTripRelay) -> None:
    """``Store.now_ms`` (the CLI's default loop_ts reads it before an acquire) asks the server once."""
    first = store.now_ms()
    n, second = trips(relay, store.now_ms)
    assert n == 1 and second >= first > 1_600_000_000_000


class TestLocalSequences:
    def test_seqs_and_fences_match_the_server_sequences(self, store: Store) -> None:
        """Values handed out without a round trip are what the sequences hold once committed."""
        got = [store.acquire(LaneRequest(lane=lane), holder="w") for lane in ("a", "b")]
        with store.engine.write() as tx:
            fence_last = tx.execute("SELECT last_value FROM fence_seq")[0][0]
            seq_last = tx.execute("SELECT pg_sequence_last_value(pg_get_serial_sequence('events', 'seq')::regclass)"
                                  )[0][0]
            high_seq = tx.execute("SELECT max(seq) FROM events")[0][0]
        assert fence_last == max(g.lease.fence for g in got)
        assert seq_last == high_seq

    def test_unknown_statement_settles_first(self, store: Store) -> None:
        """A raw insert between two local draws gets the next server value; all seqs distinct and in order."""
        from dos.store.live import EVENT_INSERT, event_values

        with store.engine.write_reading("SELECT 1") as tx:
            first = tx.execute(EVENT_INSERT, event_values(tx.now_ms(), "X1"))[0][0]
            tx.execute("INSERT INTO events (ts_ms, op) VALUES (?, 'X2')", (tx.now_ms(),))
            third = tx.execute(EVENT_INSERT, event_values(tx.now_ms(), "X3"))[0][0]
            f1, f2 = tx.next_fence(), tx.next_fence()
        with store.engine.read() as tx:
            rows = tx.execute("SELECT seq, op FROM events WHERE op LIKE 'X%' ORDER BY seq")
        assert [op for _, op in rows] == ["X1", "X2", "X3"]
        assert rows[0][0] == first and rows[2][0] == third and f2 > f1
        got = store.acquire(LaneRequest(lane="a"), holder="after")
        assert got.lease.fence > f2

    def test_a_sequence_moved_outside_the_lock_writes_nothing(self, store: Store, pg_url: str) -> None:
        """If something draws a fence without the workspace lock, the fused write fails closed."""
        before = store.count_events()
        with pytest.raises(StoreError, match="sequence moved"):
            with store.engine.write_reading("SELECT 1") as tx:
                tx.next_fence()
                with psycopg.connect(pg_url, autocommit=True) as rogue:
                    rogue.execute("SELECT nextval('rt.fence_seq')")
                store._append(tx, "HALT", reason="must not land")
        assert store.count_events() == before
        got = store.acquire(LaneRequest(lane="a"), holder="w1")  # the engine is usable, and fences still rise
        assert got.granted

    def test_an_error_in_a_held_statement_rolls_everything_back(self, store: Store) -> None:
        """A statement held until COMMIT that fails aborts the whole transaction."""
        before = store.count_events()
        with pytest.raises(StoreError, match="duplicate key"):
            with store.engine.write() as tx:
                store._append(tx, "HALT", reason="must not land")
                tx.execute("INSERT INTO meta (key, value) VALUES ('schema_version', 'x')")
        assert store.count_events() == before
        assert store.acquire(LaneRequest(lane="a"), holder="w1").granted


def test_a_role_that_may_not_create_the_functions_takes_the_general_path(pg_url: str) -> None:
    """A schema an older dos made under another role has no functions, and this role may not create them:
    every operation still works, on the general path, and nothing is left half made."""
    import uuid

    role = f"dos_lim_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        owner = Store(PostgresEngine(pg_url, schema="old"), TAXONOMY)
        owner.engine.migrate()
        owner.close()
        admin.execute("DROP ROUTINE " + ", ".join(f"old.{name}" for name in (*pg_fast.NAMES, pg_heads.NAME))
                      + " CASCADE")  # the heads index goes with its function
        admin.execute(f"CREATE ROLE {role} LOGIN")
        admin.execute(f"GRANT USAGE ON SCHEMA old TO {role}")
        admin.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA old TO {role}")
        admin.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA old TO {role}")
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(pg_url)
    as_role = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))
    limited = Store(PostgresEngine(as_role, schema="old"), TAXONOMY)
    try:
        got = limited.acquire(LaneRequest(lane="a"), holder="w1")
        assert got.granted and limited.engine.quiet is False
        assert limited.release(lease_id=got.lease.lease_id, holder="w1") is not None
        assert limited.acquire(LaneRequest(lane="a"), holder="w2").granted
        assert limited.replay() == limited.view()
        with psycopg.connect(pg_url, autocommit=True) as admin:
            made = admin.execute("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                                 "WHERE n.nspname = 'old' AND p.proname LIKE 'dos_%'").fetchone()[0]
        assert made == 0
    finally:
        limited.close()


def test_a_role_that_may_not_create_the_procedures_keeps_the_one_statement_functions(pg_url: str) -> None:
    """A schema whose visible-first procedures are missing (an older dos made it) and a role that may not
    create them: quiet operations call the functions as before, one round trip each, committing under their
    locks, and nothing is written twice."""
    import uuid

    role = f"dos_half_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        owner = Store(PostgresEngine(pg_url, schema="half"), TAXONOMY)
        owner.engine.migrate()
        owner.close()
        admin.execute(f"DROP PROCEDURE half.{pg_fast.GRANT_DURABLE}, half.{pg_fast.RELEASE_DURABLE}")
        admin.execute(f"CREATE ROLE {role} LOGIN")
        admin.execute(f"GRANT USAGE ON SCHEMA half TO {role}")
        admin.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA half TO {role}")
        admin.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA half TO {role}")
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(pg_url)
    limited = Store(PostgresEngine(urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}")),
                                   schema="half"), TAXONOMY)
    try:
        got = limited.acquire(LaneRequest(lane="a"), holder="w1")
        assert got.granted and limited.engine.quiet and limited.engine._procedures is False
        assert limited.engine.visible_first  # the general path still commits visible first
        before = limited.engine.round_trips
        assert limited.release(lease_id=got.lease.lease_id, holder="w1") is not None
        again = limited.acquire(LaneRequest(lane="a"), holder="w2")
        assert again.granted and limited.engine.round_trips - before == 2
        assert [x.holder for x in limited.live_leases()] == ["w2"]
        assert limited.replay() == limited.view()
    finally:
        limited.close()
