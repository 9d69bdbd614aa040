"""Reads of the live set on PostgreSQL in two round trips, counted on the wire, and still right."""

from __future__ import annotations



from dos.kernel.lanes import LaneRequest
from dos.store.leases import Store
from dos.store.postgres import PostgresEngine
from tests.store_pg.roundtrips import TWO_LANES, RoundTripRelay

TAXONOMY = TWO_LANES


def _counted(relay: RoundTripRelay, fn):
    before = relay.count
    out = fn()
    return relay.count - before, out


def test_live_leases_and_leases_take_two_round_trips(relay: RoundTripRelay) -> None:
    """BEGIN, the clock and the view read go in one pipeline; COMMIT is the second (was 4)."""
    t = [50_000_000]
    for clock in (None, lambda: t[0]):  # the server's clock, and an injected one
        store = Store(PostgresEngine(relay.url, schema="rt_read", clock=clock), TAXONOMY)
        try:
            a = store.acquire(LaneRequest(lane="a"), holder="w1", ttl_ms=60_000).lease
            b = store.acquire(LaneRequest(lane="b"), holder="w2", ttl_ms=1).lease
            t[0] += 10
            for _ in range(3):
                n, live = _counted(relay, store.live_leases)
                assert n == 2
                if clock is not None:
                    assert [x.lease_id for x in live] == [a.lease_id]  # b's 1 ms ran out on the injected clock
                n, rows = _counted(relay, store.leases)
                assert n == 2 and {x.lease_id for x, _ in rows} == {a.lease_id, b.lease_id}
            assert {x.lease_id: x for x, _ in rows} == store.replay()
            store.release(lease_id=a.lease_id, holder="w1")
            store.scavenge(lease_id=b.lease_id) if clock is not None else store.release(lease_id=b.lease_id,
                                                                                       holder="w2")
            assert store.live_leases() == [] and store.leases() == []
        finally:
            store.close()


def test_a_read_before_the_schema_exists_reads_empty_and_creates_nothing(relay: RoundTripRelay,
                                                                          pg_url: str) -> None:
    store = Store(PostgresEngine(relay.url, schema="rt_fresh"), TAXONOMY)
    try:
        assert store.live_leases() == [] and store.leases() == []
        assert store.engine.schema_version() == 0
    finally:
        store.close()


def test_the_read_sees_one_snapshot_while_a_writer_commits(relay: RoundTripRelay, pg_url: str) -> None:
    """A grant committed by another connection shows in the next read, never half of one."""
    reader = Store(PostgresEngine(relay.url, schema="rt_snap"), TAXONOMY)
    writer = Store(PostgresEngine(pg_url, schema="rt_snap"), TAXONOMY)
    try:
        got = writer.acquire(LaneRequest(lane="a"), holder="w1").lease
        assert [x.lease_id for x in reader.live_leases()] == [got.lease_id]
        with reader._read_viewing() as tx:
            first = reader._view(tx)
            writer.release(lease_id=got.lease_id, holder="w1")
            assert reader._view(tx) == first  # the same snapshot: the release is not seen mid-read
        assert reader.live_leases() == []
    finally:
        reader.close()
        writer.close()
