"""``dos store status|migrate`` through the real CLI, against SQLite and the throwaway server."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from dos.config import find_workspace, load_config
from dos.kernel.lanes import LaneRequest
from dos.service.context import open_store
from dos.service.fleet_schema import fleet_schema
from dos.store.schema import SCHEMA_VERSION

LANES = ('[lanes]\nconcurrent = ["a", "b", "c", "d"]\nexclusive = ["global"]\n\n'
         '[lanes.trees]\na = ["a/**"]\nb = ["b/**"]\nc = ["c/**"]\nd = ["d/**"]\nglobal = ["**/*"]\n')


@pytest.fixture
def ws(repo) -> Path:
    repo.commit("first")  # the fleet's schema name comes from the first commit
    repo.write("dos.toml", LANES)
    return repo.path


def store_at(root: Path):
    """ROOT's configured store (DOS_STORE_URL from this process's environment)."""
    workspace = find_workspace(root)
    return open_store(workspace, load_config(workspace.root))


def make_history(root: Path) -> dict:
    """A small history in ROOT's configured store: grants, a release, a beat, a refusal, a compact."""
    with store_at(root) as store:
        for lane in "abc":
            assert store.acquire(LaneRequest(lane=lane), holder=f"w-{lane}").granted
        assert not store.acquire(LaneRequest(lane="a"), holder="late").granted
        assert store.release(lane="b", holder="w-b") is not None
        assert store.heartbeat(lane="c", holder="w-c") is not None
        store.compact()
        assert store.acquire(LaneRequest(lane="d"), holder="w-d").granted
        return {"events": store.events(), "replay": store.replay(), "count": store.count_events(),
                "seq": store.seq(), "fence": max(x.fence for x, _ in store.leases())}


def schemas(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'dos_%'")}


class TestStatus:
    def test_sqlite_status_creates_nothing(self, ws: Path, run_dos) -> None:
        out = run_dos("store", "status", "--json", cwd=ws)
        assert out.returncode == 0, out.stderr
        d = json.loads(out.stdout)
        assert (d["verdict"], d["engine"], d["schema_version"], d["events"]) == ("ok", "sqlite", 0, 0)
        assert not (ws / ".dos").exists()

    def test_sqlite_status_counts(self, ws: Path, run_dos) -> None:
        make_history(ws)
        d = json.loads(run_dos("store", "status", "--json", cwd=ws).stdout)
        assert (d["schema_version"], d["live_leases"], d["expired_leases"]) == (SCHEMA_VERSION, 3, 0)
        assert d["events"] > 0
        text = run_dos("store", "status", cwd=ws)
        assert text.returncode == 0 and text.stdout.startswith("ok  sqlite ") and "3 live lease(s)" in text.stdout

    def test_unreachable_is_exit_69_and_writes_nothing(self, ws: Path, run_dos) -> None:
        env = {"DOS_STORE_URL": "postgresql://fleet:hunter2@127.0.0.1:1/fleet"}
        out = run_dos("store", "status", cwd=ws, env=env)
        assert out.returncode == 69
        assert out.stdout.startswith("unreachable  postgres postgresql://fleet@127.0.0.1:1/fleet")
        assert "hunter2" not in out.stdout + out.stderr and out.stdout.count("\n") == 1
        js = run_dos("store", "status", "--json", cwd=ws, env=env)
        assert js.returncode == 69 and json.loads(js.stdout)["verdict"] == "unreachable"
        assert not (ws / ".dos").exists()

    def test_postgres_status_does_not_create_the_schema(self, ws: Path, run_dos, pg_url: str) -> None:
        out = run_dos("store", "status", "--json", cwd=ws, env={"DOS_STORE_URL": pg_url})
        d = json.loads(out.stdout)
        assert out.returncode == 0 and (d["engine"], d["schema_version"]) == ("postgres", 0)
        assert schemas(pg_url) == set()

    def test_config_url_and_env_precedence(self, ws: Path, run_dos, pg_url: str) -> None:
        """``[store] url`` selects PostgreSQL; DOS_STORE_URL wins over it."""
        (ws / "dos.toml").write_text(LANES + f'\n[store]\nurl = "{pg_url}"\nschema = "fleet_x"\n')
        d = json.loads(run_dos("store", "status", "--json", cwd=ws).stdout)
        assert d["engine"] == "postgres" and d["location"].endswith("schema fleet_x")
        bad = run_dos("store", "status", cwd=ws, env={"DOS_STORE_URL": "postgresql://127.0.0.1:1/x"})
        assert bad.returncode == 69


class TestMigrate:
    def test_migrate_creates_schema_idempotently(self, ws: Path, run_dos, pg_url: str) -> None:
        env = {"DOS_STORE_URL": pg_url}
        for _ in range(2):
            out = run_dos("store", "migrate", cwd=ws, env=env)
            assert out.returncode == 0 and out.stdout.startswith("migrated  postgres "), out.stderr
        d = json.loads(run_dos("store", "status", "--json", cwd=ws, env=env).stdout)
        assert (d["schema_version"], d["events"]) == (SCHEMA_VERSION, 0)
        assert schemas(pg_url) == {fleet_schema(ws)} and fleet_schema(ws).startswith("dos_")

    def test_migrate_to_copies_history_without_loss(self, ws: Path, run_dos, pg_url: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
        """Same events (seqs included), same replay, same view; fences and seqs continue above the copy."""
        before = make_history(ws)
        out = run_dos("store", "migrate", "--to", pg_url, "--json", cwd=ws)
        assert out.returncode == 0, out.stderr
        report = json.loads(out.stdout)
        assert report["events"] == before["count"] and report["fence"] == before["fence"]
        env = {"DOS_STORE_URL": pg_url}
        d = json.loads(run_dos("store", "status", "--json", cwd=ws, env=env).stdout)
        assert (d["engine"], d["events"], d["live_leases"]) == ("postgres", before["count"], 3)
        monkeypatch.setenv("DOS_STORE_URL", pg_url)
        with store_at(ws) as store:
            assert store.engine.name == "postgres"
            assert store.events() == before["events"]
            assert store.replay() == before["replay"] == store.view()
            assert store.seq() == before["seq"]
            store.release(lane="a", holder="w-a")
            grant = store.acquire(LaneRequest(lane="b"), holder="after")
            assert grant.lease.fence > before["fence"]
            assert store.seq() > before["seq"]

    def test_migrate_to_refuses_a_target_with_events_unless_forced(self, ws: Path, run_dos, pg_url: str) -> None:
        make_history(ws)
        assert run_dos("store", "migrate", "--to", pg_url, cwd=ws).returncode == 0
        again = run_dos("store", "migrate", "--to", pg_url, cwd=ws)
        assert again.returncode == 2 and "--force" in again.stderr and again.stderr.count("\n") == 1
        forced = run_dos("store", "migrate", "--to", pg_url, "--force", "--json", cwd=ws)
        assert forced.returncode == 0, forced.stderr
        assert json.loads(forced.stdout)["replaced"] > 0
        d = json.loads(run_dos("store", "status", "--json", cwd=ws, env={"DOS_STORE_URL": pg_url}).stdout)
        assert d["events"] == json.loads(forced.stdout)["events"]  # replaced, not doubled

    def test_migrate_to_bad_targets(self, ws: Path, run_dos) -> None:
        make_history(ws)
        wrong = run_dos("store", "migrate", "--to", "mysql://x/y", cwd=ws)
        assert wrong.returncode == 2 and "postgresql://" in wrong.stderr
        down = run_dos("store", "migrate", "--to", "postgresql://u:pw@127.0.0.1:1/x", cwd=ws)
        assert down.returncode == 69 and "127.0.0.1:1" in down.stderr and "pw" not in down.stderr
        lone = run_dos("store", "migrate", "--force", cwd=ws)
        assert lone.returncode == 2 and "--to" in lone.stderr
