"""The verdict journal is a hash chain: `dos journal verify` names the first row that was edited,
removed or whose decision event was changed, and compaction keeps the chain verifiable."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dos.service import journal
from dos.store import journal as js
from dos.store.schema import BASE_DDL
from dos.store.schema_journal import JOURNAL_DDL
from dos.testing import FakeClock
from tests.observe.kit import context, edit, call_hook, rows, sql, workspace


def _verdicts(run_dos, root: Path) -> None:
    for phase in ("AUTH1", "AUTH2", "AUTH1"):
        run_dos("verify", "AUTH", phase, cwd=root)
    assert run_dos("lease-lane", "acquire", "--lane", "docs", "--owner", "agentB", "--session", "sess-B",
                   cwd=root).returncode == 0
    assert run_dos("lease-lane", "release", "--lane", "docs", "--owner", "nobody", cwd=root).returncode == 1


def test_verify_names_the_row_edited_with_sqlite3(repo, run_dos) -> None:
    """One UPDATE of one column of one row: verify exits 1 naming that seq; undoing it verifies again."""
    root = workspace(repo)
    _verdicts(run_dos, root)
    ok = run_dos("journal", "verify", cwd=root)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("INTACT  5 row(s), seq 1..5")
    sql(root, "UPDATE verdicts SET verdict = 'SHIPPED' WHERE seq = 2")
    bad = run_dos("journal", "verify", cwd=root)
    assert bad.returncode == 1
    assert bad.stdout.startswith("BROKEN  first broken link at seq 2: seq 2 does not match its own hash")
    report = json.loads(run_dos("journal", "verify", "--json", cwd=root).stdout)
    assert report["verdict"] == "BROKEN" and report["first_broken_seq"] == 2 and report["broken"] == 1
    sql(root, "UPDATE verdicts SET verdict = 'NOT_SHIPPED' WHERE seq = 2")
    assert run_dos("journal", "verify", cwd=root).returncode == 0


def test_a_removed_row_and_a_rewritten_hash_break_the_next_link(repo, run_dos) -> None:
    root = workspace(repo)
    _verdicts(run_dos, root)
    sql(root, "DELETE FROM verdicts WHERE seq = 3")
    out = run_dos("journal", "verify", cwd=root)
    assert out.returncode == 1
    assert "first broken link at seq 4: seq 4 does not follow seq 2" in out.stdout
    # an attacker who edits seq 2 and recomputes its own hash is caught at the link to seq 4
    (seq, prev, content) = _row(root, 2)
    content[3] = "SHIPPED"
    sql(root, "UPDATE verdicts SET verdict = ?, hash = ? WHERE seq = 2", ("SHIPPED", js.row_hash(prev, content)))
    report = json.loads(run_dos("journal", "verify", "--json", cwd=root).stdout)
    assert report["first_broken_seq"] == 4
    assert [p["kind"] for p in report["problems"]] == ["link"]


def _row(root: Path, seq: int) -> tuple[int, str, list]:
    conn = sqlite3.connect(root / ".dos" / "store.sqlite3")
    row = conn.execute(js.SELECT + " WHERE seq = ?", (seq,)).fetchone()
    conn.close()
    return seq, row[12], list(row[:12])


def test_editing_the_enforce_event_a_deny_journaled_is_caught(repo, run_dos) -> None:
    """A hook deny's ENFORCE event and its journal row, folded in from the spool in one transaction,
    are linked by digest."""
    root = workspace(repo)
    assert run_dos("lease-lane", "acquire", "--lane", "docs", "--owner", "agentB", "--session", "sess-B",
                   cwd=root).returncode == 0
    code, _, _ = call_hook("pretool", edit(root, "sess-A", "docs/x.md"))
    assert code == 2
    assert [r for r in rows(root) if r[1] == "pretool"] == [], "the deny waits in the spool"
    assert run_dos("journal", "verify", cwd=root).returncode == 0  # a reader folds the spool in first
    (seq, syscall, verdict, session, lane, subject, event_seq), = [r for r in rows(root) if r[1] == "pretool"]
    assert (verdict, session, lane, subject) == ("COLLISION", "sess-A", "docs", "Edit docs/x.md")
    op, = rows(root, f"SELECT op FROM events WHERE seq = {event_seq}")[0]
    assert op == "ENFORCE"
    assert run_dos("journal", "verify", cwd=root).returncode == 0
    sql(root, "UPDATE events SET reason = 'nothing happened here' WHERE seq = ?", (event_seq,))
    out = run_dos("journal", "verify", cwd=root)
    assert out.returncode == 1 and f"seq {seq}: its lease-log event #{event_seq} was edited" in out.stdout
    sql(root, "DELETE FROM events WHERE seq = ?", (event_seq,))
    out = run_dos("journal", "verify", cwd=root)
    assert out.returncode == 1 and f"its ENFORCE event #{event_seq} was deleted" in out.stdout


def test_empty_and_old_stores_verify_as_empty(repo, run_dos, tmp_path: Path) -> None:
    """No store yet: EMPTY, exit 0, and nothing is created; a v1 store (no journal tables) reads as empty."""
    repo.write("dos.toml", "")
    out = run_dos("journal", "verify", cwd=repo.path)
    assert out.returncode == 0 and out.stdout.startswith("EMPTY")
    assert not (repo.path / ".dos" / "store.sqlite3").exists()
    path = repo.path / ".dos" / "store.sqlite3"
    path.parent.mkdir()
    conn = sqlite3.connect(path, isolation_level=None)
    for stmt in BASE_DDL:
        conn.execute(stmt)
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    with context(repo.path) as ctx:
        assert journal.query(ctx) == [] and journal.latest_seq(ctx) == 0
        assert journal.verify(ctx).token == "EMPTY"


# --------------------------------------------------------------------------- both engines


@pytest.fixture
def engine_ctx(store_factory, repo, monkeypatch):
    """A service context on the factory's engine (SQLite, then PostgreSQL) with a fake clock."""
    for key, value in store_factory.env.items():
        monkeypatch.setenv(key, value)
    repo.write("dos.toml", "")
    clock = FakeClock(1_800_000_000_000)
    ctx = context(repo.path, clock)
    ctx.store.engine.migrate()
    yield ctx, clock
    ctx.close()


def _record(ctx, n: int, clock: FakeClock, start: int = 0) -> None:
    for i in range(start, start + n):
        journal.record(ctx, "verify", journal.Outcome("SHIPPED" if i % 2 else "NOT_SHIPPED", "r"),
                       subject=f"AUTH::AUTH{i}", run_id=f"RID-{i % 3}")
        clock.advance(60)


def test_record_query_and_chain_on_both_engines(engine_ctx) -> None:
    ctx, clock = engine_ctx
    _record(ctx, 7, clock)
    got = journal.query(ctx)
    assert [r["seq"] for r in got] == list(range(1, 8))
    assert got[0]["ts_ms"] == 1_800_000_000_000 and got[1]["ts_ms"] == 1_800_000_060_000
    assert got[0]["ts"] == "2027-01-15T08:00:00Z"
    assert [r["subject"] for r in journal.query(ctx, run_id="RID-1")] == ["AUTH::AUTH1", "AUTH::AUTH4"]
    assert [r["seq"] for r in journal.query(ctx, since_seq=5)] == [6, 7]
    assert [r["seq"] for r in journal.query(ctx, limit=2, newest=True)] == [6, 7]
    assert journal.latest_seq(ctx) == 7
    check = journal.verify(ctx)
    assert check.token == "INTACT", check.reason
    with ctx.store.engine.write() as tx:
        tx.execute("UPDATE verdicts SET subject = 'AUTH::FORGED' WHERE seq = 4")
    check = journal.verify(ctx)
    assert check.token == "BROKEN" and check.evidence["first_broken_seq"] == 4


def test_retention_folds_into_a_signed_checkpoint_the_chain_verifies_through(engine_ctx, monkeypatch) -> None:
    ctx, clock = engine_ctx
    monkeypatch.setenv("DOS_JOURNAL_KEY", "sign-off key")
    _record(ctx, 10, clock)
    done = journal.compact(ctx, keep_last=4)
    assert done["dropped"] == 6 and done["through_seq"] == 6 and done["signed"]
    assert [r["seq"] for r in journal.query(ctx)] == [7, 8, 9, 10]
    check = journal.verify(ctx)
    assert check.token == "INTACT" and check.evidence["checkpoints"] == 1 and check.evidence["signed_checkpoints"] == 1
    _record(ctx, 3, clock, start=10)  # new rows chain on after the checkpoint, seqs never reused
    assert [r["seq"] for r in journal.query(ctx)][-3:] == [11, 12, 13]
    clock.advance(3600 * 24 * 2)
    _record(ctx, 1, clock, start=13)
    done = journal.compact(ctx, max_age_days=1)  # every row older than a day
    assert done["through_seq"] == 13
    assert journal.verify(ctx).token == "INTACT"
    assert journal.verify(ctx).evidence["checkpoints"] == 2
    monkeypatch.setenv("DOS_JOURNAL_KEY", "another key")
    assert journal.verify(ctx).token == "BROKEN"
    monkeypatch.setenv("DOS_JOURNAL_KEY", "sign-off key")
    with ctx.store.engine.write() as tx:  # forging the fold: the checkpoint no longer matches itself
        tx.execute("UPDATE verdict_checkpoints SET dropped = 1 WHERE seq = 6")
    check = journal.verify(ctx)
    assert check.token == "BROKEN" and check.evidence["first_broken_seq"] == 6


def test_compaction_refuses_to_launder_a_broken_chain(engine_ctx) -> None:
    from dos.errors import StoreError

    ctx, clock = engine_ctx
    _record(ctx, 5, clock)
    with ctx.store.engine.write() as tx:
        tx.execute("DELETE FROM verdicts WHERE seq = 2")
    with pytest.raises(StoreError, match="does not verify"):
        journal.compact(ctx, keep_last=1)
    assert len(journal.query(ctx)) == 4


# --------------------------------------------------------------------------- the fold, property-tested


class _Tx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params=()):
        return self.conn.execute(sql, params).fetchall()


def _memory_store() -> _Tx:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    for stmt in (*BASE_DDL, *JOURNAL_DDL):
        conn.execute(stmt)
    return _Tx(conn)


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
row_strategy = st.fixed_dictionaries({
    "syscall": st.sampled_from(["verify", "pretool", "acquire", "stop"]), "verdict": text, "run_id": text,
    "session": text, "lane": text, "subject": text,
    "detail": st.dictionaries(st.text(max_size=5), st.one_of(st.none(), st.integers(), st.booleans(), text),
                              max_size=3)})


@settings(max_examples=60, deadline=None)
@given(st.lists(row_strategy, min_size=1, max_size=12), st.data())
def test_any_single_edit_is_found_at_its_row(batch, data) -> None:
    tx = _memory_store()
    js.append(tx, [js.make_row(1_000 + i, **r) for i, r in enumerate(batch)])
    assert js.verify(tx).broken == 0
    seq = data.draw(st.integers(1, len(batch)))
    column = data.draw(st.sampled_from(["ts_ms", "syscall", "verdict", "run_id", "session", "lane", "subject",
                                        "detail", "source", "prev", "hash"]))
    old = tx.execute(f"SELECT {column} FROM verdicts WHERE seq = ?", (seq,))[0][0]
    new = old + 1 if isinstance(old, int) else (old + "x" if column not in ("prev", "hash") else "f" * 64)
    tx.execute(f"UPDATE verdicts SET {column} = ? WHERE seq = ?", (new, seq))
    check = js.verify(tx)
    assert check.broken >= 1
    assert check.problems[0]["seq"] == seq


@settings(max_examples=40, deadline=None)
@given(st.lists(row_strategy, min_size=2, max_size=15), st.data())
def test_compaction_keeps_the_chain_and_the_counts(batch, data) -> None:
    tx = _memory_store()
    js.append(tx, [js.make_row(1_000 + i, **r) for i, r in enumerate(batch)])
    through = data.draw(st.integers(1, len(batch) - 1))
    before = {(s, v): n for s, v, n in tx.execute("SELECT syscall, verdict, count(*) FROM verdicts GROUP BY 1, 2")}
    js.compact(tx, through_seq=through, now_ms=5_000, key=b"k")
    js.append(tx, [js.make_row(9_000, "verify", "SHIPPED")])
    check = js.verify(tx, key=b"k")
    assert check.broken == 0 and check.rows == len(batch) - through + 1
    rollup = json.loads(tx.execute("SELECT rollup FROM verdict_checkpoints")[0][0])
    after = {(s, v): n for s, v, n in tx.execute("SELECT syscall, verdict, count(*) FROM verdicts GROUP BY 1, 2")}
    after[("verify", "SHIPPED")] -= 1
    for s, tokens in rollup.items():
        for v, n in tokens.items():
            after[(s, v)] = after.get((s, v), 0) + n
    assert {k: v for k, v in after.items() if v} == before
