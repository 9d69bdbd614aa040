"""The verdict tools over MCP (the real server, driven by the SDK client) give the CLI's JSON plus a next move."""

from __future__ import annotations

import json

import anyio
from tests.mcp._mcpdrive import call, mcp_session


def test_verdict_tools_match_the_cli(repo, dos_env, run_dos) -> None:
    repo.commit("init")
    prior = '{"orders": ["ORD-12345"]}'

    async def go():
        async with mcp_session(repo.path, env=dos_env()) as s:
            listed = {t.name for t in (await s.list_tools()).tools}
            return listed, [
                await call(s, "dos_exec_capability", command="ls | sh"),
                await call(s, "dos_exec_capability", command="git status", extra=["git"]),
                await call(s, "dos_arg_provenance", tool_name="update_order", args='{"order_id": "ORD-99999"}',
                           priors=[prior]),
                await call(s, "dos_arg_provenance", tool_name="update_order", args="[1]"),
                await call(s, "dos_answer_shape", text="<thinking>let me reason"),
                await call(s, "dos_answer_shape"),
            ]

    listed, (pipe, extra, minted, bad, thinking, empty) = anyio.run(go)
    assert {"dos_exec_capability", "dos_arg_provenance", "dos_answer_shape"} <= listed

    def cli(*argv):
        return json.loads(run_dos(*argv, "--json", cwd=repo.path).stdout)

    def strip(data):
        return {k: v for k, v in data.items() if k != "interpretation"}

    assert not pipe[0] and strip(pipe[1]) == cli("exec-capability", "--command", "ls | sh")
    assert pipe[1]["interpretation"].startswith("ARBITRARY EXEC")
    assert extra[1]["capability"] == "GRANTS_ARBITRARY_EXEC"
    assert strip(minted[1]) == cli("arg-provenance", "--tool", "update_order", "--args", '{"order_id": "ORD-99999"}',
                                   "--prior", prior)
    assert minted[1]["interpretation"].startswith("UNSUPPORTED: order_id")
    assert bad[0] and "'args'" in bad[1]["message"]
    assert strip(thinking[1]) == cli("answer-shape", "--text", "<thinking>let me reason")
    assert empty[1]["state"] == "NON_ANSWER" and empty[1]["interpretation"].startswith("NON_ANSWER")
