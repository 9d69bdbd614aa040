"""`dos observe` and `dos helped`: the reference's text and JSON shapes over the store's journal."""

from __future__ import annotations

import json

from dos.service import journal
from dos.testing import FakeClock
from tests.observe.kit import call_hook, context, edit, workspace


def _seed(root) -> None:
    clock = FakeClock(1_800_000_000_000)
    with context(root, clock) as ctx:
        for syscall, token, run, lane, session in (
                ("verify", "SHIPPED", "", "", ""), ("verify", "NOT_SHIPPED", "", "", ""),
                ("efficiency", "WASTEFUL", "RID-A", "src", "s1"), ("liveness", "STALLED", "RID-A", "src", "s1"),
                ("zeta", "OK", "", "", ""), ("arbitrate", "REFUSE", "", "docs", ""),
                ("acquire", "ACQUIRE", "RID-B", "docs", "s2")):
            journal.record(ctx, syscall, journal.Outcome(token, "why"), run_id=run, lane=lane, session=session,
                           subject=f"{syscall}-subject")
            clock.advance(1)


def test_rollup_text_in_the_reference_layout(repo, run_dos) -> None:
    root = workspace(repo)
    _seed(root)
    out = run_dos("observe", cwd=root)
    assert out.returncode == 0, out.stderr
    assert out.stdout == (
        "# observe\n"
        "  7 verdict event(s) recorded\n"
        "\n"
        "  verify              2  NOT_SHIPPED=1 SHIPPED=1\n"
        "  liveness            1  STALLED=1\n"
        "  efficiency          1  WASTEFUL=1\n"
        "  arbitrate           1  REFUSE=1\n"
        "  acquire             1  ACQUIRE=1\n"
        "  zeta                1  OK=1\n")
    by_run = run_dos("observe", "--by", "run_id", cwd=root).stdout.splitlines()
    assert by_run[1] == "  7 verdict event(s) recorded, folded by run_id"
    assert by_run[3:] == ["  (unattributed)      4  NOT_SHIPPED=1 OK=1 REFUSE=1 SHIPPED=1",
                          "  RID-A               2  STALLED=1 WASTEFUL=1", "  RID-B               1  ACQUIRE=1"]
    by_session = run_dos("observe", "--by", "session", cwd=root).stdout.splitlines()
    assert by_session[3] == "  (none)              4  NOT_SHIPPED=1 OK=1 REFUSE=1 SHIPPED=1"
    assert run_dos("observe", "--syscall", "verify", cwd=root).stdout.splitlines()[:2] == [
        "# observe · syscall verify", "  2 verdict event(s) recorded"]


def test_history_tail_run_and_since(repo, run_dos) -> None:
    root = workspace(repo)
    _seed(root)
    tail = run_dos("observe", "--tail", "2", cwd=root).stdout.splitlines()
    assert tail[:3] == ["# observe · history", "  ts                   syscall      verdict        subject / detail",
                        "  " + "-" * 65]
    assert tail[3] == "  2027-01-15T08:00:05Z arbitrate    REFUSE         arbitrate-subject"
    assert tail[4] == "  2027-01-15T08:00:06Z acquire      ACQUIRE        acquire-subject  [RID-B]"
    run = run_dos("observe", "--run", "RID-A", cwd=root).stdout.splitlines()
    assert run[0] == "# observe · history · run RID-A" and len(run) == 5
    assert run_dos("observe", "--run", "RID-NONE", cwd=root).stdout == (
        "# observe · history · run RID-NONE\n  (no matching verdict events)\n")
    since = json.loads(run_dos("observe", "--since", "5", "--json", cwd=root).stdout)
    assert since["rollup"]["total"] == 2 and [e["seq"] for e in since["events"]] == [6, 7]
    since = json.loads(run_dos("observe", "--since", "2027-01-15T08:00:04Z", "--json", cwd=root).stdout)
    assert since["rollup"]["total"] == 3
    bad = run_dos("observe", "--since", "yesterday", cwd=root)
    assert bad.returncode == 2 and "neither a journal seq" in bad.stderr


def test_json_shape(repo, run_dos) -> None:
    root = workspace(repo)
    _seed(root)
    report = json.loads(run_dos("observe", "--json", "--by", "verdict", cwd=root).stdout)
    assert set(report) >= {"run", "syscall_filter", "corrupt", "rollup", "events"}
    assert report["rollup"]["by"] == "verdict" and report["rollup"]["total"] == 7
    assert report["rollup"]["dimensions"] == ["ACQUIRE", "NOT_SHIPPED", "OK", "REFUSE", "SHIPPED", "STALLED",
                                              "WASTEFUL"]
    event = report["events"][0]
    assert {"ts", "seq", "syscall", "verdict", "run_id", "lane", "subject", "detail", "source"} <= set(event)
    assert report["corrupt"] == 0


def test_empty_journal(repo, run_dos) -> None:
    repo.write("dos.toml", "")
    out = run_dos("observe", cwd=repo.path)
    assert out.returncode == 0
    assert out.stdout.startswith("# observe\n  0 verdict event(s) recorded\n  (no verdicts recorded yet")
    report = json.loads(run_dos("observe", "--json", cwd=repo.path).stdout)
    assert report["rollup"] == {"by": "syscall", "total": 0, "corrupt": 0, "dimensions": [], "counts": {}}
    assert not (repo.path / ".dos").exists()


def test_agents_text_cannot_draw_on_the_terminal(repo, run_dos) -> None:
    root = workspace(repo)
    with context(root) as ctx:
        journal.record(ctx, "verify", journal.Outcome("SHIPPED"), subject="x\n\x1b[31mFAKE  1  SHIPPED=99")
    out = run_dos("observe", "--tail", "1", cwd=root).stdout
    assert "\x1b" not in out and out.count("\n") == 4


def test_helped_folds_the_hooks_denials(repo, run_dos) -> None:
    root = workspace(repo)
    from dos.service import leases

    with context(root) as ctx:
        assert leases.acquire(ctx, leases.request("docs"), holder="agentB", session="sess-B").granted
    for rel in ("docs/a.md", "docs/b.md"):
        assert call_hook("pretool", edit(root, "sess-A", rel))[0] == 2
    call_hook("pretool", edit(root, "sess-C", ".dos/store.sqlite3"))
    out = run_dos("helped", cwd=root).stdout.splitlines()
    assert out[0] == "# dos helped" and out[1].startswith("  DOS has caught 3 things since ")
    assert out[2] == "    3 blocked, 0 warned  ·  3 calls actually refused"
    assert "    COLLISION                 2   a write into a region another session's live lease holds" in out
    assert "    Edit                      3" in out
    report = json.loads(run_dos("helped", "--json", "--session", "sess-A", cwd=root).stdout)
    assert report["total"] == 2 and report["by_reason"] == {"COLLISION": 2} and report["by_rung"] == {"BLOCK": 2}
    assert report["examples"]["COLLISION"][0]["target"] == "docs/a.md"
    assert set(report) >= {"total", "enforced", "withheld", "blocked", "warned", "deferred", "by_rung",
                           "by_reason", "by_tool", "since", "latest", "examples", "glossary"}
    explain = run_dos("helped", "--explain", cwd=root).stdout
    assert "  COLLISION  (2 blocked)\n    means: " in explain and "      · docs/a.md via Edit" in explain
    empty = json.loads(run_dos("helped", "--json", "--session", "nobody", cwd=root).stdout)
    assert empty["total"] == 0 and empty["since"] == ""
