"""The hook's libpq read (``dos.store.pg_lean``) against the engine's psycopg read of the same view.

Same rows, same types, byte for byte; None whenever it cannot read plainly (so the hook takes
the full store); the engine's error when the server cannot be reached; and a pretool allow on
PostgreSQL that never imports psycopg.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from dos.errors import StoreUnreachable
from dos.kernel.lanes import LaneRequest
from dos.store import pg_heads, pg_lean
from dos.store.live import LEASE_INSERT, LEASE_SELECT, lease_to_row
from dos.store.snapshot import keys
from tests.store.conftest import StoreFactory
from tests.store.storehelp import write_lanes


def _read(url: str, schema: str, keys, **kw):
    """``Conn.read`` on a connection of its own."""
    conn = pg_lean.connect(url, **kw)
    assert conn is not None, "libpq is there (psycopg is)"
    with conn:
        return conn.read(schema, keys)


def _record(url: str, schema: str, values, journal, *, now_ms=None):
    conn = pg_lean.connect(url)
    assert conn is not None
    with conn:
        return conn.record(schema, values, journal, now_ms=now_ms)


def _fleet(pg: StoreFactory, root: Path, schema: str):
    """A store with plain, wide, expired and oddly spelled leases, held by oddly named holders."""
    store = pg.make(root, schema=schema)
    base = store.acquire(LaneRequest(lane="src"), holder="ünï \"holder\"", session="s-1", run_id="rün",
                         loop_ts="tab\there", pid=os.getpid()).lease
    odd = [base.replace(lease_id=f"x{i}", fence=100 + i, lane=f"w{i}", tree=tree, holder=f"h{i}\\{i}", session=f"s-odd{i}",
                        pid=None if i % 2 else 4242, pid_start=None, ttl_ms=1 if i == 3 else 3_600_000)
           for i, tree in enumerate([("work/a/**",), ("WORK/B/x.py",), ("**/*.md",), ("work/c/**",),
                                     ("日本/**",), ("s*/**",), ("docs/**", "work/d/**"), ()])]
    with store.engine.write() as tx:
        for lease in odd:
            tx.execute(LEASE_INSERT, lease_to_row(lease))
    return store


@pytest.mark.parametrize("path", ["src/a.py", "work/a/x", "work/b/x.py", "work", "work/z*", "docs/x.md",
                                  "日本/x", "elsewhere"])
def test_the_lean_read_returns_exactly_the_engines_rows(pg: StoreFactory, tmp_path: Path, pg_url: str,
                                                        path: str) -> None:
    root = write_lanes(tmp_path / "ws", {"src": ["src/**"], "docs": ["docs/**"]})
    store = _fleet(pg, root, "lean")
    regions = keys((path,))
    assert regions is not None
    before = store.engine.server_now_ms()
    got = _read(pg_url, "lean", pg_heads.heads_param(regions))
    after = store.engine.server_now_ms()
    engine = store.engine.read_reaching(regions)
    assert got is not None and engine is not None
    assert before <= got[0] <= after
    assert got[1] == engine[1] and got[1]  # same rows, values and types, in the same order
    assert [type(v) for v in got[1][0]] == [type(v) for v in engine[1][0]]


def test_the_lean_whole_view_is_the_engines_view(pg: StoreFactory, tmp_path: Path, pg_url: str) -> None:
    """A session's start reads every lease: one JSON text instead of a call per cell, same rows and types."""
    root = write_lanes(tmp_path / "ws", {"src": ["src/**"], "docs": ["docs/**"]})
    store = _fleet(pg, root, "whole")
    got = _read(pg_url, "whole", None)
    with store.engine.read() as tx:
        rows = tx.execute(LEASE_SELECT + " ORDER BY fence")
    assert got is not None and got[1] == rows and len(rows) == 9
    assert [[type(v) for v in r] for r in got[1]] == [[type(v) for v in r] for r in rows]
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("DELETE FROM whole.leases")
    assert _read(pg_url, "whole", None)[1] == []


def test_it_steps_aside_where_it_cannot_read_plainly(pg: StoreFactory, tmp_path: Path, pg_url: str) -> None:
    root = write_lanes(tmp_path / "ws", {"src": ["src/**"], "docs": ["docs/**"]})
    assert _read(pg_url, "never_made", [""]) is None  # no schema yet
    _fleet(pg, root, "older")
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"DROP FUNCTION older.{pg_heads.NAME} CASCADE")
    assert _read(pg_url, "older", [""]) is None  # no heads function: the full store adds it


def test_a_server_it_cannot_reach_is_the_engines_error(tmp_path: Path) -> None:
    with pytest.raises(StoreUnreachable, match=r"127\.0\.0\.1:1 cannot be reached: .*check \[store\] url"):
        _read("postgresql://postgres@127.0.0.1:1/x", "s", [""], connect_timeout_s=2)


def _hook(root: Path, env: dict[str, str], rel: str, session: str = "s-1", verb: str = "pretool") -> dict:
    """A hook as installed (the pretool's Edit of REL, else VERB's Claude Code payload), reporting whether
    psycopg was imported."""
    payload: dict = {"session_id": session, "cwd": str(root)}
    if verb == "pretool":
        payload.update(hook_event_name="PreToolUse", tool_name="Edit",
                       tool_input={"file_path": str(root / rel), "old_string": "a", "new_string": "b"})
    else:
        payload.update(hook_event_name={"stop": "Stop", "session-start": "SessionStart"}[verb],
                       stop_hook_active=False, source="startup")
    code = ("import sys\nfrom dos.hooks.__main__ import run\ntry:\n    run()\nexcept SystemExit as e:\n"
            "    code = e.code\nelse:\n    code = 0\nprint('PSYCOPG' if 'psycopg' in sys.modules else 'LEAN', file=sys.stderr)\n"
            "sys.exit(code)\n")
    out = subprocess.run([sys.executable, "-I", "-c", code, verb], input=json.dumps(payload), text=True,
                         capture_output=True, cwd=root, env={**os.environ, **env}, timeout=120)
    return {"code": out.returncode, "stdout": out.stdout, "stderr": out.stderr, "psycopg": "PSYCOPG" in out.stderr}


def test_a_pretool_allow_on_postgres_never_imports_psycopg(pg: StoreFactory, tmp_path: Path, pg_url: str) -> None:
    root = write_lanes(tmp_path / "ws", {"src": ["src/**"], "docs": ["docs/**"]})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    env = {"DOS_STORE_URL": pg_url, "DOS_STORE_SCHEMA": "hooked"}
    store = pg.make(root, schema="hooked")
    mine = store.acquire(LaneRequest(lane="docs"), holder="me", session="s-1", ttl_ms=3_600_000).lease
    others = [mine.replace(lease_id=f"o{i}", fence=100 + i, lane=f"w{i}", tree=tree, holder=f"h{i}",
                           session=f"s-other{i}", ttl_ms=1 if i == 2 else 3_600_000)
              for i, tree in enumerate([("work/a/**",), ("s*/**",), ("work/c/**",)])]
    with store.engine.write() as tx:
        for lease in others:
            tx.execute(LEASE_INSERT, lease_to_row(lease))
    allow = _hook(root, env, "docs/app.py")
    assert allow["code"] == 0 and not allow["psycopg"], allow
    before = store.seq()
    deny = _hook(root, env, "work/a/x.py")  # read, and recorded, through libpq
    assert deny["code"] == 2 and "'w0'" in deny["stdout"] and not deny["psycopg"], deny
    enforced = store.events(since_seq=before)
    assert [(e.op, e.lane, e.holder) for e in enforced] == [("ENFORCE", "w0", "s-1")]
    wide = _hook(root, env, "src/app.py")  # the wide s* lease reaches it
    assert wide["code"] == 2 and "'w1'" in wide["stdout"]
    gone = _hook(root, env, "work/c/x.py")  # w2's TTL of 1 ms has passed: no lease there
    assert gone["code"] == 0 and not gone["psycopg"], gone


def _configured(tmp_path: Path, pg_url: str, pg: StoreFactory, extra: str = "") -> Path:
    """A PostgreSQL workspace configured in dos.toml (no .dos/), another session holding docs."""
    lanes = '[lanes]\nconcurrent = ["src", "docs"]\n[lanes.trees]\nsrc = ["src/**"]\ndocs = ["docs/**"]\n'
    root = tmp_path / "ws"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "dos.toml").write_text(lanes + f'[store]\nurl = "{pg_url}"\nschema = "cfg"\n')
    pg.make(root, schema="cfg").acquire(LaneRequest(lane="docs"), holder="other", session="s-other",
                                        ttl_ms=3_600_000)
    if extra:
        (root / "dos.toml").write_text((root / "dos.toml").read_text() + extra)
    return root


def test_a_dos_toml_broken_before_it_ever_compiled_denies_instead_of_reading_no_store(
        pg: StoreFactory, tmp_path: Path, pg_url: str) -> None:
    """The defaults would read an empty local store and allow a write into a held lane; and the deny
    is not recorded into a local store they would create."""
    root = _configured(tmp_path, pg_url, pg, extra="bogus = 1\n")
    env = {"DOS_STORE_URL": "", "DOS_STORE_SCHEMA": "", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for path in ("docs/a.md", "src/a.py"):
        got = _hook(root, env, path)
        assert got["code"] == 2 and "cannot tell which store holds the leases" in got["stdout"]
    assert not (root / ".dos").exists()


def test_a_postgres_workspace_keeps_its_last_good_settings_outside_the_checkout(
        pg: StoreFactory, tmp_path: Path, pg_url: str) -> None:
    root = _configured(tmp_path, pg_url, pg)
    env = {"DOS_STORE_URL": "", "DOS_STORE_SCHEMA": "", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert _hook(root, env, "docs/a.md")["code"] == 2  # compiles, and caches in the user's cache directory
    assert list((tmp_path / "cache" / "dos" / "hooks-settings").glob("*.json"))
    (root / "dos.toml").write_text((root / "dos.toml").read_text() + "bogus = 1\n")
    held = _hook(root, env, "docs/a.md")  # still judged from the server the last good dos.toml named
    assert held["code"] == 2 and "'docs'" in held["stdout"] and "held by other" in held["stdout"]
    free = _hook(root, env, "src/a.py")
    assert free["code"] == 0, free
    assert not (root / ".dos").exists()


ODD = ["", "plain", "ünïcode ß", 'q"uote\\back', "tab\there", "日本", "x" * 600, "\u2028 line sep"]


@pytest.mark.parametrize("journaled", [False, True])
def test_a_lean_record_writes_exactly_what_the_store_writes(pg: StoreFactory, tmp_path: Path, pg_url: str,
                                                            journaled: bool) -> None:
    """Event rows and journal rows byte for byte, hashes included, and a chain `journal verify` walks."""
    from dos.kernel.lease import Op
    from dos.service.journal import event_link
    from dos.store import journal, pg_fast
    from dos.store.journal_rows import make_row
    from dos.store.live import event_values

    root = write_lanes(tmp_path / "ws", {"src": ["src/**"]})
    now = [1_800_000_000_000]
    general = pg.make(root, schema="rec_general", clock=lambda: now[0])
    lean = pg.make(root, schema="rec_lean")
    lean.engine.migrate()
    for i, text in enumerate(ODD * 2):
        fields = {"lane": text[:40], "lease_id": f"l{i}", "holder": f"sess-{text[:20]}", "reason": text,
                  "data": {"intervention": "DENY", "paths": [text, "src/a.py"], "expires_ms": now[0] + i, "n": i}}
        row = make_row(0, "pretool", "COLLISION", run_id=text[:30], session=f"sess-{i}", lane=fields["lane"],
                       subject=f"Edit {text}", detail={"action": "deny", "why": text}, source="sensor") \
            if journaled else None
        general.record(Op.ENFORCE, **fields, journal=event_link(row))
        values = event_values(0, "ENFORCE", host_id=lean.host_id, **fields)
        texts = pg_fast.journal_record(row, values)
        assert texts is not False
        assert _record(pg_url, "rec_lean", values, texts, now_ms=now[0]) is not None
        now[0] += 7
    cols = "seq, ts_ms, op, lane, lease_id, holder, host_id, reason, data"
    with psycopg.connect(pg_url, autocommit=True) as c:
        for table, columns in (("events", cols), ("verdicts", "*")):
            a = c.execute(f"SELECT {columns} FROM rec_general.{table} ORDER BY seq").fetchall()
            b = c.execute(f"SELECT {columns} FROM rec_lean.{table} ORDER BY seq").fetchall()
            assert a == b and (a or table == "verdicts" and not journaled)
    with lean.engine.read() as tx:
        check = journal.verify(tx)
    assert check.broken == 0 and check.rows == (len(ODD) * 2 if journaled else 0), check.problems


def test_a_text_that_could_pass_for_a_marker_is_left_to_the_full_store() -> None:
    from dos.store import pg_fast
    from dos.store.journal_rows import make_row
    from dos.store.live import event_values

    row = make_row(0, "pretool", "COLLISION", subject="Edit x")
    assert pg_fast.journal_record(row, event_values(0, "ENFORCE", reason="a \x01T b")) is False
    assert pg_fast.journal_record(make_row(0, "pretool", "X", subject="\x01S"), event_values(0, "ENFORCE")) is False
    assert pg_fast.journal_record(row, event_values(0, "ENFORCE", reason="fine")) not in (False, None)


def test_a_deny_reads_and_records_on_one_connection(pg: StoreFactory, tmp_path: Path, relay) -> None:
    root = write_lanes(tmp_path / "ws", {"src": ["src/**"], "docs": ["docs/**"]})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    store = pg.make(root, schema="onecon")
    store.acquire(LaneRequest(lane="docs"), holder="other", session="s-other", ttl_ms=3_600_000)
    before, asked, seq = relay.connections, relay.count, store.seq()
    deny = _hook(root, {"DOS_STORE_URL": relay.url, "DOS_STORE_SCHEMA": "onecon"}, "docs/a.md")
    assert deny["code"] == 2 and "'docs'" in deny["stdout"] and not deny["psycopg"], deny
    assert relay.connections - before == 1
    assert relay.count - asked == 3  # the lock timeout, the read, the record
    assert [(e.op, e.lane) for e in store.events(since_seq=seq)] == [("ENFORCE", "docs")]


def test_a_session_start_and_a_stop_on_postgres_never_import_psycopg(pg: StoreFactory, tmp_path: Path,
                                                                      pg_url: str) -> None:
    from dos.kernel.lease import Op

    root = write_lanes(tmp_path / "ws", {"src": ["src/**"], "docs": ["docs/**"]})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    env = {"DOS_STORE_URL": pg_url, "DOS_STORE_SCHEMA": "sess"}
    store = pg.make(root, schema="sess")
    store.acquire(LaneRequest(lane="docs"), holder="agentB", session="s-other", ttl_ms=3_600_000)
    start = _hook(root, env, "", verb="session-start")
    text = json.loads(start["stdout"])["hookSpecificOutput"]["additionalContext"]
    assert start["code"] == 0 and not start["psycopg"], start
    assert "'docs' (docs/**) by agentB" in text and "Free: 'src' (src/**)" in text
    free = _hook(root, env, "", verb="stop")
    assert free["code"] == 0 and not free["psycopg"], free
    store.record(Op.CLAIM, holder="s-other", data={"session": "s-other", "plan": "AUTH", "phase": "AUTH1"})
    store.record(Op.CLAIM, holder="s-1", data={"session": "s-1", "plan": "AUTH", "phase": "AUTH1"})
    store.record(Op.CLAIM, holder="s-1", data={"session": "s-1", "plan": "AUTH", "phase": "AUTH2"})
    seq = store.seq()
    blocked = _hook(root, env, "", verb="stop")
    assert blocked["code"] == 2 and "dos verify AUTH AUTH2" in json.loads(blocked["stdout"])["reason"], blocked
    assert not blocked["psycopg"], blocked
    assert [(e.op, e.holder) for e in store.events(since_seq=seq)] == [("ENFORCE", "s-1")]


def test_the_lean_intent_read_is_the_ledgers(pg: StoreFactory, tmp_path: Path, pg_url: str) -> None:
    """The stop hook's read of a session's intent runs through libpq gives the states the ledger holds."""
    from dos.service import ledger_gate
    from dos.service.settings import load_settings
    from dos.store.intents import IntentStore

    root = write_lanes(tmp_path / "ws", {"src": ["src/**"]})
    store = pg.make(root, schema="ledger")
    led = IntentStore(store.engine)
    for rid, session, steps in (("r1", "s-1", ["a", "b"]), ("r2", "s-2", ["c"]), ("r3", "s-1", ["ünï \"d\""])):
        assert led.declare(rid, {"goal": "g", "declared_steps": steps}, token=f"t-{rid}", session=session).recorded
    env = {"DOS_STORE_URL": pg_url, "DOS_STORE_SCHEMA": "ledger"}
    settings = load_settings(str(root))
    for session in ("s-1", "s-2", "nobody"):
        want = [s.to_dict() for _, s in led.runs(session=session)]
        assert ledger_gate._session_states(settings, session, env) == want
    assert len(ledger_gate._session_states(settings, "s-1", env)) == 2


def test_a_schema_without_the_record_function_gets_it_from_the_first_deny(pg: StoreFactory, tmp_path: Path,
                                                                         pg_url: str) -> None:
    """A schema an older DOS made has no record function: the deny is recorded through the full store,
    which adds it, so the next deny never imports psycopg."""
    from dos.store import pg_fast

    root = write_lanes(tmp_path / "ws", {"src": ["src/**"], "docs": ["docs/**"]})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    store = pg.make(root, schema="norec")
    store.acquire(LaneRequest(lane="docs"), holder="other", session="s-other", ttl_ms=3_600_000)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"DROP FUNCTION norec.{pg_fast.RECORD}")
    env = {"DOS_STORE_URL": pg_url, "DOS_STORE_SCHEMA": "norec"}
    seq = store.seq()
    first = _hook(root, env, "docs/a.md")
    assert first["code"] == 2 and first["psycopg"], first  # recorded through the full store
    second = _hook(root, env, "docs/b.md")
    assert second["code"] == 2 and not second["psycopg"], second
    assert [e.op for e in store.events(since_seq=seq)] == ["ENFORCE", "ENFORCE"]
