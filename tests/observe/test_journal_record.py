"""What gets journaled, when, and that each decision's row commits with the decision itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from dos.service import journal
from dos.store import journal as js
from dos.testing import FakeClock
from tests.observe.kit import call_hook, context, edit, read, rows, workspace

HOOK = "from dos.hooks.__main__ import run; run()"


def test_auto_records_once_a_store_exists_and_never_creates_one(repo, run_dos) -> None:
    repo.write("dos.toml", "")
    repo.commit("AUTH1: ship")
    assert run_dos("verify", "AUTH", "AUTH1", cwd=repo.path).returncode == 0
    assert not (repo.path / ".dos").exists()  # a read verb in a fresh workspace leaves nothing behind
    assert run_dos("lease-lane", "acquire", "--lane", "main", "--owner", "a", cwd=repo.path).returncode == 0
    assert run_dos("verify", "AUTH", "AUTH1", cwd=repo.path).returncode == 0
    got = [r[1:3] for r in rows(repo.path)]
    assert got == [("acquire", "ACQUIRE"), ("verify", "SHIPPED")]


def test_dispatch_observe_arms_and_disarms(repo, run_dos) -> None:
    repo.write("dos.toml", "")
    repo.commit("AUTH1: ship")
    assert run_dos("verify", "AUTH", "AUTH2", cwd=repo.path, env={"DISPATCH_OBSERVE": "1"}).returncode == 1
    assert [r[1:3] for r in rows(repo.path)] == [("verify", "NOT_SHIPPED")]  # created the store for it
    run_dos("verify", "AUTH", "AUTH1", cwd=repo.path, env={"DISPATCH_OBSERVE": "off"})
    run_dos("lease-lane", "acquire", "--lane", "main", "--owner", "a", cwd=repo.path, env={"DISPATCH_OBSERVE": "0"})
    assert len(rows(repo.path)) == 1
    repo.write("dos.toml", '[observe]\nrecord = "off"\n')
    run_dos("verify", "AUTH", "AUTH1", cwd=repo.path)
    assert len(rows(repo.path)) == 1


def test_lease_decisions_are_journaled_in_their_own_transaction(repo) -> None:
    """Each lease operation's row carries its event's seq and the transaction's one clock reading."""
    root = workspace(repo)
    clock = FakeClock(1_800_000_000_000)
    from dos.service import leases

    with context(root, clock) as ctx:
        got = leases.acquire(ctx, leases.request("docs"), holder="agentB", session="sess-B", run_id="RID-7")
        clock.advance(5)
        leases.acquire(ctx, leases.request("docs"), holder="agentC", session="sess-C")
        clock.advance(5)
        assert leases.heartbeat(ctx, holder="agentB", lane="docs", coalesce_ms=60_000) is not None  # coalesced
        clock.advance(120)
        leases.heartbeat(ctx, holder="agentB", lane="docs")
        leases.release(ctx, holder="nobody", lane="docs")
        leases.adopt(ctx, lane="docs", holder="agentD", session="sess-D")
        leases.release(ctx, holder="agentD", lane="docs")
        recs = journal.query(ctx)
        events = {e.seq: e for e in ctx.store.events()}
    assert [(r["syscall"], r["verdict"]) for r in recs] == [
        ("acquire", "ACQUIRE"), ("acquire", "REFUSE"), ("heartbeat", "BEATEN"), ("release", "NOT_HELD"),
        ("adopt", "ADOPTED"), ("release", "RELEASED")]
    first = recs[0]
    assert first["run_id"] == "RID-7" and first["session"] == "sess-B" and first["lane"] == "docs"
    assert first["detail"]["lease_id"] == got.lease.lease_id and first["detail"]["fence"] == got.lease.fence
    linked = [r for r in recs if r["verdict"] != "NOT_HELD"]
    with context(root) as ctx, ctx.store.engine.read() as tx:
        links = dict(tx.execute("SELECT seq, event_seq FROM verdicts"))
    for r in linked:
        event = events[links[r["seq"]]]
        assert event.ts_ms == r["ts_ms"]  # one transaction, one clock reading
        assert str(event.op) == {"ACQUIRE": "ACQUIRE", "REFUSE": "REFUSE", "BEATEN": "HEARTBEAT",
                                 "ADOPTED": "ADOPT", "RELEASED": "RELEASE"}[r["verdict"]]


def test_nested_evidence_is_flattened_not_dropped() -> None:
    class Efficiency:
        token = "WASTEFUL"
        reason = "0 work for 1e6 tokens"
        evidence = {"tokens": 1_000_000, "work": 0, "by_model": {"big": 900_000, "small": 100_000}}

        def to_dict(self):
            return {"verdict": "WASTEFUL", "reason": self.reason, "ratio": 0.0, "inputs": {"tokens": 1_000_000,
                    "units": ["a", "b"]}}

    got = journal.detail_of(Efficiency())
    assert got == {"ratio": 0.0, "inputs.tokens": 1_000_000, "inputs.units": "a, b", "evidence.tokens": 1_000_000,
                   "evidence.work": 0, "evidence.by_model.big": 900_000, "evidence.by_model.small": 100_000}


# --------------------------------------------------------------------------- the hooks


def _hold_docs(root: Path) -> None:
    from dos.service import leases

    with context(root) as ctx:
        assert leases.acquire(ctx, leases.request("docs"), holder="agentB", session="sess-B").granted


def test_hook_allows_are_spooled_then_folded_exactly_once(repo) -> None:
    root = workspace(repo)
    _hold_docs(root)
    assert call_hook("pretool", edit(root, "sess-A", "src/app.py"))[0] == 0
    assert call_hook("pretool", read(root, "sess-A", "docs/x.md"))[0] == 0  # a read: not journaled by default
    assert call_hook("pretool", edit(root, "sess-A", "docs/x.md"))[0] == 2
    spool = root / ".dos" / "journal.spool"
    assert spool.read_text().count("\n") == 3  # the header, the one write allowed, and the deny
    # both wait in the spool: the deny with its ENFORCE event, which is not in the log yet
    assert [r[1:3] for r in rows(root)] == [("acquire", "ACQUIRE")]
    with context(root) as ctx:
        before = ctx.store.seq()
        assert journal.flush(ctx) == 2
        assert journal.flush(ctx) == 0
        recs = journal.query(ctx, syscall="pretool")
        enforce = ctx.store.events(since_seq=before)
    assert [(r["verdict"], r["subject"], r["source"]) for r in recs] == [
        ("ALLOW", "Edit src/app.py", "sensor"), ("COLLISION", "Edit docs/x.md", "sensor")]
    assert recs[0]["detail"] == {"action": "allow", "host": "claude-code", "tool": "Edit", "paths": "src/app.py"}
    assert [(str(e.op), e.holder, e.data["token"]) for e in enforce] == [("ENFORCE", "sess-A", "COLLISION")]
    assert [r[6] for r in rows(root) if r[1] == "pretool"] == [None, enforce[0].seq]  # linked by seq


def test_hook_allows_setting(repo) -> None:
    root = workspace(repo, '\n[observe]\nhook_allows = "all"\n')
    call_hook("pretool", read(root, "sess-A", "docs/x.md"))
    call_hook("posttool", {"session_id": "sess-A", "cwd": str(root), "hook_event_name": "PostToolUse",
                           "tool_name": "Read", "tool_input": {"file_path": "x"}, "tool_response": "y"})
    with context(root) as ctx:
        journal.flush(ctx)
        assert [(r["syscall"], r["verdict"]) for r in journal.query(ctx)] == [("pretool", "ALLOW"),
                                                                              ("posttool", "ALLOW")]
    (root / "dos.toml").write_text((root / "dos.toml").read_text().replace('"all"', '"none"'))
    spool = root / ".dos" / "journal.spool"
    before = spool.read_text()
    call_hook("pretool", edit(root, "sess-A", "src/app.py"))
    assert spool.read_text() == before


def test_concurrent_hooks_and_drains_lose_nothing_and_repeat_nothing(repo, run_dos) -> None:
    """Hook processes append while other processes drain: every allow lands in the chain once."""
    root = workspace(repo)
    n_hooks, per_hook = 6, 5
    script = ("import io, json, sys\nfrom dos.hooks.__main__ import main\n"
              f"for i in range({per_hook}):\n"
              "    p = {'session_id': sys.argv[1], 'cwd': sys.argv[2], 'hook_event_name': 'PreToolUse',"
              " 'tool_name': 'Edit', 'tool_input': {'file_path': sys.argv[2] + '/src/f%d.py' % i,"
              " 'old_string': 'a', 'new_string': 'b'}}\n"
              "    assert main(['pretool'], io.StringIO(json.dumps(p)), io.StringIO(), io.StringIO(), {}) == 0\n")
    env = dict(os.environ)
    hooks = [subprocess.Popen([sys.executable, "-c", script, f"sess-{i}", str(root)], env=env)
             for i in range(n_hooks)]
    drains = [subprocess.Popen([sys.executable, "-m", "dos", "observe", "--json"], cwd=root, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(3)]
    for p in hooks + drains:
        assert p.wait(timeout=120) == 0
    out = run_dos("observe", "--json", "--syscall", "pretool", cwd=root)
    report = json.loads(out.stdout)
    assert report["rollup"]["counts"] == {"pretool": {"ALLOW": n_hooks * per_hook}}
    with context(root) as ctx:
        subjects = [(r["session"], r["subject"]) for r in journal.query(ctx, syscall="pretool")]
        assert len(set(subjects)) == n_hooks * per_hook
        assert journal.verify(ctx).token == "INTACT"


def test_a_drain_that_rolls_back_is_read_again(repo) -> None:
    root = workspace(repo)
    spool = js.spool_path(str(root / ".dos"))
    for i in range(3):
        js.spool_append(spool, js.make_row(1_000 + i, "pretool", "ALLOW", subject=f"s{i}"))
    with context(root) as ctx:
        try:
            with ctx.store.engine.write() as tx:
                assert js.drain_spool(tx, spool, now_ms=1)[0] == 3
                raise RuntimeError("the process died before commit")
        except RuntimeError:
            pass
        assert journal.query(ctx) == []
        assert journal.flush(ctx) == 3
        js.spool_append(spool, js.make_row(2_000, "pretool", "ALLOW", subject="s3"))
        assert journal.flush(ctx) == 1
        assert [r["subject"] for r in journal.query(ctx)] == ["s0", "s1", "s2", "s3"]


def test_a_full_spool_is_moved_aside_read_to_the_end_and_removed(repo, monkeypatch) -> None:
    root = workspace(repo)
    spool = js.spool_path(str(root / ".dos"))
    monkeypatch.setattr(js, "ROTATE_BYTES", 500)
    with context(root) as ctx:
        for i in range(10):
            js.spool_append(spool, js.make_row(1_000 + i, "pretool", "ALLOW", subject=f"s{i}"))
        assert journal.flush(ctx) == 10
        old = [p for p in os.listdir(root / ".dos") if p.endswith(".old")]
        assert len(old) == 1 and not os.path.exists(spool)
        js.spool_append(spool, js.make_row(3_000, "pretool", "ALLOW", subject="fresh"))
        with ctx.store.engine.write() as tx:
            added, done = js.drain_spool(tx, spool, now_ms=1, keep_s=0)
        js.unlink_all(done)
        assert added == 1 and not [p for p in os.listdir(root / ".dos") if p.endswith(".old")]
        assert len(journal.query(ctx)) == 11


def test_a_torn_spool_line_is_reported_as_corrupt(repo, run_dos) -> None:
    root = workspace(repo)
    spool = js.spool_path(str(root / ".dos"))
    js.spool_append(spool, js.make_row(1_000, "pretool", "ALLOW", subject="whole"))
    with open(spool, "a") as fh:
        fh.write('{"detail":"{}","lane":"","run_id"')  # a write cut short
    assert run_dos("observe", cwd=root).returncode == 0  # the torn tail waits: it may still be written
    js.spool_append(spool, js.make_row(2_000, "pretool", "ALLOW", subject="after"))
    out = run_dos("observe", cwd=root)
    assert out.returncode == 1
    assert "1 corrupt/unreadable journal line(s)" in out.stdout
    assert [r[1:3] + r[5:6] for r in rows(root)] == [("pretool", "ALLOW", "whole"), ("pretool", "ALLOW", "after"),
                                                      ("journal", "SPOOL_CORRUPT", spool)]


def test_the_pickers_verdicts_and_halt_and_spawn_are_journaled(repo, run_dos) -> None:
    root = workspace(repo)
    repo.write("p.md", "# P\n\n## AUTH1 login\nSHIPPED\n\n## AUTH2 logout\nopen\n")
    assert run_dos("enumerate", "p.md", "--series", "AUTH", cwd=root).returncode == 0
    assert run_dos("pickable", "AUTH2", "--state", '{"in_flight": true}', cwd=root).returncode != 0
    assert run_dos("cooldown", "AUTH2", "--attempts", "[]", cwd=root).returncode == 0
    assert run_dos("reconcile", "AUTH2", "--claimed-done", "--no-oracle-shipped", cwd=root).returncode != 0
    assert run_dos("lease-lane", "spawn", "--lane", "docs", "--owner", "w1", cwd=root).returncode == 0
    assert run_dos("halt", "--handle", "4242", "--lane", "docs", cwd=root).returncode == 0
    got = [(r[1], r[2]) for r in rows(root)]
    syscalls = [s for s, _ in got]
    assert syscalls == ["enumerate", "pickable", "cooldown", "reconcile", "spawn", "halt"], got
    assert got[-2:] == [("spawn", "SPAWN_RECORDED"), ("halt", "HALTED")]
    linked = rows(root, "SELECT syscall, event_seq FROM verdicts WHERE syscall IN ('spawn', 'halt') ORDER BY seq")
    assert all(seq is not None for _, seq in linked), "a recorded event's row links its lease-log event"


def test_journal_export_verdicts_writes_the_reference_record_shape(repo, run_dos, tmp_path) -> None:
    root = workspace(repo)
    assert run_dos("verify", "AUTH", "AUTH1", cwd=root).returncode == 0
    assert run_dos("verify", "AUTH", "AUTH9", cwd=root).returncode == 1
    out = tmp_path / "verdict-journal.jsonl"
    done = run_dos("journal", "export", "--verdicts", "--output", str(out), cwd=root)
    assert done.returncode == 0, done.stderr
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["syscall"], r["verdict"], r["subject"]) for r in recs] == [
        ("verify", "SHIPPED", "AUTH::AUTH1"), ("verify", "NOT_SHIPPED", "AUTH::AUTH9")]
    for r in recs:
        assert (r["schema_family"], r["schema_version"]) == ("verdict-journal", 1)
        assert {"ts", "seq", "run_id", "lane", "detail", "source", "hash"} <= set(r) and isinstance(r["detail"], dict)
    assert [r["seq"] for r in recs] == sorted(r["seq"] for r in recs)
