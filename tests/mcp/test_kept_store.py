"""The server keeps its store open between calls: it still sees every other writer, every new config,
and never writes into a store file that was removed or replaced under it."""

from __future__ import annotations

import json
import shutil

import anyio
from tests.mcp._mcpdrive import call, mcp_session
from tests.mcp.test_leases import _workspace


def test_a_cli_grant_made_while_the_server_holds_the_store_refuses_the_next_acquire(repo, dos_env,
                                                                                     run_dos) -> None:
    """The server's store is open (it granted and released a lane); a CLI grant after that still counts."""
    ws = _workspace(repo)

    async def go():
        async with mcp_session(ws, env=dos_env()) as s:
            warm = await call(s, "dos_lease_acquire", holder="mcp-agent", lane="src")
            await call(s, "dos_lease_release", holder="mcp-agent", lane="src")
            cli = run_dos("lease-lane", "acquire", "--lane", "src", "--owner", "cli-agent", "--pid", "1", cwd=ws)
            refused = await call(s, "dos_lease_acquire", holder="mcp-agent", lane="src")
            run_dos("lease-lane", "release", "--lane", "src", "--owner", "cli-agent", cwd=ws)
            granted = await call(s, "dos_lease_acquire", holder="mcp-agent", lane="src")
            return warm[1], cli, refused[1], granted[1]

    warm, cli, refused, granted = anyio.run(go)
    assert warm["granted"] and cli.returncode == 0, cli.stderr
    assert not refused["granted"] and refused["held_by"][0]["holder"] == "cli-agent"
    assert refused["held_by"][0]["lease_id"] == json.loads(cli.stdout)["lease_id"]
    assert granted["granted"] and granted["fence"] > refused["held_by"][0]["fence"]


def test_a_store_removed_between_calls_is_not_written_behind_everyone_s_back(repo, dos_env, run_dos) -> None:
    """`.dos/` deleted while the server holds its store: the next grant lands in the new store the CLI reads."""
    ws = _workspace(repo)

    async def go():
        async with mcp_session(ws, env=dos_env()) as s:
            first = await call(s, "dos_lease_acquire", holder="mcp-agent", lane="docs")
            shutil.rmtree(ws / ".dos")
            after = await call(s, "dos_lease_status")
            second = await call(s, "dos_lease_acquire", holder="mcp-agent", lane="src")
            return first[1], after[1], second

    first, after, (err, second) = anyio.run(go)
    assert first["granted"]
    assert after["count"] == 0, "the status came from the removed store"
    assert not err and second["granted"], second
    live = json.loads(run_dos("lease-lane", "live", cwd=ws).stdout)
    assert [(r["holder"], r["lane"], r["lease_id"]) for r in live] == [("mcp-agent", "src", second["lease_id"])]


def test_a_lane_added_to_dos_toml_is_taken_on_the_next_call(repo, dos_env) -> None:
    """The config is read on every call: a new lane declared while the store is open can be acquired at once."""
    ws = _workspace(repo)

    async def go():
        async with mcp_session(ws, env=dos_env()) as s:
            before = await call(s, "dos_lease_acquire", holder="mcp-agent", lane="tests")
            text = (ws / "dos.toml").read_text()
            (ws / "dos.toml").write_text(text.replace('concurrent = ["src", "docs"]',
                                                      'concurrent = ["src", "docs", "tests"]')
                                         + 'tests = ["tests/**"]\n')
            after = await call(s, "dos_lease_acquire", holder="mcp-agent", lane="tests")
            return before[1], after[1]

    before, after = anyio.run(go)
    assert before.get("lane") != "tests", before  # not declared yet: not that lane
    assert after["granted"] and after["lane"] == "tests" and after["lease"]["tree"] == ["tests/**"], after
