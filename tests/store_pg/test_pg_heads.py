"""The heads index a PostgreSQL hook reads through (``dos.store.pg_heads``).

Its one duty: never leave out a lease that may reach a judged path. The property runs the
server's function on random trees against the kernel's own collision rule; then a store
with leases under many heads, a schema from before the index, a role that may not add it,
and the real hook process deciding on a store of thousands of leases.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import psycopg
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dos.kernel.lanes import LaneRequest
from dos.kernel.lease import Lease
from dos.kernel.tree import PathEscapesWorkspace, trees_collide
from dos.store import pg_heads
from dos.store.live import LEASE_INSERT, lease_to_row
from dos.store.snapshot import keys
from tests.store.conftest import StoreFactory
from tests.store.storehelp import write_lanes

# Segments that meet every rule the kernel applies: case, '.', '..', globs, escapes, non-ASCII
# that case-folds to ASCII (the long s, the Kelvin sign), quotes and blanks.
CORE = ["src", "SRC", "a", ".", "..", "", "*", "**"]
ODD = ["Src", "docs", "A.b", "x-y", "_", "s*", "?rc", "[s]rc", "{src,docs}", "ſrc", "\u212aelvin", "kelvin", "ß", "ss",
       "ü", 'q"t', "b\\s", " src", "src ", "\t", "a..b"]
SEGMENT = st.one_of(st.sampled_from(CORE), st.sampled_from(ODD))  # the core often enough to combine
ENTRY = st.lists(SEGMENT, min_size=1, max_size=4).map("/".join)
TREE = st.lists(ENTRY, max_size=3)


@pytest.fixture
def conn(pg_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(pg_url, autocommit=True) as c:
        c.execute("CREATE SCHEMA heads")
        c.execute("SET search_path = heads")
        c.execute(pg_heads.DDL[0])
        yield c


def _stored(tree: list[str]) -> str:
    """TREE as the store writes it into the leases table."""
    return lease_to_row(Lease("x", 1, "l", "cluster", tuple(tree), "h", 0, 0, 1))[4]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=TREE, path=ENTRY)
@example(tree=[""], path="src")  # found by this test: a blank entry once split into no entry at all
@example(tree=["a/../src/**"], path="src/x")
def test_a_lease_that_may_reach_a_path_is_always_read(conn: psycopg.Connection, tree: list[str], path: str) -> None:
    """Whenever the kernel says TREE may share a path with PATH, the hook's query for PATH returns it."""
    try:
        regions = keys((path,))
        collide = trees_collide(tree, (path,))
    except PathEscapesWorkspace:
        return  # the hook refuses such a path before it reads any lease
    if regions is None or not collide:
        return  # the hook reads every lease (a path that reaches anywhere), or this one need not be read
    found = conn.execute(f"SELECT {pg_heads.NAME}(%s) && %s::text[]",
                         (_stored(tree), pg_heads.heads_param(regions))).fetchone()[0]
    assert found, (tree, path, conn.execute(f"SELECT {pg_heads.NAME}(%s)", (_stored(tree),)).fetchone()[0])


def test_plain_trees_are_cut_by_their_first_two_segments(conn: psycopg.Connection) -> None:
    """The index narrows: a plain tree is read only for paths under its own segments."""
    def reads(tree: list[str], path: str) -> bool:
        return conn.execute(f"SELECT {pg_heads.NAME}(%s) && %s::text[]",
                            (_stored(tree), pg_heads.heads_param(keys((path,))))).fetchone()[0]

    assert reads(["src/**"], "src/a.py") and not reads(["src/**"], "docs/a.md")
    assert reads(["Work/W1/**"], "work/w1/x.py") and not reads(["work/w1/**"], "work/w2/x.py")
    assert reads(["work/w1/**"], "work") and reads(["work/w1/**"], "work/w*/x")  # shallower paths read the head
    assert reads(["work/**"], "work/w2/x.py")  # a lease on the whole head is read for every path under it
    assert reads(["**/*.py"], "docs/a.md") and reads(["s*/x"], "docs/a.md")  # wide: read everywhere
    assert reads(["\u00fcber/**"], "docs/a.md") and reads([], "docs/a.md")  # an escape or no tree: wide


def test_the_store_reads_only_the_leases_under_the_judged_heads(pg: StoreFactory, tmp_path: Path) -> None:
    lanes = {f"l{i}": [f"area{i % 7}/part{i}/**"] for i in range(60)}
    root = write_lanes(tmp_path / "ws", {**lanes, "md": ["**/*.md"], "docs": ["docs/**"]})
    store = pg.make(root)
    for lane in lanes:
        assert store.acquire(LaneRequest(lane=lane), holder=f"h-{lane}").granted
    _insert(store, store.live_leases()[0].replace(lease_id="wide", fence=999, lane="md", tree=("**/*.md",)))
    every = store.live_leases()
    for path in ("area3/part10/x.py", "area3/x.py", "area3", "docs/a.md", "elsewhere/y.txt", "AREA3/PART10/z"):
        now, got = store.live_reaching(keys((path,)))
        need = {x.lease_id for x in every if trees_collide(x.tree, (path,))}
        assert need <= {x.lease_id for x in got}, path
        assert len(got) <= 9 or path == "area3", (path, len(got))  # its part and the wide md lease, not all 61
    assert {x.lease_id for x in store.live_reaching(None)[1]} == {x.lease_id for x in every}


def test_a_schema_from_before_the_index_gets_it_on_the_first_read(pg: StoreFactory, tmp_path: Path,
                                                                    pg_url: str) -> None:
    root = write_lanes(tmp_path / "ws", {"src": ["src/**"], "docs": ["docs/**"]})
    store = pg.make(root, schema="old_schema")
    store.acquire(LaneRequest(lane="docs"), holder="b")
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"DROP FUNCTION old_schema.{pg_heads.NAME} CASCADE")  # the index goes with it
    reader = pg.make(root, schema="old_schema")
    assert [x.lane for x in reader.live_reaching(keys(("docs/a.md",)))[1]] == ["docs"]
    with psycopg.connect(pg_url, autocommit=True) as admin:
        options = admin.execute("SELECT c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                "WHERE n.nspname = 'old_schema' AND c.relname = 'leases_heads_v1'").fetchall()
    assert options == [(["fastupdate=off"],)]  # there again, with no pending list to merge in a grant


def test_a_role_that_may_not_add_the_index_reads_the_whole_view(pg: StoreFactory, tmp_path: Path,
                                                                  pg_url: str) -> None:
    root = write_lanes(tmp_path / "ws", {"src": ["src/**"], "docs": ["docs/**"]})
    store = pg.make(root, schema="locked")
    store.acquire(LaneRequest(lane="docs"), holder="b")
    store.acquire(LaneRequest(lane="src"), holder="a")
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"DROP FUNCTION locked.{pg_heads.NAME} CASCADE")
        admin.execute("DROP ROLE IF EXISTS dos_reader")
        admin.execute("CREATE ROLE dos_reader LOGIN")
        admin.execute("GRANT USAGE ON SCHEMA locked TO dos_reader")
        admin.execute("GRANT SELECT ON ALL TABLES IN SCHEMA locked TO dos_reader")
    url = pg_url.replace("postgres@", "dos_reader@")
    reader = StoreFactory("postgres", {"DOS_STORE_URL": url, "DOS_STORE_SCHEMA": "locked"}).make(root)
    try:
        got = reader.live_reaching(keys(("docs/a.md",)))[1]
        assert sorted(x.lane for x in got) == ["docs", "src"]  # every lease: more than needed, none missing
        assert reader.engine._heads is False
    finally:
        reader.close()


def _insert(store, *leases: Lease) -> None:
    """LEASES written straight into the view (the arbiter would refuse these overlapping ones)."""
    with store.engine.write() as tx:
        for lease in leases:
            tx.execute(LEASE_INSERT, lease_to_row(lease))


def _hook(root: Path, env: dict[str, str], rel: str) -> subprocess.CompletedProcess[str]:
    payload = {"session_id": "sess-me", "cwd": str(root), "hook_event_name": "PreToolUse", "tool_name": "Edit",
               "tool_input": {"file_path": str(root / rel), "old_string": "a", "new_string": "b"}}
    return subprocess.run([sys.executable, "-I", "-c", "from dos.hooks.__main__ import run; run()", "pretool"],
                          input=json.dumps(payload), capture_output=True, text=True, cwd=root,
                          env={**os.environ, **env}, timeout=120)


def test_the_hook_on_postgres_denies_through_the_index_among_thousands_of_leases(
        pg: StoreFactory, tmp_path: Path, pg_url: str) -> None:
    root = write_lanes(tmp_path / "ws", {"src": ["src/**"], "docs": ["docs/**"], "s": ["s*/**"]})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    env = {"DOS_STORE_URL": pg_url, "DOS_STORE_SCHEMA": "hooked"}
    store = pg.make(root, schema="hooked")
    mine = store.acquire(LaneRequest(lane="docs"), holder="me", session="sess-me", ttl_ms=3_600_000).lease
    _insert(store, mine.replace(lease_id="wide", fence=9_999, lane="s", tree=("s*/**",), holder="other",
                                session="sess-other", pid=None, pid_start=None),
            *(mine.replace(lease_id=f"bulk-{i}", fence=10_000 + i, lane=f"w{i}", tree=(f"work/W{i}/**",),
                           holder=f"a{i}", session=f"sess-{i}", pid=None, pid_start=None) for i in range(3000)))
    assert _hook(root, env, "docs/app.py").returncode == 0  # my own lane
    denied = _hook(root, env, "src/app.py")  # no lease names src/, but the wide s* one reaches it
    assert denied.returncode == 2 and "'s'" in denied.stdout
    under = _hook(root, env, "work/w17/x.py")
    assert under.returncode == 2 and "'w17'" in under.stdout
    assert _hook(root, env, "work/free/x.py").returncode == 0
