"""dos_commit_audit and dos_liveness agree with `dos commit-audit --json` and `dos liveness --json`."""

from __future__ import annotations

import json

import anyio
from _mcpdrive import call, mcp_session


def test_commit_audit_matches_the_cli(repo, dos_env, run_dos) -> None:
    """One commit, a range with totals, and an unreadable ref, each as the CLI judges them."""
    base = repo.commit("init", files={"README.md": "x\n"})
    repo.commit("fix: handle empty input", files={"src/app.py": "print(1)\n"})
    repo.commit("feat: add the parser", files={"docs/notes.md": "only docs\n"})

    async def go():
        async with mcp_session(repo.path, env=dos_env()) as s:
            return [await call(s, "dos_commit_audit"),
                    await call(s, "dos_commit_audit", ref="HEAD~1"),
                    await call(s, "dos_commit_audit", ref=f"{base}..HEAD"),
                    await call(s, "dos_commit_audit", ref="nope")]

    head, prev, rng, bad = anyio.run(go)
    for (err, data), ref in ((head, "HEAD"), (prev, "HEAD~1")):
        cli = run_dos("commit-audit", ref, "--json", cwd=repo.path)
        assert not err
        assert {k: v for k, v in data.items() if k != "interpretation"} == json.loads(cli.stdout)[0]
    assert head[1]["verdict"] == "CLAIM_UNWITNESSED" and head[1]["interpretation"].startswith("UNWITNESSED")
    assert prev[1]["verdict"] == "OK" and prev[1]["interpretation"].startswith("WITNESSED")
    cli_range = run_dos("commit-audit", f"{base}..HEAD", "--json", cwd=repo.path)
    assert cli_range.returncode == 1
    assert rng[1]["commits"] == json.loads(cli_range.stdout)
    sweep = run_dos("commit-audit", "--sweep", f"{base}..HEAD", "--json", cwd=repo.path)
    assert rng[1]["sweep"] == json.loads(sweep.stdout)
    assert head[1]["sha"] in rng[1]["interpretation"]
    cli_bad = run_dos("commit-audit", "nope", "--json", cwd=repo.path)
    assert bad[0] and bad[1]["error"] == "GitError" and cli_bad.returncode == 2
    assert cli_bad.stderr.strip() == "error: " + bad[1]["message"].removeprefix("dos_commit_audit: ")


def test_liveness_matches_the_cli(repo, dos_env, run_dos) -> None:
    """ADVANCING with a commit since the start SHA, STALLED with an old beat; bad ids name the argument."""
    start = repo.commit("start")
    minted = json.loads(run_dos("run-id", "mint", "worker", cwd=repo.path).stdout)
    rid, t0 = minted["run_id"], minted["ts_ms"]
    repo.commit("progress")
    later = t0 + 3_600_000

    async def go():
        async with mcp_session(repo.path, env=dos_env()) as s:
            return [await call(s, "dos_liveness", run_id=rid, start_sha=start, now_ms=later),
                    await call(s, "dos_liveness", run_id=rid, now_ms=later, last_heartbeat_age_ms=2_000_000),
                    await call(s, "dos_liveness", run_id="RID-nope"),
                    await call(s, "dos_liveness", run_id=rid, start_sha="0" * 40)]

    adv, stalled, bad_id, bad_sha = anyio.run(go)
    cli_adv = run_dos("liveness", "--run-id", rid, "--start-sha", start, "--now-ms", str(later), "--json",
                      cwd=repo.path)
    cli_st = run_dos("liveness", "--run-id", rid, "--now-ms", str(later), "--last-heartbeat-age-ms",
                     "2000000", "--json", cwd=repo.path)
    assert (cli_adv.returncode, cli_st.returncode) == (0, 4)
    for (err, data), cli in ((adv, cli_adv), (stalled, cli_st)):
        assert not err
        assert {k: v for k, v in data.items() if k != "interpretation"} == json.loads(cli.stdout)
    assert adv[1]["verdict"] == "ADVANCING" and stalled[1]["verdict"] == "STALLED"
    assert stalled[1]["interpretation"].startswith("STALLED")
    assert bad_id[0] and bad_id[1]["argument"] == "run_id"
    assert bad_sha[0] and bad_sha[1]["argument"] == "start_sha"
