"""The PostgreSQL engine against the engine protocol: locks, clock, fences, schema, errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dos.errors import ConfigError, StoreError, StoreUnreachable
from dos.store.engine import SCHEMA_VERSION, StoreBusy
from dos.store.postgres import PostgresEngine, redact, schema_for, translate

SRC = str(Path(__file__).resolve().parents[2] / "src")


class TestTranslate:
    @pytest.mark.parametrize("sql, expected", [
        ("SELECT ?", "SELECT %s"),
        ("INSERT INTO t VALUES (?, ?, ?)", "INSERT INTO t VALUES (%s, %s, %s)"),
        ("SELECT '?' , ?", "SELECT '?' , %s"),
        ("SELECT 'it''s ?', ?", "SELECT 'it''s ?', %s"),
        ('SELECT "we?ird" FROM t WHERE a = ?', 'SELECT "we?ird" FROM t WHERE a = %s'),
        ("SELECT 1 -- why?\n, ?", "SELECT 1 -- why?\n, %s"),
        ("SELECT /* ? */ ?", "SELECT /* ? */ %s"),
        ("SELECT 5 % 2, '50%', ?", "SELECT 5 %% 2, '50%%', %s"),
    ])
    def test_placeholders_outside_quotes_only(self, sql: str, expected: str) -> None:
        """Only bare ``?`` become ``%s``; every ``%`` is doubled so psycopg reads it literally."""
        assert translate(sql) == expected

    @given(st.text(alphabet="?%'\"-/*a \n", max_size=40))
    def test_translation_is_lossless(self, sql: str) -> None:
        """Reading ``%%`` back as ``%`` and ``%s`` as ``?`` restores any input exactly."""
        out = translate(sql)
        assert re.sub(r"%%|%s", lambda m: "%" if m.group() == "%%" else "?", out) == sql
        assert re.fullmatch(r"(?:[^%]|%%|%s)*", out, re.S)  # psycopg sees no stray '%'

    @given(st.lists(st.sampled_from(["?", "'?'", '"?"', "-- ?\n", "/* ? */", " x ", "'%'"]), max_size=12))
    def test_only_bare_marks_become_parameters(self, parts: list[str]) -> None:
        assert translate("".join(parts)).count("%s") == parts.count("?")

    def test_literals_round_trip_through_the_server(self, pg_engine) -> None:
        """A literal with ``?`` and ``%`` next to real parameters comes back unchanged."""
        engine = pg_engine()
        with engine.read() as tx:
            assert tx.execute("SELECT '50%?', ?, ? || '%'", ("a?", "b")) == [("50%?", "a?", "b%")]


class TestNames:
    def test_redact_drops_password(self) -> None:
        assert redact("postgresql://bob:s3cret@db.example:6543/fleet") == "postgresql://bob@db.example:6543/fleet"
        assert "s3cret" not in redact("postgresql://db/fleet?password=s3cret&sslmode=require")
        assert "sslmode=require" in redact("postgresql://db/fleet?password=s3cret&sslmode=require")

    def test_schema_must_be_named(self) -> None:
        assert schema_for("fleet_1") == "fleet_1"
        with pytest.raises(ConfigError, match=r"\[store\] schema"):
            schema_for("")

    @pytest.mark.parametrize("bad", ["1abc", "Fleet", "a-b", "x" * 64, 'a"b'])
    def test_bad_schema_is_a_config_error(self, bad: str) -> None:
        with pytest.raises(ConfigError, match="not a valid name"):
            schema_for(bad)

    def test_non_postgres_url_is_a_config_error(self) -> None:
        with pytest.raises(ConfigError, match="not a postgresql:// URL"):
            PostgresEngine("mysql://x/y", schema="s")


class TestUnreachable:
    def test_refused_port_is_store_unreachable(self) -> None:
        """A server that cannot be reached is its own error (exit 69), naming host:port, never the password."""
        with pytest.raises(StoreUnreachable) as info:
            PostgresEngine("postgresql://bob:s3cret@127.0.0.1:1/db", schema="s")
        msg = str(info.value)
        assert info.value.exit_code == 69
        assert "127.0.0.1:1" in msg and "s3cret" not in msg and "\n" not in msg

    def test_missing_database_is_unreachable_not_local(self, pg_server) -> None:
        with pytest.raises(StoreUnreachable, match="does not exist"):
            PostgresEngine(pg_server.database_url("no_such_db"), schema="s")

    def test_server_gone_mid_session(self, pg_engine, pg_url: str) -> None:
        """A terminated connection surfaces as StoreUnreachable on the next operation."""
        import psycopg

        engine = pg_engine()
        with engine.read() as tx:
            pid = tx.execute("SELECT pg_backend_pid()")[0][0]
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(StoreUnreachable, match="went away"):
            with engine.write() as tx:
                tx.execute("SELECT 1")
        with engine.write() as tx:  # the next transaction connects afresh; the failed one is not retried
            assert tx.execute("SELECT pg_backend_pid() <> ?", (pid,)) == [(True,)]


class TestSchema:
    def test_migrate_is_idempotent(self, pg_engine) -> None:
        engine = pg_engine()
        assert engine.schema_version() == 0
        assert engine.migrate() == SCHEMA_VERSION
        assert engine.migrate() == SCHEMA_VERSION
        with engine.read() as tx:
            tables = {r[0] for r in tx.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}
            assert {"events", "leases", "counters", "locks", "meta"} <= tables
            assert tx.execute("SELECT value FROM meta WHERE key = 'schema_version'") == [(str(SCHEMA_VERSION),)]

    def test_reads_before_the_first_write_create_nothing(self, pg_engine, pg_url: str) -> None:
        """Like SQLite, a store nobody has written reads as empty and is not created by reading."""
        import psycopg

        reader = pg_engine("fresh")
        for _ in range(2):
            with reader.read() as tx:
                assert tx.execute("SELECT count(*) FROM events") == [(0,)]
                assert tx.execute("SELECT count(*) FROM leases") == [(0,)]
        with psycopg.connect(pg_url) as conn:
            assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'fresh'").fetchone() == (0,)
        with pg_engine("fresh").write() as tx:
            tx.execute("INSERT INTO events (ts_ms, op) VALUES (?, 'ACQUIRE')", (tx.now_ms(),))
        with reader.read() as tx:  # the same reader now sees the real tables
            assert tx.execute("SELECT count(*) FROM events") == [(1,)]

    def test_concurrent_first_use_migrates_once(self, pg_engine) -> None:
        """Eight engines released together to create one workspace's schema all succeed."""
        for attempt in range(3):
            engines = [pg_engine(f"raced_{attempt}") for _ in range(8)]
            barrier = threading.Barrier(8)

            def migrate(engine: PostgresEngine) -> int:
                barrier.wait()
                return engine.migrate()

            with ThreadPoolExecutor(8) as pool:
                assert set(pool.map(migrate, engines)) == {SCHEMA_VERSION}

    def test_newer_schema_is_refused(self, pg_engine) -> None:
        engine = pg_engine()
        engine.migrate()
        with engine.write() as tx:
            tx.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
        with pytest.raises(StoreError, match="newer"):
            pg_engine().migrate()

    def test_workspaces_are_separate_schemas(self, pg_engine) -> None:
        a, b = pg_engine("ws_a"), pg_engine("ws_b")
        with a.write() as tx:
            tx.execute("INSERT INTO events (ts_ms, op) VALUES (?, 'ACQUIRE')", (tx.now_ms(),))
        with b.read() as tx:
            assert tx.execute("SELECT count(*) FROM events") == [(0,)]
        with a.read() as tx:
            assert tx.execute("SELECT count(*) FROM events") == [(1,)]


class TestTransactions:
    def test_exception_rolls_back(self, pg_engine) -> None:
        engine = pg_engine()
        with pytest.raises(RuntimeError):
            with engine.write() as tx:
                tx.execute("INSERT INTO events (ts_ms, op) VALUES (?, 'ACQUIRE')", (tx.now_ms(),))
                raise RuntimeError("decided to abort")
        with engine.read() as tx:
            assert tx.execute("SELECT count(*) FROM events") == [(0,)]

    def test_sql_error_is_store_error_and_rolls_back(self, pg_engine) -> None:
        engine = pg_engine()
        with pytest.raises(StoreError, match="no_such_column"):
            with engine.write() as tx:
                tx.execute("INSERT INTO events (ts_ms, op) VALUES (?, 'X')", (1,))
                tx.execute("SELECT no_such_column FROM events")
        with engine.write() as tx:  # the connection is usable again
            assert tx.execute("SELECT count(*) FROM events") == [(0,)]

    def test_advisory_lock_serialises_read_modify_write(self, pg_engine) -> None:
        """Read, pause, write back +1 from 6 threads: no update is lost under the workspace lock."""
        engines = [pg_engine() for _ in range(6)]
        with engines[0].write() as tx:
            tx.execute("INSERT INTO counters (name, value) VALUES ('n', 0)")

        def bump(engine: PostgresEngine) -> None:
            for _ in range(15):
                with engine.write() as tx:
                    (value,), = tx.execute("SELECT value FROM counters WHERE name = 'n'")
                    time.sleep(0.001)
                    tx.execute("UPDATE counters SET value = ? WHERE name = 'n'", (value + 1,))

        with ThreadPoolExecutor(6) as pool:
            list(pool.map(bump, engines))
        with engines[0].read() as tx:
            assert tx.execute("SELECT value FROM counters WHERE name = 'n'") == [(90,)]

    def test_lock_is_per_workspace(self, pg_engine) -> None:
        """A write held open in workspace A does not block a write in workspace B."""
        a, a2, b = pg_engine("ws_a"), pg_engine("ws_a", busy_timeout_ms=300), pg_engine("ws_b")
        for e in (a, b):
            e.migrate()
        with a.write():
            with b.write() as tx:
                tx.execute("SELECT 1")
            with pytest.raises(StoreBusy) as info:
                with a2.write() as tx:
                    tx.execute("SELECT 1")
        assert info.value.exit_code == 75
        with a2.write() as tx:  # the engine that timed out is usable once the lock is free
            assert tx.execute("SELECT 1") == [(1,)]

    def test_read_is_a_snapshot(self, pg_engine) -> None:
        reader, writer = pg_engine(), pg_engine()
        reader.migrate()
        with reader.read() as tx:
            assert tx.execute("SELECT count(*) FROM events") == [(0,)]
            with writer.write() as wtx:
                wtx.execute("INSERT INTO events (ts_ms, op) VALUES (?, 'ACQUIRE')", (wtx.now_ms(),))
            assert tx.execute("SELECT count(*) FROM events") == [(0,)]
        with reader.read() as tx:
            assert tx.execute("SELECT count(*) FROM events") == [(1,)]


class TestClockAndFences:
    def test_now_ms_is_the_servers_clock(self, pg_engine, monkeypatch: pytest.MonkeyPatch) -> None:
        """With this process's clock set to 2001, the engine still reports the server's time."""
        engine = pg_engine()
        with engine.read() as tx:
            (server,), = tx.execute("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint")
        fake = 1_000_000_000.0
        monkeypatch.setattr(time, "time", lambda: fake)
        monkeypatch.setattr(time, "time_ns", lambda: int(fake * 1e9))
        with engine.write() as tx:
            first = tx.now_ms()
            assert tx.now_ms() == first  # one instant per transaction
        assert abs(first - server) < 60_000
        assert first > fake * 1000 + 10 * 365 * 86_400_000

    def test_fences_strictly_increase_across_processes(self, pg_url: str, tmp_path: Path) -> None:
        """Four processes draw 40 fences each: all distinct, increasing within each process, in commit order."""
        PostgresEngine(pg_url, schema="dos_test").migrate()
        script = (
            "import sys\nfrom dos.store.postgres import PostgresEngine\n"
            "e = PostgresEngine(sys.argv[1], schema='dos_test')\n"
            "for _ in range(40):\n"
            "    with e.write() as tx:\n"
            "        f = tx.next_fence()\n"
            "        tx.execute(\"INSERT INTO events (ts_ms, op, data) VALUES (?, 'F', ?)\", (tx.now_ms(), str(f)))\n"
            "        print(f)\n"
        )
        env = {**os.environ, "PYTHONPATH": SRC}
        procs = [subprocess.Popen([sys.executable, "-c", script, pg_url], stdout=subprocess.PIPE,
                                  text=True, env=env) for _ in range(4)]
        outs = [p.communicate(timeout=120)[0] for p in procs]
        assert all(p.returncode == 0 for p in procs)
        per = [[int(x) for x in out.split()] for out in outs]
        every = [f for fs in per for f in fs]
        assert len(every) == 160 and len(set(every)) == 160
        assert all(fs == sorted(fs) for fs in per)
        with PostgresEngine(pg_url, schema="dos_test").read() as tx:
            in_seq_order = [int(r[0]) for r in tx.execute("SELECT data FROM events ORDER BY seq")]
        assert in_seq_order == sorted(in_seq_order)  # fences and seq agree: writes are serialised


class TestCrash:
    def test_killed_holder_releases_the_lock(self, pg_engine, pg_url: str) -> None:
        """A writer killed with SIGKILL mid-transaction leaves no lock and no half-written row."""
        pg_engine().migrate()
        script = (
            "import sys, time\nfrom dos.store.postgres import PostgresEngine\n"
            "e = PostgresEngine(sys.argv[1], schema='dos_test')\n"
            "with e.write() as tx:\n"
            "    tx.execute(\"INSERT INTO events (ts_ms, op) VALUES (?, 'HALF')\", (tx.now_ms(),))\n"
            "    print('holding', flush=True)\n"
            "    time.sleep(600)\n"
        )
        proc = subprocess.Popen([sys.executable, "-c", script, pg_url], stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": SRC})
        try:
            assert proc.stdout.readline().strip() == "holding"
            blocked = pg_engine(busy_timeout_ms=200)
            with pytest.raises(StoreBusy):
                with blocked.write():
                    pass
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        engine = pg_engine(busy_timeout_ms=20_000)
        with engine.write() as tx:
            assert tx.execute("SELECT count(*) FROM events WHERE op = 'HALF'") == [(0,)]
