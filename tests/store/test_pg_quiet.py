"""PostgreSQL's one-statement grant and release (``dos.store.pg_fast``) against the general path.

The same random operations run on two workspaces of one server with one clock: one store
takes quiet grants and own-lease releases in one server statement, the other always decides
in the client. Verdicts, leases and the logs must match byte for byte (lease ids aside). Then
real processes race quiet and general operations on overlapping lanes while another tails the
log: no two live leases ever collide, and the tail misses no event.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from dos.kernel.lanes import LaneRequest
from dos.kernel.tree import LockMode, trees_collide
from dos.store.leases import Store
from tests.store.conftest import StoreFactory
from tests.store.storehelp import write_lanes

LANES = {"api": ["api/**"], "web": ["web/**"], "all": ["**/*.py"], "docs": ["docs/**"], "global": ["**/*"]}
LOOP_TS = ["2026-12-03T10:00:00Z", "", 'q"uote\\back', "ünïcode", "tab\there"]
_ID = re.compile(r"\b[0-9a-f]{32}\b")  # new_lease_id()


@pytest.fixture
def pg(pg_url: str) -> StoreFactory:
    factory = StoreFactory("postgres", {"DOS_STORE_URL": pg_url, "DOS_STORE_SCHEMA": "dos_test"})
    yield factory
    for store in factory.opened:
        store.close()


class _Ids:
    """Lease ids by order of first appearance, so two stores' logs compare."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def __call__(self, text: Any) -> Any:
        if not isinstance(text, str):
            return text
        return _ID.sub(lambda m: self.names.setdefault(m.group(0), f"<lease {len(self.names)}>"), text)


def _lease(lease: Any, ids: _Ids) -> Any:
    return None if lease is None else {k: ids(v) for k, v in lease.to_dict().items()}


def _journal(on: bool, syscall: str, **kw: Any) -> Any:
    """The journal callback the service passes (lease_journal), or None."""
    if not on:
        return None
    from dos.service.journal import lease_journal

    return lease_journal(None, syscall, **kw)


def _step(store: Store, rng: random.Random, held: list[tuple[str, str, str]], ids: _Ids, journal: bool) -> Any:
    roll = rng.random()
    holder = rng.choice(["h1", "h2", "h3"])
    if roll < 0.55 or not held:
        lane = rng.choice(["api", "web", "all", "docs", "API", "global", "kw", "", "nope"])
        tree = tuple(rng.choice([["kw/**"], ["api/x/**"], []])) if lane in ("kw", "api") and rng.random() < 0.4 else ()
        kind = rng.choice(["", "", "cluster", "keyword"]) if not tree else "keyword"
        req = LaneRequest(lane=lane, kind=kind, tree=tree, mode=rng.choice([LockMode.EXCLUSIVE, LockMode.SHARED]))
        run_id, session = rng.choice(["", "run-1", "rün"]), rng.choice(["", "s1"])
        got = store.acquire(req, holder=holder, ttl_ms=rng.choice([50, 400, 5_000]), loop_ts=rng.choice(LOOP_TS),
                            run_id=run_id, session=session,
                            journal=_journal(journal, "acquire", run_id=run_id, session=session, lane=lane,
                                             holder=holder))
        if got.lease is not None:
            held.append((got.lease.lease_id, got.lease.holder, got.lease.lane))
        return ("acquire", {k: ids(json.dumps(v)) for k, v in got.to_dict().items()})
    lease_id, owner, lane = held.pop(rng.randrange(len(held)))
    if roll < 0.8:
        return ("release", _lease(store.release(lease_id=lease_id, holder=owner,
                                                journal=_journal(journal, "release", holder=owner)), ids))
    if roll < 0.88:
        return ("release-other", _lease(store.release(lease_id=lease_id, holder=owner + "x",
                                                      journal=_journal(journal, "release", holder=owner + "x")), ids))
    if roll < 0.94:
        return ("release-lane", _lease(store.release(lane=lane, holder=owner,
                                                     journal=_journal(journal, "release", lane=lane, holder=owner)),
                                       ids))
    held.append((lease_id, owner, lane))
    return ("heartbeat", _lease(store.heartbeat(lease_id=lease_id, holder=owner,
                                                journal=_journal(journal, "heartbeat", holder=owner)), ids))


def _log(store: Store, ids: _Ids) -> list[tuple[Any, ...]]:
    with store.engine.read() as tx:
        rows = tx.execute("SELECT seq, ts_ms, op, lane, lease_id, holder, host_id, reason, data FROM events ORDER BY seq")
    return [tuple(ids(v) for v in row) for row in rows]


def _chain(store: Store, ids: _Ids) -> list[tuple[Any, ...]]:
    """The journal rows, every column but the two hashes a lease id feeds (they differ with the ids)."""
    from dos.store import journal

    with store.engine.read() as tx:
        check = journal.verify(tx)
        assert check.broken == 0, check.problems
        rows = tx.execute("SELECT seq, ts_ms, syscall, verdict, run_id, session, lane, subject, detail, source, "
                          "event_seq FROM verdicts ORDER BY seq")
    return [tuple(ids(v) for v in row) for row in rows]


@pytest.mark.parametrize("seed, journal", [(0, False), (1, False), (2, True), (3, True), (4, True)])
def test_quiet_statements_decide_and_write_exactly_what_the_general_path_does(
        pg: StoreFactory, tmp_path: Path, seed: int, journal: bool) -> None:
    root = write_lanes(tmp_path / "ws", LANES, exclusive=("global",))
    now = [1_000_000]
    quiet = pg.make(root, clock=lambda: now[0], schema=f"quiet_{seed}")
    general = pg.make(root, clock=lambda: now[0], schema=f"general_{seed}")
    general.engine.quiet = False
    rng_q, rng_g = random.Random(seed), random.Random(seed)
    held_q: list[tuple[str, str, str]] = []
    held_g: list[tuple[str, str, str]] = []
    ids_q, ids_g = _Ids(), _Ids()
    one_trip = {"acquire": 0, "release": 0}
    for _ in range(200):
        before = quiet.engine.round_trips
        got_q = _step(quiet, rng_q, held_q, ids_q, journal)
        if quiet.engine.round_trips - before == 1 and got_q[0] in one_trip:
            one_trip[got_q[0]] += 1
        got_g = _step(general, rng_g, held_g, ids_g, journal)
        assert got_q == got_g
        now[0] += rng_q.choice([0, 1, 7, 60, 300])
        rng_g.choice([0, 1, 7, 60, 300])
    assert _log(quiet, ids_q) == _log(general, ids_g)
    assert _chain(quiet, ids_q) == _chain(general, ids_g)
    assert bool(_chain(quiet, ids_q)) == journal
    assert quiet.replay() == quiet.view() and general.replay() == general.view()
    # The test is about the quiet statements: make sure they really decided a good share of it.
    assert one_trip["acquire"] >= 5 and one_trip["release"] >= 5, one_trip


def test_a_quiet_grant_takes_one_statement_and_a_foreign_lease_sends_it_to_the_arbiter(
        pg: StoreFactory, tmp_path: Path) -> None:
    root = write_lanes(tmp_path / "ws", LANES, exclusive=("global",))
    store = pg.make(root)
    store.acquire(LaneRequest(lane="web"), holder="warm")  # the schema and functions exist after this
    before = store.engine.round_trips
    api = store.acquire(LaneRequest(lane="api"), holder="a")
    assert api.granted and store.engine.round_trips - before == 1
    # A keyword lease under api/ is no quiet shape for api: the arbiter decides, and refuses.
    kw = store.acquire(LaneRequest(lane="kw", kind="keyword", tree=("web/k/**",)), holder="k")
    assert not kw.granted and "web" in kw.decision.reason
    store.release(lease_id=store.live_leases()[0].lease_id, holder="warm")
    kw = store.acquire(LaneRequest(lane="kw", kind="keyword", tree=("web/k/**",)), holder="k")
    assert kw.granted
    before = store.engine.round_trips
    web = store.acquire(LaneRequest(lane="web", kind="cluster"), holder="w")
    assert not web.granted and "kw" in web.decision.reason and store.engine.round_trips - before > 1
    before = store.engine.round_trips
    assert store.release(lease_id=api.lease.lease_id, holder="a") is not None
    assert store.engine.round_trips - before == 1


def test_racing_quiet_and_general_operations_never_grant_colliding_leases_nor_hide_an_event(
        pg: StoreFactory, tmp_path: Path) -> None:
    root = write_lanes(tmp_path / "ws", LANES, exclusive=("global",))
    pg.make(root).acquire(LaneRequest(lane="docs"), holder="warm", ttl_ms=1)  # create the schema first
    go, stop = tmp_path / "go", tmp_path / "stop"
    follower = pg.spawn("follow", str(root), str(go), str(stop))
    workers = [pg.spawn("churn", str(root), f"w{i}", "80", str(i), str(go)) for i in range(8)]
    go.touch()
    counts = []
    for p in workers:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        counts.append(json.loads(out))
    stop.touch()
    out, err = follower.communicate(timeout=120)
    assert follower.returncode == 0, err
    seen = json.loads(out)

    store = pg.make(root)
    events = store.events()
    assert seen == [e.seq for e in events], "the tail missed or reordered events"
    assert sum(c["granted"] for c in counts) > 30 and sum(c["refused"] for c in counts) > 0, counts
    live: dict[str, dict[str, Any]] = {}
    for e in events:  # an overlap check of its own over the log, in seq order
        if e.op == "ACQUIRE":
            new = e.data["lease"]
            for other in live.values():
                both_shared = new["mode"] == other["mode"] == "shared"
                assert both_shared or not trees_collide(new["tree"], other["tree"]), (new, other)
            live[e.lease_id] = new
        elif e.op in ("RELEASE", "SCAVENGE"):
            live.pop(e.lease_id, None)
    assert store.replay() == store.view()


def test_the_server_fills_in_the_same_bytes_whatever_standard_conforming_strings_says(
        pg: StoreFactory, tmp_path: Path) -> None:
    """The markers are escape-string literals: with standard_conforming_strings off on the connection that
    creates and first runs the functions, the journaled quiet grant and release still chain and link."""
    from dos.store import journal

    root = write_lanes(tmp_path / "ws", LANES, exclusive=("global",))
    store = pg.make(root, schema="scs_off")
    store.engine._conn.execute("SET standard_conforming_strings = off")
    for _ in range(2):  # the second time round, each call is prepared: one round trip each
        before = store.engine.round_trips
        got = store.acquire(LaneRequest(lane="api"), holder="h", run_id="r1",
                            journal=_journal(True, "acquire", run_id="r1", lane="api", holder="h"))
        assert got.granted
        gone = store.release(lease_id=got.lease.lease_id, holder="h", journal=_journal(True, "release", holder="h"))
        assert gone is not None
    assert store.engine.round_trips - before == 2
    (acquired, released) = store.events()[-2:]
    assert acquired.data["lease"]["fence"] == got.lease.fence and released.data == {"fence": got.lease.fence,
                                                                                    "loop_ts": ""}
    with store.engine.read() as tx:
        check = journal.verify(tx)
        rows = tx.execute("SELECT syscall, verdict, run_id, lane, event_seq FROM verdicts ORDER BY seq")
    assert check.broken == 0, check.problems
    assert [tuple(r) for r in rows][-2:] == [("acquire", "ACQUIRE", "r1", "api", acquired.seq),
                                             ("release", "RELEASED", "r1", "api", released.seq)]


def test_a_quiet_grant_stays_one_statement_beside_many_leases_whatever_their_trees_spell(
        pg: StoreFactory, tmp_path: Path) -> None:
    """The server looks each lease in the view up in the grant's shape set: a key that did not spell a
    tree byte for byte as the store writes it would send every grant to the arbiter."""
    odd = ["ünï", 'quo"te', "back\\slash", "tab\tbed", "日本"]
    lanes = {f"l{i}": [f"{odd[i % len(odd)]}{i}/**"] for i in range(40)}
    root = write_lanes(tmp_path / "ws", {**lanes, "global": ["**/*"]}, exclusive=("global",))
    store = pg.make(root)
    for lane in list(lanes)[1:]:
        assert store.acquire(LaneRequest(lane=lane), holder=f"h-{lane}").granted
    for lane in ("l0", "l0"):
        before = store.engine.round_trips
        got = store.acquire(LaneRequest(lane=lane), holder="me")
        assert got.granted and store.engine.round_trips - before == 1
        before = store.engine.round_trips
        assert store.release(lease_id=got.lease.lease_id, holder="me") is not None
        assert store.engine.round_trips - before == 1
    # A lease on l0 itself is no quiet shape for l0: the arbiter decides, and refuses.
    assert store.acquire(LaneRequest(lane="l0"), holder="first").granted
    before = store.engine.round_trips
    again = store.acquire(LaneRequest(lane="l0"), holder="second")
    assert not again.granted and "first" in again.decision.reason and store.engine.round_trips - before > 1
