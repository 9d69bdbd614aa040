"""dos_recall over MCP (the real server, driven by the SDK client) gives the CLI's JSON plus a next move."""

from __future__ import annotations

import json

import anyio
from tests.mcp._mcpdrive import call, mcp_session


def test_dos_recall_matches_the_cli(repo, dos_env, run_dos) -> None:
    repo.commit("add", {"a.txt": "a\n"})
    assert run_dos("memory", "remember", "a", "--file", "a.txt", "--text", "t", cwd=repo.path).returncode == 0
    repo.write("a.txt", "changed\n")

    async def go():
        async with mcp_session(repo.path, env=dos_env()) as s:
            listed = {t.name for t in (await s.list_tools()).tools}
            return listed, await call(s, "dos_recall", name="a"), await call(s, "dos_recall", name="nope")

    listed, stale, missing = anyio.run(go)
    assert "dos_recall" in listed
    assert not stale[0] and stale[1]["verdict"] == "RECALL_STALE"
    assert stale[1]["interpretation"].startswith("STALE")
    cli = json.loads(run_dos("memory", "recall", "a", "--json", "--explain", cwd=repo.path).stdout)
    assert stale[1] == cli
    assert missing[0] and "no memory named 'nope'" in json.dumps(missing[1])
