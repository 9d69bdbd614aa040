"""The live set a SQLite store publishes for the hooks is never missing a lease or claim the store has.

Between operations it equals the view; a commit that fails leaves extra entries (a
spurious deny), never fewer; concurrent writers never overwrite each other's lease away.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from dos.config import Workspace, load_config
from dos.errors import StoreError
from dos.kernel.lanes import LaneRequest
from dos.kernel.lease import Op
from dos.service.context import open_store
from dos.store import snapshot
from tests.conftest import dos_env
from tests.store.storehelp import write_lanes

LANES = ("a", "b", "c", "d")


def _store(root: Path):
    if not (root / "dos.toml").exists():
        write_lanes(root, {lane: [f"{lane}/**"] for lane in LANES})
    return open_store(Workspace(root, "--workspace"), load_config(root))


def _published(store) -> dict:
    got = snapshot.read(store.engine.snapshot_path)
    assert got is not None, "a store that changed leases has published them"
    return got


def _ids(leases) -> set[tuple[str, str, int]]:
    return {(x.lease_id, x.holder, x.heartbeat_ms) for x in leases}


OPS = st.lists(st.tuples(st.sampled_from(["acquire", "release", "beat", "adopt", "claim"]),
                         st.sampled_from(LANES), st.sampled_from(["h1", "h2"])), min_size=1, max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPS)
def test_the_published_set_equals_the_view_after_every_operation(tmp_path_factory, ops) -> None:
    root = tmp_path_factory.mktemp("snap").resolve()
    store = _store(root)
    try:
        for op, lane, holder in ops:
            if op == "acquire":
                store.acquire(LaneRequest(lane=lane), holder=holder, session=holder)
            elif op == "release":
                store.release(lane=lane, holder=holder)
            elif op == "beat":
                store.heartbeat(lane=lane, holder=holder)
            elif op == "adopt":
                store.adopt(lane=lane, new_holder=holder, session=holder)
            else:
                store.record(Op.CLAIM, holder=holder, data={"plan": "P", "phase": lane})
            if not Path(store.engine.snapshot_path).exists():
                continue  # nothing that changes leases or claims has happened yet
            pub = _published(store)
            assert _ids(pub["leases"]) == _ids(x for x, _ in store.leases())
            claims = snapshot.read_claims(store.engine.location)
            for session in ("h1", "h2"):
                assert claims.get(session) == store.claim_for(session)
    finally:
        store.close()


def test_a_commit_that_fails_leaves_the_new_lease_published(tmp_path: Path) -> None:
    """The lease is published before the commit; if the commit never happens it stays (fail closed)."""
    store = _store(tmp_path.resolve())
    engine = store.engine
    real_write = engine.write

    class Boom(Exception):
        pass

    from contextlib import contextmanager

    @contextmanager
    def failing_write():
        with real_write() as tx:
            yield tx
            raise Boom  # after the body ran (and published), before COMMIT

    engine.write = failing_write
    with pytest.raises(Boom):
        store.acquire(LaneRequest(lane="a"), holder="h1")
    engine.write = real_write
    assert not store.live_leases(), "the grant was rolled back"
    assert [x.lane for x in _published(store)["leases"]] == ["a"], "but the hooks still see it: a spurious deny"
    store.acquire(LaneRequest(lane="b"), holder="h2")
    assert [x.lane for x in _published(store)["leases"]] == ["b"], "the next write publishes the truth"
    store.close()


def test_a_release_is_published_only_after_its_commit(tmp_path: Path) -> None:
    store = _store(tmp_path.resolve())
    got = store.acquire(LaneRequest(lane="a"), holder="h1").lease
    real_write = store.engine.write
    seen = []

    from contextlib import contextmanager

    @contextmanager
    def watching_write():
        with real_write() as tx:
            yield tx
            seen.append([x.lease_id for x in _published(store)["leases"]])  # just before COMMIT

    store.engine.write = watching_write
    store.release(lane="a", holder="h1")
    store.engine.write = real_write
    assert seen[0] == [got.lease_id], "inside the release the lease is still published"
    assert _published(store)["leases"] == [], "and gone once the release committed"
    store.close()


def test_an_acquire_that_scavenges_publishes_the_view_without_what_it_scavenged(tmp_path: Path) -> None:
    import time

    store = _store(tmp_path.resolve())
    store.acquire(LaneRequest(lane="b"), holder="h2")
    gone = store.acquire(LaneRequest(lane="a"), holder="h1", ttl_ms=1).lease
    time.sleep(0.01)
    got = store.acquire(LaneRequest(lane="a"), holder="h3")
    assert list(got.scavenged) == [gone.lease_id]
    published = sorted((x.lease_id, x.fence) for x in _published(store)["leases"])
    assert published == sorted((x.lease_id, x.fence) for x, _ in store.leases()) and len(published) == 2
    store.close()


def test_a_writer_decides_against_what_another_writer_changed_though_the_live_set_kept_its_size(
        tmp_path: Path) -> None:
    """The arbiter's index and the snapshot are reused only for the very same leases: another Store's
    swap of one lease for another (same count) is seen, and its lane is refused."""
    root = tmp_path.resolve()
    mine, other = _store(root), _store(root)
    other.acquire(LaneRequest(lane="b"), holder="o")
    a = mine.acquire(LaneRequest(lane="a"), holder="m").lease  # decided beside [b]
    other.release(lane="b", holder="o")
    other.acquire(LaneRequest(lane="c"), holder="o")
    mine.release(lease_id=a.lease_id, holder="m")  # the live set is one lease again: [c], not [b]
    refused = mine.acquire(LaneRequest(lane="c"), holder="m")
    assert refused.lease is None and not refused.granted
    assert sorted(x.lane for x in _published(mine)["leases"]) == ["c"]
    mine.close()
    other.close()


def test_the_claims_are_published_by_what_changes_them_and_wherever_they_are_missing(tmp_path: Path) -> None:
    """A lease operation leaves the claims file alone (it reads no claims); a claim rewrites it, and a
    store whose claims file went away publishes it again at its next write."""
    store = _store(tmp_path.resolve())
    store.record(Op.CLAIM, holder="h1", data={"plan": "P", "phase": "A1"})
    path = Path(snapshot.claims_path_for(store.engine.location))
    first = path.stat().st_ino
    got = store.acquire(LaneRequest(lane="a"), holder="h1").lease
    store.heartbeat(lane="a", holder="h1")
    store.release(lease_id=got.lease_id, holder="h1")
    assert path.stat().st_ino == first, "no lease operation rewrote the claims"
    store.record(Op.CLAIM, holder="h2", data={"plan": "P", "phase": "B1"})
    assert path.stat().st_ino != first and snapshot.read_claims(store.engine.location) == {
        "h1": ("P", "A1"), "h2": ("P", "B1")}
    path.unlink()
    store.acquire(LaneRequest(lane="b"), holder="h2")
    assert snapshot.read_claims(store.engine.location) == {"h1": ("P", "A1"), "h2": ("P", "B1")}
    store.close()


def test_a_snapshot_that_cannot_be_written_is_removed_and_one_that_cannot_be_removed_aborts(tmp_path: Path) -> None:
    store = _store(tmp_path.resolve())
    store.acquire(LaneRequest(lane="a"), holder="h1")
    path = Path(store.engine.snapshot_path)
    path.unlink()
    path.mkdir()  # the tmp write works but replacing a directory fails; a directory cannot be unlinked
    with pytest.raises(StoreError, match="cannot publish the live set"):
        store.acquire(LaneRequest(lane="b"), holder="h2")
    assert [x.lane for x in store.live_leases()] == ["a"], "the grant was not committed"
    path.rmdir()
    store.close()


def test_concurrent_writers_never_publish_a_lease_away(tmp_path: Path) -> None:
    """Four processes acquire and release their own lanes; at the end every live lease is published."""
    root = tmp_path.resolve()
    _store(root).close()
    code = ("import sys\nfrom pathlib import Path\nfrom dos.config import Workspace, load_config\n"
            "from dos.kernel.lanes import LaneRequest\nfrom dos.service.context import open_store\n"
            "root = Path(sys.argv[1]); lane = sys.argv[2]\n"
            "s = open_store(Workspace(root, '--workspace'), load_config(root))\n"
            "for i in range(40):\n"
            "    s.acquire(LaneRequest(lane=lane), holder=lane)\n"
            "    if i < 39: s.release(lane=lane, holder=lane)\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(root), lane], env=dos_env()) for lane in LANES]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    store = _store(root)
    assert sorted(x.lane for x in store.live_leases()) == sorted(LANES)
    assert sorted(x.lane for x in _published(store)["leases"]) == sorted(LANES)
    store.close()
