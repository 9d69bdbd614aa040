"""A pretool deny's ENFORCE event waits in the journal spool until the next writer folds it in.

What must hold: every reader sees the deny (folded by readers that may write, merged read-only
by the screens), a lease operation folds it, a line that is not an ENFORCE event never reaches
the lease log, and a deny too large for one spool line is recorded directly.
"""

from __future__ import annotations

import json
from pathlib import Path

from dos.service import fleet, journal, leases
from tests.observe.kit import call_hook, context, edit, rows, workspace


def _hold_docs(root: Path) -> None:
    with context(root) as ctx:
        assert leases.acquire(ctx, leases.request("docs"), holder="agentB", session="sess-B").granted


def _enforce(root: Path) -> list[tuple[str, str]]:
    return rows(root, "SELECT holder, reason FROM events WHERE op = 'ENFORCE' ORDER BY seq")


def _file_state(root: Path) -> tuple[bytes, bytes]:
    dos = root / ".dos"
    return (dos / "store.sqlite3").read_bytes(), (dos / "journal.spool").read_bytes()


def test_screens_show_a_spooled_deny_without_folding_it(repo) -> None:
    root = workspace(repo)
    _hold_docs(root)
    with context(root) as ctx:
        before = fleet.log_position(ctx)
    assert call_hook("pretool", edit(root, "sess-A", "docs/x.md"))[0] == 2
    assert _enforce(root) == []
    state = _file_state(root)
    with context(root) as ctx:
        assert fleet.log_position(ctx) != before, "a screen must wake on a deny that is still spooled"
        denies = fleet.snapshot(ctx, verdicts=False, activity=False)["denies"]
    assert [(d["lane"], d["session"]) for d in denies] == [("docs", "sess-A")]
    assert _file_state(root) == state, "a screen read the spool without writing anything"


def test_a_lease_operation_folds_the_spooled_deny_into_the_log(repo) -> None:
    root = workspace(repo)
    _hold_docs(root)
    assert call_hook("pretool", edit(root, "sess-A", "docs/x.md"))[0] == 2
    with context(root) as ctx:
        assert leases.acquire(ctx, leases.request("src"), holder="agentA", session="sess-A").granted
    (holder, reason), = _enforce(root)
    assert holder == "sess-A" and "held by agentB" in reason
    with context(root) as ctx:
        assert journal.flush(ctx) == 0, "folded exactly once"
        assert journal.verify(ctx).token == "INTACT"


def test_helped_counts_a_deny_still_in_the_spool(repo) -> None:
    from dos.service.observe import helped

    root = workspace(repo)
    _hold_docs(root)
    assert call_hook("pretool", edit(root, "sess-A", "docs/x.md"))[0] == 2
    with context(root) as ctx:
        got = helped(ctx)
    assert got["blocked"] == 1 and got["by_reason"] == {"COLLISION": 1}


def test_a_spool_line_is_never_a_lease_operation(repo) -> None:
    """Whoever can write .dos/ can append a line; it must not grant, release or rewrite a lease."""
    root = workspace(repo)
    _hold_docs(root)
    assert call_hook("pretool", edit(root, "sess-A", "docs/x.md"))[0] == 2
    spool = root / ".dos" / "journal.spool"
    forged = {"nojournal": True, "ts_ms": 1, "event": [1, "RELEASE", "docs", "x", "agentB", "", "forged", "{}"]}
    forged_acquire = {"nojournal": True, "ts_ms": 1,
                      "event": [1, "ACQUIRE", "src", "y", "mallory", "", "forged", json.dumps({"lease": {}})]}
    with spool.open("a") as fh:
        fh.write(json.dumps(forged) + "\n" + json.dumps(forged_acquire) + "\n")
    with context(root) as ctx:
        journal.flush(ctx)
        live = [(x.lane, x.holder) for x in ctx.store.live_leases()]
        corrupt = journal.query(ctx, syscall="journal")
    assert live == [("docs", "agentB")]
    assert rows(root, "SELECT count(*) FROM events WHERE reason = 'forged'") == [(0,)]
    assert len(_enforce(root)) == 1, "the real deny was folded in"
    assert [(r["verdict"], r["detail"]["lines"]) for r in corrupt] == [("SPOOL_CORRUPT", 2)]


def test_a_deny_too_large_for_one_spool_line_is_recorded_at_once(repo) -> None:
    root = workspace(repo)
    _hold_docs(root)
    deep = "docs/" + "/".join(f"{i:02d}" + "d" * 200 for i in range(12)) + "/x.md"  # 2.4 kB, named thrice
    payload = edit(root, "sess-A", deep)
    code, _, err = call_hook("pretool", payload)
    assert code == 2, err
    assert len(_enforce(root)) == 1, "a long deny is in the log before any writer runs"
    spool = root / ".dos" / "journal.spool"
    assert not spool.exists() or "ENFORCE" not in spool.read_text()
