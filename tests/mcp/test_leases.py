"""Lease tools over MCP: two clients race for one lane; results agree with the CLI on the same store."""

from __future__ import annotations

import json

import anyio
from tests.mcp._mcpdrive import call, mcp_session

TOML = '[lanes]\nconcurrent = ["src", "docs"]\nexclusive = ["global"]\nautopick = ["src", "docs"]\n' \
       '[lanes.trees]\nsrc = ["src/**"]\ndocs = ["docs/**"]\nglobal = ["**/*"]\n'


def _workspace(repo):
    repo.write("dos.toml", TOML)
    repo.commit("init", files={"src/a.py": "a\n", "docs/a.md": "a\n"})
    return repo.path


def test_two_clients_one_lane_one_grant_then_handover(repo, dos_env) -> None:
    """Two clients race for one lane at once: one grant, one refusal naming the holder; release hands over."""
    ws = _workspace(repo)

    async def go():
        async with mcp_session(ws, env=dos_env()) as a, mcp_session(ws, env=dos_env()) as b:
            sessions = {"agent-a": a, "agent-b": b}
            first: dict[str, tuple[bool, dict]] = {}

            async def take(holder: str) -> None:
                first[holder] = await call(sessions[holder], "dos_lease_acquire", holder=holder, lane="src",
                                           ttl_s=600)

            async with anyio.create_task_group() as tg:
                for holder in sessions:
                    tg.start_soon(take, holder)
            winner = next(h for h, (_e, d) in first.items() if d["granted"])
            loser = next(h for h in sessions if h != winner)
            steal = await call(sessions[loser], "dos_lease_release", holder=loser, lane="src")
            status = await call(sessions[loser], "dos_lease_status")
            rel = await call(sessions[winner], "dos_lease_release", holder=winner,
                             lease_id=first[winner][1]["lease_id"])
            again = await call(sessions[loser], "dos_lease_acquire", holder=loser, lane="src")
            return winner, loser, first, steal, status, rel, again

    winner, loser, first, steal, status, rel, again = anyio.run(go)
    (ea, a), (eb, b) = first[winner], first[loser]
    assert not ea and a["granted"] and a["outcome"] == "acquire" and a["lane"] == "src"
    assert a["interpretation"].startswith("GRANTED") and str(a["fence"]) in a["interpretation"]
    assert not eb and not b["granted"] and b["outcome"] == "refuse"
    assert [h["holder"] for h in b["held_by"]] == [winner]
    assert b["held_by"][0]["fence"] == a["fence"] and b["held_by"][0]["lease_id"] == a["lease_id"]
    assert winner in b["interpretation"] and b["interpretation"].startswith("REFUSED")
    assert steal[1]["released"] is False and steal[1]["verdict"] == "not_held"
    assert [(r["holder"], r["lane"], r["live"]) for r in status[1]["leases"]] == [(winner, "src", True)]
    assert status[1]["leases"][0]["expires_ms"] == a["lease"]["expires_ms"]
    assert 0 < status[1]["leases"][0]["expires_in_ms"] <= 600_000
    assert rel[1]["released"] is True and rel[1]["lease"]["lease_id"] == a["lease_id"]
    assert again[1]["granted"] and again[1]["lease"]["holder"] == loser
    assert again[1]["fence"] > a["fence"]


def test_heartbeat_extends_only_the_holders_lease(repo, dos_env) -> None:
    """The holder's beat moves expiry forward; another holder's beat is NOT HELD."""
    ws = _workspace(repo)

    async def go():
        async with mcp_session(ws, env=dos_env()) as s:
            got = await call(s, "dos_lease_acquire", holder="agent-a", lane="docs", ttl_s=300)
            await anyio.sleep(0.05)
            beat = await call(s, "dos_lease_heartbeat", holder="agent-a", lane="docs")
            other = await call(s, "dos_lease_heartbeat", holder="agent-b", lease_id=got[1]["lease_id"])
            return got[1], beat, other

    got, (eb, beat), (eo, other) = anyio.run(go)
    assert not eb and beat["beaten"] and beat["lease"]["lease_id"] == got["lease_id"]
    assert beat["lease"]["expires_ms"] > got["lease"]["expires_ms"]
    assert beat["interpretation"].startswith("BEATEN")
    assert not eo and other["verdict"] == "not_held" and other["beaten"] is False


def test_lease_tools_and_cli_share_one_store(repo, dos_env, run_dos) -> None:
    """A CLI grant refuses an MCP acquire; an MCP grant shows in `lease-lane live` and `arbitrate`."""
    ws = _workspace(repo)
    cli = run_dos("lease-lane", "acquire", "--lane", "docs", "--owner", "cli-agent", "--pid", "1", cwd=ws)
    assert cli.returncode == 0, cli.stderr
    cli_lease = json.loads(cli.stdout)

    async def go():
        async with mcp_session(ws, env=dos_env()) as s:
            refused = await call(s, "dos_lease_acquire", holder="mcp-agent", lane="docs")
            granted = await call(s, "dos_lease_acquire", holder="mcp-agent", lane="src")
            arb_docs = await call(s, "dos_arbitrate", lane="docs")
            arb_src = await call(s, "dos_arbitrate", lane="src", holder="someone-else")
            status = await call(s, "dos_lease_status", live_only=True)
            return refused[1], granted[1], arb_docs[1], arb_src[1], status[1]

    refused, granted, arb_docs, arb_src, status = anyio.run(go)
    assert refused["outcome"] == "refuse" and refused["held_by"][0]["holder"] == "cli-agent"
    assert refused["held_by"][0]["lease_id"] == cli_lease["lease_id"]
    assert granted["granted"]

    live = json.loads(run_dos("lease-lane", "live", cwd=ws).stdout)
    key = lambda r: (r["fence"], r["lease_id"], r["holder"], r["lane"], r["expires_ms"])  # noqa: E731
    assert sorted(map(key, live)) == sorted(map(key, status["leases"]))
    assert sorted(r["holder"] for r in status["leases"]) == ["cli-agent", "mcp-agent"]

    for lane, mcp_view in (("docs", arb_docs), ("src", arb_src)):
        proc = run_dos("arbitrate", "--lane", lane, cwd=ws)
        cli_view = json.loads(proc.stdout)
        assert proc.returncode == (0 if cli_view["outcome"] == "acquire" else 1)
        mine = {k: v for k, v in mcp_view.items() if k not in ("interpretation", "held_by", "live_leases")}
        assert mine == cli_view, lane
        assert mcp_view["outcome"] == "refuse"
    assert arb_docs["held_by"][0]["holder"] == "cli-agent"
    assert arb_src["held_by"][0]["holder"] == "mcp-agent"


def test_release_by_a_stranger_or_of_nothing_is_not_held(repo, dos_env) -> None:
    """Releasing a lane nobody holds is NOT HELD, not an error."""
    ws = _workspace(repo)

    async def go():
        async with mcp_session(ws, env=dos_env()) as s:
            return await call(s, "dos_lease_release", holder="ghost", lane="src")

    err, data = anyio.run(go)
    assert not err and data["verdict"] == "not_held" and "ghost" in data["interpretation"]


def test_a_locked_store_fails_within_the_deadline_and_never_lands_late(repo, dos_env) -> None:
    """While another process holds the write lock, acquire fails in time and grants nothing afterwards."""
    import sqlite3

    ws = _workspace(repo)
    env = dos_env({"DOS_MCP_TOOL_DEADLINE_MS": "1500"})

    async def go():
        async with mcp_session(ws, env=env) as s:
            made = await call(s, "dos_lease_acquire", holder="warmup", lane="docs")
            await call(s, "dos_lease_release", holder="warmup", lease_id=made[1]["lease_id"])
            db = sqlite3.connect(ws / ".dos" / "store.sqlite3", isolation_level=None, timeout=30)
            db.execute("BEGIN IMMEDIATE")
            try:
                blocked = await call(s, "dos_lease_acquire", holder="agent-a", lane="src")
                await anyio.sleep(1.0)  # an abandoned attempt would land once the lock is gone
            finally:
                db.execute("ROLLBACK")
                db.close()
            await anyio.sleep(1.0)
            status = await call(s, "dos_lease_status")
            later = await call(s, "dos_lease_acquire", holder="agent-a", lane="src")
            return blocked, status[1], later

    (err, blocked), status, (err2, later) = anyio.run(go)
    assert err and blocked["error"] in ("StoreBusy", "timeout"), blocked
    assert "locked" in blocked["message"] or blocked.get("verdict") == "STALLED"
    assert status["count"] == 0, "a failed acquire was committed after the fact"
    assert not err2 and later["granted"]


def test_heartbeat_and_release_agree_with_the_cli(repo, dos_env, run_dos) -> None:
    """An MCP lease is beaten by the CLI for its holder only; an MCP release empties `lease-lane live`."""
    ws = _workspace(repo)

    async def go():
        async with mcp_session(ws, env=dos_env()) as s:
            got = (await call(s, "dos_lease_acquire", holder="mcp-agent", lane="src"))[1]
            cli_beat = run_dos("lease-lane", "heartbeat", "--lane", "src", "--owner", "mcp-agent", cwd=ws)
            cli_wrong = run_dos("lease-lane", "release", "--lane", "src", "--owner", "intruder", cwd=ws)
            beat = (await call(s, "dos_lease_heartbeat", holder="mcp-agent", lease_id=got["lease_id"]))[1]
            rel = (await call(s, "dos_lease_release", holder="mcp-agent", lane="src"))[1]
            return got, cli_beat, cli_wrong, beat, rel

    got, cli_beat, cli_wrong, beat, rel = anyio.run(go)
    assert cli_beat.returncode == 0 and json.loads(cli_beat.stdout)["lease_id"] == got["lease_id"]
    assert cli_wrong.returncode == 1 and json.loads(cli_wrong.stdout)["released"] is False
    assert beat["lease"]["expires_ms"] >= json.loads(cli_beat.stdout)["expires_ms"]
    assert rel["released"] and rel["lease"]["fence"] == got["fence"]
    assert json.loads(run_dos("lease-lane", "live", cwd=ws).stdout) == []
