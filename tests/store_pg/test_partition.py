"""Partition semantics of a PostgreSQL fleet (docs/fleet.md): every statement there is one test here.

A "host" is a long-lived worker process (HOST below) with its own DISPATCH_HOST_ID, talking to
the server through a loopback relay (tests/store_pg/roundtrips.py) that can cut it off; the
server itself is stopped and started again; a host's clock is shifted inside its process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Iterator

import psycopg
import pytest

from dos.errors import StoreUnreachable
from dos.kernel.lanes import LaneRequest, Taxonomy
from dos.store.leases import Store
from dos.store.postgres import LOCK_NAMESPACE, PostgresEngine, lock_key
from tests.pgserver import PgServer
from tests.store_pg.roundtrips import RoundTripRelay
from tests.store_pg.test_pg_cli import LANES

SRC = str(Path(__file__).resolve().parents[2] / "src")
HOUR_MS = 3_600_000

# One fleet member: JSON commands on stdin, one JSON answer per line. PARTITION_SKEW_MS shifts
# every clock this process reads (time.time, time.time_ns) before dos is imported.
HOST = r"""
import json, os, sys, time
skew = int(os.environ.get("PARTITION_SKEW_MS", "0"))
if skew:
    _t, _tn = time.time, time.time_ns
    time.time = lambda: _t() + skew / 1000
    time.time_ns = lambda: _tn() + skew * 1_000_000
from dos.config import find_workspace, load_config
from dos.errors import DosError
from dos.kernel.lanes import LaneRequest
from dos.service.context import open_store

workspace = find_workspace(sys.argv[1])
store = open_store(workspace, load_config(workspace.root))
for line in sys.stdin:
    cmd = json.loads(line)
    op = cmd.pop("op")
    try:
        if op == "acquire":
            got = store.acquire(LaneRequest(lane=cmd["lane"]), holder=cmd["holder"], ttl_ms=cmd["ttl_ms"],
                                pid=os.getpid())
            reasons = [e.reason for e in store.events() if e.op == "SCAVENGE" and e.lease_id in got.scavenged]
            out = {"granted": got.granted, "lease": got.lease.to_dict() if got.lease else None,
                   "reason": got.decision.reason, "scavenged": reasons}
        elif op == "heartbeat":
            beat = store.heartbeat(lane=cmd["lane"], holder=cmd["holder"])
            out = {"beaten": beat is not None, "lease": beat.to_dict() if beat else None}
        elif op == "live":
            out = {"leases": [x.to_dict() for x in store.live_leases()]}
        elif op == "clock":
            out = {"local_ms": time.time_ns() // 1_000_000, "store_ms": store.now_ms()}
        else:
            out = {"pid": os.getpid(), "host_id": store.host_id}
    except DosError as exc:
        out = {"error": str(exc), "exit_code": exc.exit_code}
    print(json.dumps(out), flush=True)
"""


class Host:
    """A worker process on host NAME, connected to the store at URL (a relay's, or the server's)."""

    def __init__(self, root: Path, name: str, url: str, skew_ms: int = 0) -> None:
        env = {**os.environ, "PYTHONPATH": SRC, "DISPATCH_HOST_ID": name, "DOS_STORE_URL": url,
               "PARTITION_SKEW_MS": str(skew_ms)}
        self.proc = subprocess.Popen([sys.executable, "-c", HOST, str(root)], env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def __call__(self, op: str, **kw: Any) -> dict[str, Any]:
        self.proc.stdin.write(json.dumps({"op": op, **kw}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, self.proc.stderr.read()
        return json.loads(line)

    def close(self) -> str:
        self.proc.stdin.close()
        self.proc.wait()
        return self.proc.stderr.read()


@pytest.fixture
def ws(repo) -> Path:
    repo.commit("first")  # the fleet's schema name comes from the first commit
    repo.write("dos.toml", LANES)
    return repo.path


@pytest.fixture
def hosts(ws: Path) -> Iterator[Any]:
    made: list[Host] = []

    def make(name: str, url: str, skew_ms: int = 0) -> Host:
        made.append(Host(ws, name, url, skew_ms))
        return made[-1]

    yield make
    for h in made:
        h.close()


def nothing_local(repo, ws: Path) -> None:
    """No store file, no .dos directory, nothing new in the checkout: no silent local fallback."""
    assert not (ws / ".dos").exists(), "a local store was created"
    assert repo.git("status", "--porcelain", "--ignored") == "?? dos.toml\n"


def server_ms(url: str) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.execute("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint").fetchone()[0])


def wait_for_server_time(url: str, ms: int) -> None:
    """Wait (on the server's clock, bounded) until it reads past MS."""
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(600):
            if conn.execute("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint").fetchone()[0] > ms:
                return
            conn.execute("SELECT pg_sleep(0.02)")
    raise AssertionError(f"the server clock never passed {ms}")


def hook(ws: Path, url: str, session: str, tool: str, path: str) -> subprocess.CompletedProcess[str]:
    """The pretool hook as an agent host runs it: a fresh process, the event on stdin."""
    tool_input = {"file_path": str(ws / path)} if tool == "Read" else {"file_path": str(ws / path), "content": "x"}
    payload = {"session_id": session, "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": tool,
               "tool_input": tool_input}
    env = {**os.environ, "PYTHONPATH": SRC, "DOS_STORE_URL": url}
    return subprocess.run([sys.executable, "-m", "dos.hooks", "pretool", "--dialect", "claude-code"],
                          input=json.dumps(payload), cwd=ws, env=env, text=True, capture_output=True, timeout=120)


def decision(out: subprocess.CompletedProcess[str]) -> str:
    """The hook's permission decision (claude-code's envelope); 'allow' when it says nothing."""
    if not out.stdout.strip():
        return "allow" if out.returncode == 0 else f"exit {out.returncode}"
    body = json.loads(out.stdout).get("hookSpecificOutput", {})
    return body.get("permissionDecision", "allow")


def run_cli(ws: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC, "DOS_STORE_URL": url}
    return subprocess.run([sys.executable, "-m", "dos", *args], cwd=ws, env=env, text=True, capture_output=True,
                          timeout=120)


def one_line_69(out: subprocess.CompletedProcess[str]) -> None:
    assert out.returncode == 69, out.stdout + out.stderr
    assert out.stderr.startswith("error: store server 127.0.0.1:") and out.stderr.count("\n") == 1, out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""


# --------------------------------------------------------------------------- a host loses the server


def test_cut_off_verbs_exit_69_in_one_line_and_write_nothing_locally(repo, ws: Path, relay: RoundTripRelay) -> None:
    """While its connection is cut, every verb on the host is one line on stderr and exit 69; no local store."""
    assert run_cli(ws, relay.url, "lease-lane", "acquire", "--lane", "a", "--owner", "w1").returncode == 0
    relay.cut()
    for argv in (("lease-lane", "acquire", "--lane", "b", "--owner", "w1"),
                 ("lease-lane", "heartbeat", "--lane", "a", "--owner", "w1"),
                 ("lease-lane", "release", "--lane", "a", "--owner", "w1"),
                 ("lease-lane", "live")):
        out = run_cli(ws, relay.url, *argv)
        one_line_69(out)
        assert "cannot be reached" in out.stderr
    nothing_local(repo, ws)
    relay.restore()
    back = run_cli(ws, relay.url, "lease-lane", "heartbeat", "--lane", "a", "--owner", "w1")
    assert back.returncode == 0, back.stderr


def test_a_cut_off_holder_errors_and_then_the_same_process_works_again(repo, ws: Path, relay, hosts) -> None:
    """A long-lived holder's beat fails with exit 69 while cut; after restore the same process beats again."""
    a = hosts("host-a", relay.url)
    pid = a("whoami")["pid"]
    held = a("acquire", lane="a", holder="w1", ttl_ms=HOUR_MS)["lease"]
    relay.cut()
    for _ in range(2):  # the lost connection, then a new one that is turned away
        lost = a("heartbeat", lane="a", holder="w1")
        assert lost["exit_code"] == 69 and "\n" not in lost["error"], lost
        assert "went away" in lost["error"] or "cannot be reached" in lost["error"]
    nothing_local(repo, ws)
    relay.restore()
    beat = a("heartbeat", lane="a", holder="w1")
    assert beat["beaten"] and beat["lease"]["fence"] == held["fence"] and a("whoami")["pid"] == pid
    assert beat["lease"]["heartbeat_ms"] > held["heartbeat_ms"]


def test_the_hook_fails_closed_when_it_cannot_reach_the_store(repo, ws: Path, relay, hosts, pg_url: str) -> None:
    """Cut off, the hook denies every write it must check (its own lane too) and still allows reads."""
    hosts("host-a", relay.url)("acquire", lane="a", holder="w1", ttl_ms=HOUR_MS)
    assert decision(hook(ws, relay.url, "sess-B", "Write", "a/x.py")) == "deny"  # the control: a live lease
    relay.cut()
    for path in ("a/x.py", "b/y.py", "README.md"):
        out = hook(ws, relay.url, "sess-A", "Write", path)
        assert decision(out) == "deny" and out.returncode == 2, out.stdout
        assert "cannot read its lease store" in out.stdout and "cannot be reached" in out.stdout
    read = hook(ws, relay.url, "sess-A", "Read", "a/x.py")
    assert read.returncode == 0 and decision(read) == "allow"
    nothing_local(repo, ws)
    relay.restore()
    assert decision(hook(ws, relay.url, "sess-B", "Write", "b/y.py")) == "allow"
    assert decision(hook(ws, relay.url, "sess-B", "Write", "a/x.py")) == "deny"


def warm(store: Store) -> None:
    """Connect, create the schema and draw from the sequences: the next acquire is exactly its usual asks."""
    got = store.acquire(LaneRequest(lane="a"), holder="warm")
    store.release(lease_id=got.lease.lease_id, holder="warm")


# The grant's last ask: its one server statement (quiet), or the commit after the client decided (general).
LAST_ASK = pytest.mark.parametrize("quiet, asks", [(True, 1), (False, 2)], ids=["quiet", "general"])


@LAST_ASK
def test_a_lost_request_writes_nothing(pg_url: str, relay: RoundTripRelay, quiet: bool, asks: int) -> None:
    """The connection drops before the decision's last round trip: an error, and no trace on the server."""
    tax = Taxonomy(concurrent=("a", "b"), autopick=(), trees={"a": ("a/**",), "b": ("b/**",)})
    cut, direct = Store(PostgresEngine(relay.url, schema="p"), tax), Store(PostgresEngine(pg_url, schema="p"), tax)
    cut.engine.quiet = quiet
    try:
        warm(cut)
        before = direct.events()
        relay.lose_request(asks)
        with pytest.raises(StoreUnreachable):
            cut.acquire(LaneRequest(lane="b"), holder="w1")
        assert relay.settled.wait(60)
        assert direct.events() == before and direct.live_leases() == []
        assert direct.acquire(LaneRequest(lane="b"), holder="w2").granted  # the lock went with the connection
    finally:
        cut.close()
        direct.close()


@LAST_ASK
def test_a_lost_reply_may_have_granted(pg_url: str, relay: RoundTripRelay, quiet: bool, asks: int) -> None:
    """The reply to the commit is lost: the holder sees exit 69, yet the grant stands; its retry is refused
    and it finds the lease by name in the live set."""
    tax = Taxonomy(concurrent=("a", "b"), autopick=(), trees={"a": ("a/**",), "b": ("b/**",)})
    cut, direct = Store(PostgresEngine(relay.url, schema="p"), tax), Store(PostgresEngine(pg_url, schema="p"), tax)
    cut.engine.quiet = quiet
    try:
        warm(cut)
        relay.lose_reply(asks)
        with pytest.raises(StoreUnreachable) as info:
            cut.acquire(LaneRequest(lane="b"), holder="w1")
        assert info.value.exit_code == 69 and relay.settled.wait(60)
        (lease,) = direct.live_leases()
        assert (lease.lane, lease.holder) == ("b", "w1")
        retry = cut.acquire(LaneRequest(lane="b"), holder="w1")
        assert not retry.granted and "w1" in retry.decision.reason
        assert [x.lease_id for x in cut.live_leases() if x.holder == "w1"] == [lease.lease_id]
    finally:
        cut.close()
        direct.close()


# --------------------------------------------------------------------------- TTL, fences, scope-gate


def gate(ws: Path, url: str, lease: dict) -> subprocess.CompletedProcess[str]:
    return run_cli(ws, url, "scope-gate", "--lane", "a", "--file", "a/x.py", "--lease",
                   f"{lease['lease_id']} fence={lease['fence']}", "--json")


def test_a_cut_off_lease_lives_its_ttl_then_another_host_takes_it_with_a_higher_fence(
        ws: Path, relay, hosts, pg_url: str) -> None:
    """Host A is cut off holding lane a: until A's TTL passes on the server clock host B is refused and B's
    hook denies writes there; then B is granted with a higher fence, A's beat is NOT_HELD and A's fence
    is refused by scope-gate as SUPERSEDED, B's passes."""
    a, b = hosts("host-a", relay.url), hosts("host-b", pg_url)
    # The TTL must outlast the five CLI and hook runs before the wait, on a loaded machine too.
    old = a("acquire", lane="a", holder="w-a", ttl_ms=5000)["lease"]
    relay.cut()
    refused = b("acquire", lane="b", holder="w-b", ttl_ms=HOUR_MS)  # b/ is free: B works on
    assert refused["granted"]
    early = b("acquire", lane="a", holder="w-b", ttl_ms=HOUR_MS)
    assert not early["granted"] and "w-a" in early["reason"]
    assert decision(hook(ws, pg_url, "sess-B", "Write", "a/x.py")) == "deny"
    assert gate(ws, pg_url, old).returncode == 0  # still the live grant
    wait_for_server_time(pg_url, old["expires_ms"])
    new = b("acquire", lane="a", holder="w-b", ttl_ms=HOUR_MS)
    assert new["granted"] and new["lease"]["fence"] > old["fence"]
    assert new["scavenged"] == ["scavenged for a: ttl expired"]
    relay.restore()
    assert "went away" in a("heartbeat", lane="a", holder="w-a")["error"]  # the lost connection, reported once
    assert a("heartbeat", lane="a", holder="w-a") == {"beaten": False, "lease": None}
    cli = run_cli(ws, relay.url, "lease-lane", "heartbeat", "--lane", "a", "--owner", "w-a")
    assert cli.returncode == 1, cli.stdout + cli.stderr
    stale = gate(ws, relay.url, old)
    assert stale.returncode == 7
    (fence,) = json.loads(stale.stdout)["fences"]
    assert fence["state"] == "SUPERSEDED" and fence["superseded_by"]["fence"] == new["lease"]["fence"]
    assert gate(ws, pg_url, new["lease"]).returncode == 0


def test_an_expired_lease_cannot_be_revived_and_its_fence_is_refused(ws: Path, relay, hosts, pg_url: str) -> None:
    """Nobody took the lane, but A's TTL passed while it was cut off: A's beat is NOT_HELD and its fence is
    EXPIRED, so scope-gate refuses the commits it made while partitioned."""
    a = hosts("host-a", relay.url)
    old = a("acquire", lane="a", holder="w-a", ttl_ms=1000)["lease"]
    relay.cut()
    wait_for_server_time(pg_url, old["expires_ms"])
    relay.restore()
    assert a("heartbeat", lane="a", holder="w-a")["exit_code"] == 69  # the lost connection, reported once
    assert a("heartbeat", lane="a", holder="w-a")["beaten"] is False
    stale = gate(ws, relay.url, old)
    assert stale.returncode == 7 and json.loads(stale.stdout)["fences"][0]["state"] == "EXPIRED"


def test_a_partitioned_holders_late_commit_is_refused_at_merge(repo, ws: Path, relay, hosts, pg_url: str) -> None:
    """A commits under its fence while cut off (git needs no store); once B holds the lane, the merge gate
    over A's branch refuses it (exit 7, STALE_FENCE)."""
    a, b = hosts("host-a", relay.url), hosts("host-b", pg_url)
    old = a("acquire", lane="a", holder="w-a", ttl_ms=1000)["lease"]
    base = repo.git("rev-parse", "HEAD").strip()
    relay.cut()
    repo.commit("late work", {"a/x.py": "late\n"}, body=f"DOS-Lease: {old['lease_id']} fence={old['fence']}")
    wait_for_server_time(pg_url, old["expires_ms"])
    assert b("acquire", lane="a", holder="w-b", ttl_ms=HOUR_MS)["granted"]
    out = run_cli(ws, pg_url, "scope-gate", "--base", base, "--head", "HEAD", "--require-lease")
    assert out.returncode == 7 and "STALE_FENCE" in out.stdout and "SUPERSEDED" in out.stdout, out.stdout


# --------------------------------------------------------------------------- the server restarts


def test_a_server_restart_is_an_outage_then_everything_resumes(repo, ws: Path, hosts, own_pg_server: PgServer) -> None:
    """While the server is down: exit 69 from the holder and the CLI, the hook denies, nothing is written
    locally. Once it is back: the same holder process beats its lease (kept, same fence) and the next
    grant's fence is higher than every fence before the restart."""
    url = own_pg_server.create_database()
    a = hosts("host-a", url)
    held = a("acquire", lane="a", holder="w-a", ttl_ms=HOUR_MS)["lease"]
    own_pg_server.halt()
    try:
        down = a("heartbeat", lane="a", holder="w-a")
        assert down["exit_code"] == 69 and "\n" not in down["error"]
        one_line_69(run_cli(ws, url, "lease-lane", "acquire", "--lane", "b", "--owner", "w-b"))
        assert decision(hook(ws, url, "sess-A", "Write", "a/x.py")) == "deny"
        nothing_local(repo, ws)
    finally:
        own_pg_server.start_again()
    beat = a("heartbeat", lane="a", holder="w-a")
    assert beat["beaten"] and beat["lease"]["fence"] == held["fence"]
    after = a("acquire", lane="b", holder="w-a", ttl_ms=HOUR_MS)["lease"]
    assert after["fence"] > held["fence"]


# --------------------------------------------------------------------------- the clock


@pytest.mark.parametrize("skew_ms", [3 * HOUR_MS, -3 * HOUR_MS])
def test_a_hosts_clock_skew_changes_no_lease_time_and_no_verdict(ws: Path, hosts, pg_url: str, skew_ms: int) -> None:
    """A host whose clock is hours off: its grants and beats carry the server's time, it cannot see a
    live lease of another host as expired (nor its own as live past the server's TTL), and its hook
    judges by the server's clock."""
    sane, skewed = hosts("host-a", pg_url), hosts("host-s", pg_url, skew_ms=skew_ms)
    clock = skewed("clock")
    assert abs(clock["local_ms"] - clock["store_ms"] - skew_ms) < 60_000  # the process's clock really is off
    t0 = server_ms(pg_url)
    mine = skewed("acquire", lane="b", holder="w-s", ttl_ms=HOUR_MS)["lease"]
    t1 = server_ms(pg_url)
    assert t0 <= mine["acquired_ms"] == mine["heartbeat_ms"] <= t1
    beat = skewed("heartbeat", lane="b", holder="w-s")["lease"]
    assert mine["acquired_ms"] <= beat["heartbeat_ms"] <= server_ms(pg_url)
    theirs = sane("acquire", lane="a", holder="w-a", ttl_ms=2 * HOUR_MS if skew_ms > 0 else 1000)["lease"]
    if skew_ms > 0:  # three hours ahead, A's two-hour lease would look expired by the host's clock
        assert not skewed("acquire", lane="a", holder="w-s", ttl_ms=HOUR_MS)["granted"]
        assert theirs["lease_id"] in {x["lease_id"] for x in skewed("live")["leases"]}
    else:  # three hours behind, A's one-second lease would look live for hours by the host's clock
        wait_for_server_time(pg_url, theirs["expires_ms"])
        took = skewed("acquire", lane="a", holder="w-s", ttl_ms=HOUR_MS)
        assert took["granted"] and took["scavenged"] == ["scavenged for a: ttl expired"]


def _waiting_on(url: str, schema: str) -> bool:
    """Is some session waiting for SCHEMA's workspace lock?"""
    with psycopg.connect(url) as conn:
        return bool(conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                                 "AND classid = %s::oid AND objid = %s::oid",
                                 (LOCK_NAMESPACE, lock_key(schema) & 0xFFFFFFFF)).fetchone()[0])


def _wait_until_waiting(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(3000):
            if _waiting_on(url, schema):
                return
            conn.execute("SELECT pg_sleep(0.01)")
    raise AssertionError("no session ever waited for the workspace lock")


# --------------------------------------------------------------------------- one lock per workspace


def test_one_lock_per_workspace_disjoint_lanes_wait_other_workspaces_do_not(pg_url: str) -> None:
    """While the workspace lock is held, an acquire of a lane nobody holds waits for it (and its clock is
    read once it has the lock, not when it asked); another workspace's acquire does not wait."""
    tax = Taxonomy(concurrent=("a", "b"), autopick=(), trees={"a": ("a/**",), "b": ("b/**",)})
    mine, other = Store(PostgresEngine(pg_url, schema="ws_x"), tax), Store(PostgresEngine(pg_url, schema="ws_y"), tax)
    for s in (mine, other):
        warm(s)
    holder = psycopg.connect(pg_url)
    done: dict[str, Any] = {}
    try:
        holder.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, lock_key("ws_x")))
        waiter = threading.Thread(target=lambda: done.update(got=mine.acquire(LaneRequest(lane="b"), holder="w")))
        waiter.start()
        _wait_until_waiting(pg_url, "ws_x")
        assert "got" not in done  # lane b touches nothing held, and still waits
        assert other.acquire(LaneRequest(lane="b"), holder="w").granted  # ws_y: its own lock
        (released_at,), = holder.execute("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint").fetchall()
        holder.commit()
        waiter.join(60)
        assert done["got"].granted and done["got"].lease.acquired_ms >= released_at
    finally:
        holder.close()
        mine.close()
        other.close()
