"""The server over stdio with the SDK client: tools, resources, bad arguments, deadlines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import anyio

from tests.mcp._mcpdrive import call, mcp_session

EXPECTED_TOOLS = {
    "dos_doctor", "dos_verify", "dos_commit_audit", "dos_liveness", "dos_status", "dos_refuse_reasons",
    "dos_check_reason", "dos_arbitrate", "dos_lease_acquire", "dos_lease_release", "dos_lease_heartbeat",
    "dos_lease_status",
}


def test_lists_every_tool_with_a_strict_schema(repo, dos_env) -> None:
    """Each tool is listed with a closed argument schema that accepts a workspace."""

    async def go():
        async with mcp_session(repo.path, env=dos_env()) as s:
            return (await s.list_tools()).tools

    tools = anyio.run(go)
    names = {t.name for t in tools}
    assert EXPECTED_TOOLS <= names
    for t in tools:
        assert t.inputSchema["additionalProperties"] is False, t.name
        assert "workspace" in t.inputSchema["properties"], t.name
        assert t.description, t.name


def test_doctor_matches_the_cli(repo, dos_env, run_dos) -> None:
    """dos_doctor returns `dos doctor --json`'s report on the same workspace, plus an interpretation."""
    repo.commit("first")

    async def go():
        async with mcp_session(repo.path, env=dos_env()) as s:
            return await call(s, "dos_doctor")

    err, data = anyio.run(go)
    cli = run_dos("doctor", "--json", cwd=repo.path)
    assert cli.returncode == 0, cli.stderr
    assert not err
    interpretation = data.pop("interpretation")
    assert data == json.loads(cli.stdout)
    assert str(repo.path) in interpretation


def test_bad_arguments_are_error_results_naming_the_argument(repo, dos_env) -> None:
    """Unknown, missing, mistyped and empty arguments each name the argument; the server keeps serving."""

    async def go():
        async with mcp_session(repo.path, env=dos_env()) as s:
            out = [
                await call(s, "dos_doctor", bogus=1),
                await call(s, "dos_lease_acquire", lane="main"),
                await call(s, "dos_lease_acquire", holder="a", force="yes"),
                await call(s, "dos_lease_acquire", holder="a", ttl_s=True),
                await call(s, "dos_lease_acquire", holder="a", ttl_s=0),
                await call(s, "dos_lease_acquire", holder="   "),
                await call(s, "dos_arbitrate", tree=["src/**", 3]),
                await call(s, "dos_lease_release", holder="a"),
                await call(s, "dos_lease_status", workspace=str(repo.path / "missing")),
                await call(s, "dos_lease_status", workspace="x" * 5000),
                await call(s, "dos_verify", plan="A", phase="A1", ref="HEAD\x00x"),
                await call(s, "dos_no_such_tool"),
                await call(s, "dos_doctor"),
            ]
            return out

    results = anyio.run(go)
    expect = ["bogus", "holder", "force", "ttl_s", "ttl_s", "holder", "tree", "lease_id", "workspace", "workspace",
              "ref"]
    for (err, data), arg in zip(results, expect):
        assert err and data["error"] == "bad_argument", data
        assert data["argument"] == arg
        assert f"argument {arg!r}" in data["message"]
    assert "must be true or false" in results[2][1]["message"]
    assert results[11][0] and results[11][1]["error"] == "unknown_tool"
    assert results[12][0] is False  # still serving


def test_a_dos_error_is_an_error_result_not_a_crash(tmp_path, dos_env) -> None:
    """A malformed dos.toml comes back as an error result naming the file; the next call still works."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "dos.toml").write_text("[lanes]\nconcurent = []\n")

    async def go():
        async with mcp_session(ws, env=dos_env()) as s:
            bad = await call(s, "dos_doctor")
            (ws / "dos.toml").write_text("[lanes]\nconcurrent = [\"src\"]\n")
            good = await call(s, "dos_doctor")
            return bad, good

    (err, data), (err2, data2) = anyio.run(go)
    assert err and data["error"] == "ConfigError"
    assert "dos.toml" in data["message"] and "concurent" in data["message"]
    assert not err2 and data2["lanes"]["concurrent"] == ["src"]


def test_resources_are_the_config_and_the_leases(tmp_path, dos_env) -> None:
    """dos://config reflects dos.toml; dos://leases is the (empty) lease view; an unknown URI errors."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "dos.toml").write_text('[lanes]\nconcurrent = ["src", "docs"]\n')

    async def go():
        async with mcp_session(ws, env=dos_env()) as s:
            listed = {str(r.uri) for r in (await s.list_resources()).resources}
            cfg = json.loads((await s.read_resource("dos://config")).contents[0].text)
            try:
                await s.read_resource("dos://nope")
                unknown = None
            except Exception as exc:  # noqa: BLE001 - the SDK raises McpError for an error response
                unknown = str(exc)
            return listed, cfg, unknown

    listed, cfg, unknown = anyio.run(go)
    assert listed == {"dos://config", "dos://leases"}
    assert cfg["workspace"] == str(ws.resolve())
    assert cfg["config"]["lanes"]["concurrent"] == ["src", "docs"]
    assert unknown and "dos://nope" in unknown


def _hanging_git(tmp_path: Path) -> tuple[Path, Path]:
    """A real `git` executable early on PATH that blocks until FLAG is deleted; it logs its pid."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    flag = tmp_path / "git-hangs"
    flag.write_text("")
    git = bin_dir / "git"
    git.write_text(f"#!/bin/sh\necho $$ >> '{tmp_path}/git-pids'\n"
                   f"while [ -e '{flag}' ]; do sleep 0.05; done\nexit 1\n")
    git.chmod(0o755)
    return bin_dir, flag


def test_a_hung_git_answers_a_typed_timeout_within_the_deadline(repo, tmp_path, dos_env) -> None:
    """With git blocked, the call returns STALLED after its deadline and the server keeps answering."""
    bin_dir, flag = _hanging_git(tmp_path)
    env = dos_env({"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "DOS_MCP_TOOL_DEADLINE_MS": "800"})

    async def go():
        async with mcp_session(repo.path, env=env) as s:
            t0 = time.monotonic()
            first = await call(s, "dos_doctor")
            elapsed = time.monotonic() - t0
            tools = (await s.list_tools()).tools
            return first, elapsed, len(tools)

    try:
        (err, data), elapsed, n_tools = anyio.run(go)
    finally:
        flag.unlink()
    assert err
    assert data["verdict"] == "STALLED" and data["error"] == "timeout"
    assert data["deadline_ms"] == 800 and data["tool"] == "dos_doctor"
    assert "800 ms" in data["reason"] and data["interpretation"].startswith("NO VERDICT")
    assert elapsed < 30, "the call waited for git instead of its deadline"  # git never returns by itself
    assert n_tools >= len(EXPECTED_TOOLS)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_stuck_calls_are_capped_and_later_calls_refused_at_once(repo, tmp_path, dos_env) -> None:
    """With 16 calls stuck on a hung git, the next is refused as overloaded without starting a thread."""
    bin_dir, flag = _hanging_git(tmp_path)
    env = dos_env({"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "DOS_MCP_TOOL_DEADLINE_MS": "300"})

    async def go():
        async with mcp_session(repo.path, env=env) as s:
            stuck: list[dict] = []

            async def one() -> None:
                stuck.append((await call(s, "dos_doctor"))[1])

            async with anyio.create_task_group() as tg:
                for _ in range(16):
                    tg.start_soon(one)
            refused = await call(s, "dos_doctor")
            listed = len((await s.list_tools()).tools)
            return stuck, refused, listed

    try:
        stuck, (err, refused), listed = anyio.run(go)
    finally:
        flag.unlink()
    assert [d["error"] for d in stuck] == ["timeout"] * 16
    assert err and refused["error"] == "overloaded" and refused["in_flight"] == 16
    assert listed >= len(EXPECTED_TOOLS)


def test_verify_kills_its_hung_git_soon_after_the_deadline(repo, tmp_path, dos_env) -> None:
    """dos_verify answers STALLED at its deadline, and the git it started does not outlive it for long."""
    repo.commit("AUTH: AUTH1 x")
    bin_dir, flag = _hanging_git(tmp_path)
    env = dos_env({"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "DOS_MCP_TOOL_DEADLINE_MS": "500"})

    async def go():
        async with mcp_session(repo.path, env=env) as s:
            res = await call(s, "dos_verify", plan="AUTH", phase="AUTH1")
            pids = [int(p) for p in (tmp_path / "git-pids").read_text().split()]
            for _ in range(300):  # the kill lands ~1 s past the deadline; the server must still be up
                if not any(_alive(p) for p in pids):
                    break
                await anyio.sleep(0.1)
            return res, pids, [p for p in pids if _alive(p)]

    try:
        (err, data), pids, survivors = anyio.run(go)
    finally:
        flag.unlink()
    assert err and data["verdict"] == "STALLED" and data["tool"] == "dos_verify"
    assert pids and not survivors, "the hung git was left running"


def test_deadline_zero_waits_for_the_answer(repo, tmp_path, dos_env) -> None:
    """DOS_MCP_TOOL_DEADLINE_MS=0 disables the deadline: a slow git still yields the real verdict."""
    bin_dir = tmp_path / "slowbin"
    bin_dir.mkdir()
    real_git = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True).stdout.strip()
    (bin_dir / "git").write_text(f"#!/bin/sh\nsleep 0.3\nexec '{real_git}' \"$@\"\n")
    (bin_dir / "git").chmod(0o755)
    env = dos_env({"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "DOS_MCP_TOOL_DEADLINE_MS": "0"})
    sha = repo.commit("first")

    async def go():
        async with mcp_session(repo.path, env=env) as s:
            return await call(s, "dos_doctor")

    err, data = anyio.run(go)
    assert not err and data["git_detail"]["head"] == sha


def test_bad_flags_and_environment_exit_2_with_one_line(tmp_path, dos_env) -> None:
    """A malformed deadline, a missing workspace or a bad port is a one-line error, exit 2."""
    cases = [
        (["--workspace", str(tmp_path / "missing")], {}, "is not a directory"),
        ([], {"DOS_MCP_TOOL_DEADLINE_MS": "soon"}, "DOS_MCP_TOOL_DEADLINE_MS"),
        ([], {"DOS_MCP_TOOL_DEADLINE_MS": "-5"}, "negative"),
        (["--http", "--port", "70000"], {}, "out of range"),
    ]
    for args, extra, needle in cases:
        proc = subprocess.run([sys.executable, "-m", "dos.mcp", *args], capture_output=True, text=True,
                              env=dos_env(extra), cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=60)
        assert proc.returncode == 2, (args, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]
        assert "Traceback" not in proc.stderr


def test_mcp_2x_installed_is_a_clear_error_for_http(tmp_path, dos_env) -> None:
    """With mcp 2.x metadata first on the path, ``dos-mcp --http`` names the version and the pin that fixes it."""
    site = tmp_path / "site"
    dist = site / "mcp-2.3.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mcp\nVersion: 2.3.0\n")
    env = dos_env()
    env["PYTHONPATH"] = f"{site}{os.pathsep}{env['PYTHONPATH']}"
    proc = subprocess.run([sys.executable, "-m", "dos.mcp", "--http", "--port", "0"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 1
    assert "mcp 2.3.0 is installed" in proc.stderr and "mcp>=1.25,<2" in proc.stderr


def test_verify_matches_the_cli(repo, dos_env, run_dos) -> None:
    """dos_verify gives `dos verify --json --explain`'s verdict for shipped, unshipped and a bad ref."""
    repo.commit("AUTH: AUTH1 add login")
    repo.commit("unrelated work")

    async def go():
        async with mcp_session(repo.path, env=dos_env()) as s:
            return [await call(s, "dos_verify", plan="AUTH", phase="AUTH1"),
                    await call(s, "dos_verify", plan="AUTH", phase="AUTH2"),
                    await call(s, "dos_verify", plan="AUTH", phase="AUTH1", ref="no-such-ref")]

    shipped, unshipped, bad_ref = anyio.run(go)
    for (err, data), phase, code in ((shipped, "AUTH1", 0), (unshipped, "AUTH2", 1)):
        cli = run_dos("verify", "AUTH", phase, "--json", "--explain", cwd=repo.path)
        assert cli.returncode == code, cli.stderr
        assert not err and data == json.loads(cli.stdout)
    assert shipped[1]["shipped"] is True and unshipped[1]["shipped"] is False
    cli = run_dos("verify", "AUTH", "AUTH1", "--ref", "no-such-ref", "--json", cwd=repo.path)
    assert bad_ref[0] and bad_ref[1]["error"] == "GitError"
    assert cli.returncode == bad_ref[1]["exit_code"] == 2
    assert cli.stderr.strip() == "error: " + bad_ref[1]["message"].removeprefix("dos_verify: ")
