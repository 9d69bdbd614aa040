"""dos_commit_audit and dos_liveness agree with `dos commit-audit --json` and `dos liveness --json`."""

from __future__ import annotations

import json

import anyio
from tests.mcp._mcpdrive import call, mcp_session


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


def test_status_digests_liveness_progress_and_region(repo, dos_env, run_dos) -> None:
    """A run holding a lease: the digest's liveness is the CLI's verdict and its region is that lease."""
    repo.write("dos.toml", '[lanes]\nconcurrent = ["src"]\nexclusive = ["global"]\n'
                           '[lanes.trees]\nsrc = ["src/**"]\nglobal = ["**/*"]\n')
    start = repo.commit("start")
    minted = json.loads(run_dos("run-id", "mint", "worker", cwd=repo.path).stdout)
    rid = minted["run_id"]
    later = minted["ts_ms"] + 3_600_000

    async def go():
        async with mcp_session(repo.path, env=dos_env()) as s:
            got = await call(s, "dos_lease_acquire", holder="w", lane="src", run_id=rid, ttl_s=86_400)
            st = await call(s, "dos_status", run_id=rid, start_sha=start, now_ms=later)
            return got[1], st

    got, (err, st) = anyio.run(go)
    assert not err and st["schema"] == "dos.status/1" and st["run_id"] == rid
    cli = json.loads(run_dos("liveness", "--run-id", rid, "--start-sha", start, "--now-ms", str(later),
                             "--json", cwd=repo.path).stdout)
    assert st["liveness"] == {"verdict": cli["verdict"], "reason": cli["reason"]}
    assert st["progress"]["commits_since_start"] == cli["evidence"]["commits_since_start"] == 0
    assert st["progress"]["lease_events_since"] == cli["evidence"]["journal_events_since"]
    assert st["region"]["lease_id"] == got["lease_id"] and st["region"]["fence"] == got["fence"]
    assert st["region"]["tree"] == ["src/**"] and st["region"]["live"] is True
    assert st["liveness"]["verdict"] == "STALLED" and "lane src" in st["resume"]  # beat is an hour old


def test_reason_registry_tools_follow_the_workspace_config(tmp_path, dos_env) -> None:
    """Custom reasons join the built-ins; morphology classifies unknown tokens; the rest are UNCLASSIFIED."""
    from dos.config import load_config
    from dos.kernel.reasons import build_registry

    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "dos.toml").write_text(
        '[reasons.WAITING_ON_VENDOR]\ncategory = "OPERATOR_GATE"\nsummary = "blocked on a vendor"\n'
        'fix = "ping the vendor"\n\n'
        '[[reasons.morphology]]\nsubstring = "VENDOR"\ncategory = "OPERATOR_GATE"\n')

    async def go():
        async with mcp_session(ws, env=dos_env()) as s:
            return [await call(s, "dos_refuse_reasons"),
                    await call(s, "dos_check_reason", reason_class="waiting_on_vendor"),
                    await call(s, "dos_check_reason", reason_class="LANE_DRAINED"),
                    await call(s, "dos_check_reason", reason_class="VENDOR_SLOW"),
                    await call(s, "dos_check_reason", reason_class="LANE_DRAINED_AGAIN"),
                    await call(s, "dos_check_reason", reason_class="")]

    listing, custom, builtin, morph, gone, empty = anyio.run(go)
    expected = build_registry(load_config(ws).reasons.custom)
    assert listing[1]["count"] == len(expected)
    assert listing[1]["reasons"] == [spec.to_dict() for _t, spec in sorted(expected.items())]
    assert custom[1]["known"] and custom[1]["reason_class"] == "WAITING_ON_VENDOR"
    assert custom[1]["fix"] == "ping the vendor" and custom[1]["interpretation"].startswith("KNOWN")
    assert builtin[1]["category"] == "TRUE_DRAIN" and builtin[1]["how"] == "exact"
    assert morph[1]["known"] is False and morph[1]["category"] == "OPERATOR_GATE"
    assert morph[1]["how"] == "morphological"
    # the workspace's morphology replaces the built-in rules, so DRAIN no longer classifies
    assert gone[1]["category"] == "UNCLASSIFIED" and gone[1]["interpretation"].startswith("UNCLASSIFIED")
    assert empty[0] and empty[1]["argument"] == "reason_class"
